traffic:
  schema_version: 1
  # a lab network: private router ASN (docs/pillar-schema.md, `lab`)
  lab: true
  sites:
    ams01: {ingress_capacity_bps: 400000000000, neighbors: [fra01]}
    fra01: {ingress_capacity_bps: 400000000000, neighbors: [ams01]}
  routers:
    ams01-r1:
      site: ams01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.1
      links:
        et-0/0/0: {peer: arelion, neighbor: 100.64.0.1, local_address: 100.64.0.0/31, peer_as: 1299, kind: transit, capacity_bps: 100000000000, group: transit}
        et-0/0/1: {peer: bigisp-ams, neighbor: 100.64.0.3, local_address: 100.64.0.2/31, peer_as: 3320, kind: private, capacity_bps: 100000000000, group: pni}
    ams01-r2:
      site: ams01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.2
      links:
        Ethernet1: {peer: cogent, neighbor: 100.64.1.1, local_address: 100.64.1.0/31, peer_as: 174, kind: transit, capacity_bps: 100000000000, group: transit}
    fra01-r1:
      site: fra01
      vendor: junos
      asn: 64512
      router_id: 192.0.2.3
      links:
        et-0/0/0: {peer: lumen, neighbor: 100.64.2.1, local_address: 100.64.2.0/31, peer_as: 3356, kind: transit, capacity_bps: 100000000000, group: transit}
    fra01-r2:
      site: fra01
      vendor: eos
      asn: 64512
      router_id: 192.0.2.4
      links:
        Ethernet1: {peer: decix-rs, neighbor: 100.64.3.1, local_address: 100.64.3.0/31, peer_as: 6695, kind: public-ix, capacity_bps: 100000000000, group: ix}
  pools:
    web: {prefixes: [203.0.113.0/24], priority: 10, sites: [ams01, fra01]}
  policy:
    hold_time_s: 1800
    # 300 lab seconds are 5 s of wall time: a salt-run that starts, compiles pillar and plans needs more
    max_load_age_s: 3600
    # the lab converges at once unless a test injects a delay: 5 s is long enough for a slow test machine and
    # keeps the tests of traffic that never moves short (docs/effect.md)
    effect_budget_s: 5
  baseline:
    domain_name: lab.example.net
    ntp_servers: [192.0.2.123]
