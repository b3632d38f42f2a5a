# The demo network (pillar schema v1, docs/pillar-schema.md): 6 sites, 12 routers (one Junos, one EOS per
# site), each with one transit link and one private (PNI) or public-IX link, every link dual-stack (an IPv4
# and an IPv6 session; IPv6 link nets /126s from 2001:db8:ffff::/48). Our side is private AS 64512;
# IPv4 link nets are /31s from 100.64.0.0/10, router ids 192.0.2.0/24, anycast pools 198.51.100.0/24,
# 203.0.113.0/24 and 2001:db8::/32. Numbers are plain integers (bits per second): PyYAML reads 100e9 as a
# string and the model rejects it.
traffic:
  schema_version: 1
  # the embedded lab's network: private router ASN 64512 and pools longer than /24 are fine here, never on a
  # real edge (docs/pillar-schema.md, `lab`)
  lab: true
  sites:
    ams01:
      ingress_capacity_bps: 400000000000
      neighbors:
      - fra01
      - lon01
      - par01
      - nyc01
      - sjc01
    fra01:
      ingress_capacity_bps: 400000000000
      neighbors:
      - ams01
      - par01
      - lon01
      - nyc01
      - sjc01
    lon01:
      ingress_capacity_bps: 400000000000
      neighbors:
      - ams01
      - par01
      - fra01
      - nyc01
      - sjc01
    par01:
      ingress_capacity_bps: 200000000000
      neighbors:
      - lon01
      - fra01
      - ams01
      - nyc01
      - sjc01
    nyc01:
      ingress_capacity_bps: 400000000000
      neighbors:
      - sjc01
      - lon01
      - ams01
      - par01
      - fra01
    sjc01:
      ingress_capacity_bps: 200000000000
      neighbors:
      - nyc01
      - lon01
      - ams01
      - fra01
      - par01
  routers:
    ams01-r1:
      site: ams01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.1
      links:
        et-0/0/0:
          peer: arelion
          neighbor: 100.64.0.1
          local_address: 100.64.0.0/31
          neighbor6: '2001:db8:ffff::2'
          local_address6: '2001:db8:ffff::1/126'
          peer_as: 1299
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: bigisp-ams
          neighbor: 100.64.0.3
          local_address: 100.64.0.2/31
          neighbor6: '2001:db8:ffff:1::2'
          local_address6: '2001:db8:ffff:1::1/126'
          peer_as: 3320
          kind: private
          capacity_bps: 100000000000
          group: pni
    ams01-r2:
      site: ams01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.2
      links:
        Ethernet1:
          peer: cogent
          neighbor: 100.64.1.1
          local_address: 100.64.1.0/31
          neighbor6: '2001:db8:ffff:80::2'
          local_address6: '2001:db8:ffff:80::1/126'
          peer_as: 174
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: amsix-rs
          neighbor: 100.64.1.3
          local_address: 100.64.1.2/31
          neighbor6: '2001:db8:ffff:81::2'
          local_address6: '2001:db8:ffff:81::1/126'
          peer_as: 6777
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
    fra01-r1:
      site: fra01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.3
      links:
        et-0/0/0:
          peer: lumen
          neighbor: 100.64.2.1
          local_address: 100.64.2.0/31
          neighbor6: '2001:db8:ffff:100::2'
          local_address6: '2001:db8:ffff:100::1/126'
          peer_as: 3356
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: bigisp-fra
          neighbor: 100.64.2.3
          local_address: 100.64.2.2/31
          neighbor6: '2001:db8:ffff:101::2'
          local_address6: '2001:db8:ffff:101::1/126'
          peer_as: 3320
          kind: private
          capacity_bps: 100000000000
          group: pni
    fra01-r2:
      site: fra01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.4
      links:
        Ethernet1:
          peer: arelion
          neighbor: 100.64.3.1
          local_address: 100.64.3.0/31
          neighbor6: '2001:db8:ffff:180::2'
          local_address6: '2001:db8:ffff:180::1/126'
          peer_as: 1299
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: decix-rs
          neighbor: 100.64.3.3
          local_address: 100.64.3.2/31
          neighbor6: '2001:db8:ffff:181::2'
          local_address6: '2001:db8:ffff:181::1/126'
          peer_as: 6695
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
    lon01-r1:
      site: lon01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.5
      links:
        et-0/0/0:
          peer: cogent
          neighbor: 100.64.4.1
          local_address: 100.64.4.0/31
          neighbor6: '2001:db8:ffff:200::2'
          local_address6: '2001:db8:ffff:200::1/126'
          peer_as: 174
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: cable-lon
          neighbor: 100.64.4.3
          local_address: 100.64.4.2/31
          neighbor6: '2001:db8:ffff:201::2'
          local_address6: '2001:db8:ffff:201::1/126'
          peer_as: 5089
          kind: private
          capacity_bps: 100000000000
          group: pni
    lon01-r2:
      site: lon01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.6
      links:
        Ethernet1:
          peer: lumen
          neighbor: 100.64.5.1
          local_address: 100.64.5.0/31
          neighbor6: '2001:db8:ffff:280::2'
          local_address6: '2001:db8:ffff:280::1/126'
          peer_as: 3356
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: linx-rs
          neighbor: 100.64.5.3
          local_address: 100.64.5.2/31
          neighbor6: '2001:db8:ffff:281::2'
          local_address6: '2001:db8:ffff:281::1/126'
          peer_as: 8714
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
    par01-r1:
      site: par01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.7
      links:
        et-0/0/0:
          peer: arelion
          neighbor: 100.64.6.1
          local_address: 100.64.6.0/31
          neighbor6: '2001:db8:ffff:300::2'
          local_address6: '2001:db8:ffff:300::1/126'
          peer_as: 1299
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: fiber-par
          neighbor: 100.64.6.3
          local_address: 100.64.6.2/31
          neighbor6: '2001:db8:ffff:301::2'
          local_address6: '2001:db8:ffff:301::1/126'
          peer_as: 3215
          kind: private
          capacity_bps: 100000000000
          group: pni
    par01-r2:
      site: par01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.8
      links:
        Ethernet1:
          peer: cogent
          neighbor: 100.64.7.1
          local_address: 100.64.7.0/31
          neighbor6: '2001:db8:ffff:380::2'
          local_address6: '2001:db8:ffff:380::1/126'
          peer_as: 174
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: franceix-rs
          neighbor: 100.64.7.3
          local_address: 100.64.7.2/31
          neighbor6: '2001:db8:ffff:381::2'
          local_address6: '2001:db8:ffff:381::1/126'
          peer_as: 51706
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
    nyc01-r1:
      site: nyc01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.9
      links:
        et-0/0/0:
          peer: lumen
          neighbor: 100.64.8.1
          local_address: 100.64.8.0/31
          neighbor6: '2001:db8:ffff:400::2'
          local_address6: '2001:db8:ffff:400::1/126'
          peer_as: 3356
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: cable-nyc
          neighbor: 100.64.8.3
          local_address: 100.64.8.2/31
          neighbor6: '2001:db8:ffff:401::2'
          local_address6: '2001:db8:ffff:401::1/126'
          peer_as: 7922
          kind: private
          capacity_bps: 100000000000
          group: pni
    nyc01-r2:
      site: nyc01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.10
      links:
        Ethernet1:
          peer: cogent
          neighbor: 100.64.9.1
          local_address: 100.64.9.0/31
          neighbor6: '2001:db8:ffff:480::2'
          local_address6: '2001:db8:ffff:480::1/126'
          peer_as: 174
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: nyiix-rs
          neighbor: 100.64.9.3
          local_address: 100.64.9.2/31
          neighbor6: '2001:db8:ffff:481::2'
          local_address6: '2001:db8:ffff:481::1/126'
          peer_as: 6939
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
    sjc01-r1:
      site: sjc01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.11
      links:
        et-0/0/0:
          peer: arelion
          neighbor: 100.64.10.1
          local_address: 100.64.10.0/31
          neighbor6: '2001:db8:ffff:500::2'
          local_address6: '2001:db8:ffff:500::1/126'
          peer_as: 1299
          kind: transit
          capacity_bps: 100000000000
          group: transit
        et-0/0/1:
          peer: fiber-sjc
          neighbor: 100.64.10.3
          local_address: 100.64.10.2/31
          neighbor6: '2001:db8:ffff:501::2'
          local_address6: '2001:db8:ffff:501::1/126'
          peer_as: 7018
          kind: private
          capacity_bps: 100000000000
          group: pni
    sjc01-r2:
      site: sjc01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.12
      links:
        Ethernet1:
          peer: lumen
          neighbor: 100.64.11.1
          local_address: 100.64.11.0/31
          neighbor6: '2001:db8:ffff:580::2'
          local_address6: '2001:db8:ffff:580::1/126'
          peer_as: 3356
          kind: transit
          capacity_bps: 100000000000
          group: transit
        Ethernet2:
          peer: anyix-rs
          neighbor: 100.64.11.3
          local_address: 100.64.11.2/31
          neighbor6: '2001:db8:ffff:581::2'
          local_address6: '2001:db8:ffff:581::1/126'
          peer_as: 6939
          kind: public-ix
          capacity_bps: 40000000000
          group: ix
  pools:
    web:
      prefixes:
      - 203.0.113.0/25
      - 203.0.113.128/25
      - 2001:db8:100::/48
      priority: 10
      sites:
      - ams01
      - fra01
      - lon01
      - par01
      - nyc01
      - sjc01
    cdn:
      prefixes:
      - 198.51.100.0/25
      - 2001:db8:200::/48
      priority: 20
      sites:
      - ams01
      - fra01
      - lon01
      - par01
      - nyc01
      - sjc01
    dns:
      prefixes:
      - 198.51.100.128/25
      priority: 100
      sites:
      - ams01
      - fra01
      - lon01
      - nyc01
      - sjc01
  catchment:
    ams01:
      fra01: 0.4
      lon01: 0.4
      par01: 0.2
    fra01:
      ams01: 0.5
      par01: 0.3
      lon01: 0.2
    lon01:
      ams01: 0.4
      par01: 0.3
      nyc01: 0.3
    par01:
      lon01: 0.4
      fra01: 0.4
      ams01: 0.2
    nyc01:
      sjc01: 0.5
      lon01: 0.3
      ams01: 0.2
    sjc01:
      nyc01: 0.8
      lon01: 0.2
  policy:
    overload_threshold: 0.9
    target_utilization: 0.8
    low_watermark: 0.6
    hold_time_s: 1800
    max_moved_fraction: 0.25
    max_overrides: 2000
    receiver_headroom: 0.05
    max_shifting_elements: 20
    max_withdraw_sites: 1
    max_prepend: 3
    split_threshold_bps: 10000000000
    max_load_age_s: 300
    counter_tolerance: 0.1
    max_plan_change: 500
    detour_local_pref: 200
  baseline:
    domain_name: lab.example.net
    ntp_servers:
    - 192.0.2.123
    - 192.0.2.124
    syslog_hosts:
    - 192.0.2.200
