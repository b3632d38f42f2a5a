"""Safe on a real Internet edge: reserved ASNs and addresses, overlapping subnets and pools, names a vendor
would misread, domain-name label rules, and one canonical interface name per device interface and vendor.
Each is refused by parse_network, before planning, naming its path (two paths where two places collide)."""
from __future__ import annotations

import copy

import pytest

from trafficshift.errors import ValidationError
from trafficshift.model import canonical_interface
from trafficshift.validation import parse_network

from validation_examples import example_network, ipv4_only

R1 = ("routers", "ams01-r1")  # junos: et-0/0/0 (100.64.0.0/31), et-0/0/1 (100.64.0.2/31)
R2 = ("routers", "ams01-r2")  # eos: Ethernet1 (100.64.1.0/31), Ethernet2 (100.64.1.2/31)
LINK = (*R1, "links", "et-0/0/1")
EOS_LINK = (*R2, "links", "Ethernet2")
P = "traffic:routers:ams01-r1:links:et-0/0/1"
DOC = "is a documentation ASN (RFC 5398: 64496-64511, 65536-65551), no real peer's; only a lab network (traffic:lab: true) may use one"
PRIVATE = ("is a private ASN (RFC 6996): upstreams remove private ASNs from the AS path, so the router's announcements "
           "and prepends would not reach the Internet as sent; only a lab network (traffic:lab: true) may use one")
LONG = ("is longer than /{n}: most networks filter IPv{v} announcements longer than /{n}, so the pool would be "
        "unreachable from much of the Internet; only a lab network (traffic:lab: true) may announce one")
EOS_NAMES = "Ethernet1, Ethernet1/1, Ethernet49/1, Port-Channel10"
JUNOS_NAMES = "et-0/0/1, xe-0/0/0:1, ge-1/0/0, ae0"


@pytest.fixture
def network_data() -> dict:
    """The example network with IPv4 sessions only: each IPv4 rule is seen alone, and the IPv6 tests below
    add the one IPv6 session they need."""
    return ipv4_only(example_network())


def mutate(data: dict, path: tuple, value) -> dict:
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    return data


def rename(data: dict, router: tuple, old: str, new: str) -> dict:
    links = data[router[0]][router[1]]["links"]
    links[new] = links.pop(old)
    return data


def problems(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_network(data)
    return caught.value.problems


# -- A: reserved values -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        # ASNs: reserved everywhere (documentation and private ones: `test_a_real_edge_refuses_...` below)
        ((*R1, "asn"), 0, "traffic:routers:ams01-r1:asn: 0 is reserved (RFC 7607)"),
        ((*R1, "asn"), 23456, "traffic:routers:ams01-r1:asn: 23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, never a real AS"),
        ((*R1, "asn"), 65535, "traffic:routers:ams01-r1:asn: 65535 is reserved (RFC 7300)"),
        ((*R1, "asn"), 4294967295, "traffic:routers:ams01-r1:asn: 4294967295 is reserved (RFC 7300)"),
        ((*R1, "asn"), -1, "traffic:routers:ams01-r1:asn: must be >= 0, got -1"),
        ((*LINK, "peer_as"), 0, f"{P}:peer_as: 0 is reserved (RFC 7607)"),
        ((*LINK, "peer_as"), 23456, f"{P}:peer_as: 23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, never a real AS"),
        ((*LINK, "peer_as"), 65535, f"{P}:peer_as: 65535 is reserved (RFC 7300)"),
        ((*LINK, "peer_as"), 4294967295, f"{P}:peer_as: 4294967295 is reserved (RFC 7300)"),
        # addresses where a host is expected
        ((*LINK, "neighbor"), "0.0.0.0", f"{P}:neighbor: 0.0.0.0 is the unspecified address, not a usable host address"),
        ((*LINK, "neighbor"), "::", f"{P}:neighbor: :: is the unspecified address, not a usable host address"),
        ((*LINK, "neighbor"), "255.255.255.255", f"{P}:neighbor: 255.255.255.255 is the broadcast address, not a usable host address"),
        ((*LINK, "neighbor"), "224.0.0.5", f"{P}:neighbor: 224.0.0.5 is a multicast address, not a usable host address"),
        ((*LINK, "neighbor"), "ff02::1", f"{P}:neighbor: ff02::1 is a multicast address, not a usable host address"),
        ((*LINK, "neighbor"), "127.0.0.1", f"{P}:neighbor: 127.0.0.1 is a loopback address, not a usable host address"),
        ((*LINK, "neighbor"), "::1", f"{P}:neighbor: ::1 is a loopback address, not a usable host address"),
        ((*LINK, "neighbor"), "169.254.0.1", f"{P}:neighbor: 169.254.0.1 is a link-local address, not a usable host address"),
        ((*LINK, "neighbor"), "FE80::1", f"{P}:neighbor: fe80::1 is a link-local address, not a usable host address"),
        ((*LINK, "neighbor"), "::ffff:100.64.0.3", f"{P}:neighbor: ::ffff:6440:3 is an IPv4-mapped IPv6 address (write the IPv4 address), not a usable host address"),
        ((*LINK, "neighbor"), "100.64.0.2", f"{P}:neighbor: equals the router's own interface address (local_address 100.64.0.2/31), got '100.64.0.2'"),
        ((*LINK, "neighbor"), "100.64.0.5", f"{P}:neighbor: outside the subnet of local_address 100.64.0.2/31, got '100.64.0.5'"),
        ((*LINK, "neighbor"), "2001:db8::3", f"{P}:neighbor: outside the subnet of local_address 100.64.0.2/31, got '2001:db8::3'"),
        ((*LINK, "local_address"), "100.64.0.2/0", f"{P}:local_address: 100.64.0.2/0 has length /0: an interface address needs its subnet, like 192.0.2.0/31"),
        ((*LINK, "local_address"), "::2/0", f"{P}:local_address: ::2/0 has length /0: an interface address needs its subnet, like 192.0.2.0/31"),
        ((*LINK, "local_address"), "127.0.0.2/8", f"{P}:local_address: 127.0.0.2 is a loopback address, not a usable interface address"),
        ((*R1, "router_id"), "0.0.0.0", "traffic:routers:ams01-r1:router_id: 0.0.0.0 is the unspecified address, not a usable router_id"),
        ((*R1, "router_id"), "224.0.0.1", "traffic:routers:ams01-r1:router_id: 224.0.0.1 is a multicast address, not a usable router_id"),
        ((*R1, "router_id"), "127.0.0.1", "traffic:routers:ams01-r1:router_id: 127.0.0.1 is a loopback address, not a usable router_id"),
        ((*R1, "router_id"), "255.255.255.255", "traffic:routers:ams01-r1:router_id: 255.255.255.255 is the broadcast address, not a usable router_id"),
        ((*R1, "router_id"), "169.254.1.1", "traffic:routers:ams01-r1:router_id: 169.254.1.1 is a link-local address, not a usable router_id"),
        (("baseline", "ntp_servers", 1), "127.0.0.1", "traffic:baseline:ntp_servers:1: 127.0.0.1 is a loopback address, not a usable host address"),
        (("baseline", "ntp_servers", 0), "0.0.0.0", "traffic:baseline:ntp_servers:0: 0.0.0.0 is the unspecified address, not a usable host address"),
        (("baseline", "syslog_hosts", 0), "ff02::101", "traffic:baseline:syslog_hosts:0: ff02::101 is a multicast address, not a usable host address"),
        (("baseline", "syslog_hosts", 0), "255.255.255.255", "traffic:baseline:syslog_hosts:0: 255.255.255.255 is the broadcast address, not a usable host address"),
        (("baseline", "syslog_hosts", 0), "169.254.169.254", "traffic:baseline:syslog_hosts:0: 169.254.169.254 is a link-local address, not a usable host address"),
        # pool prefixes
        (("pools", "web", "prefixes", 0), "0.0.0.0/0", "traffic:pools:web:prefixes:0: 0.0.0.0/0 is a default route, never an anycast pool"),
        (("pools", "web", "prefixes", 2), "::/0", "traffic:pools:web:prefixes:2: ::/0 is a default route, never an anycast pool"),
        (("pools", "web", "prefixes", 0), "224.0.0.0/4", "traffic:pools:web:prefixes:0: 224.0.0.0/4 overlaps multicast space 224.0.0.0/4"),
        (("pools", "web", "prefixes", 0), "232.1.0.0/16", "traffic:pools:web:prefixes:0: 232.1.0.0/16 overlaps multicast space 224.0.0.0/4"),
        (("pools", "web", "prefixes", 0), "192.0.0.0/2", "traffic:pools:web:prefixes:0: 192.0.0.0/2 overlaps multicast space 224.0.0.0/4"),
        (("pools", "web", "prefixes", 2), "ff0e::/16", "traffic:pools:web:prefixes:2: ff0e::/16 overlaps multicast space ff00::/8"),
        (("pools", "web", "prefixes", 2), "::ffff:0:0/96", "traffic:pools:web:prefixes:2: ::ffff:0:0/96 overlaps IPv4-mapped space ::ffff:0:0/96 (write IPv4 prefixes as IPv4)"),
        (("pools", "web", "prefixes", 2), "::ffff:203.0.113.0/120", "traffic:pools:web:prefixes:2: ::ffff:cb00:7100/120 overlaps IPv4-mapped space ::ffff:0:0/96 (write IPv4 prefixes as IPv4)"),
        (("pools", "web", "prefixes", 2), "::/64", "traffic:pools:web:prefixes:2: ::/64 overlaps IPv4-mapped space ::ffff:0:0/96 (write IPv4 prefixes as IPv4)"),
        # a BGP group that reads as an address
        ((*LINK, "group"), "10.0.0.1", f"{P}:group: '10.0.0.1' reads as an IP address; a BGP group (EOS peer group) needs a name"),
        ((*EOS_LINK, "group"), "1.2.3.4", "traffic:routers:ams01-r2:links:Ethernet2:group: '1.2.3.4' reads as an IP address; a BGP group (EOS peer group) needs a name"),
        ((*LINK, "group"), "010.0.0.1", f"{P}:group: '010.0.0.1' reads as an IP address; a BGP group (EOS peer group) needs a name"),
        ((*LINK, "group"), "10.1", f"{P}:group: '10.1' reads as an IP address; a BGP group (EOS peer group) needs a name"),
        # baseline.domain_name
        (("baseline", "domain_name"), "lab..example.net", "traffic:baseline:domain_name: 'lab..example.net' has an empty label (a leading, trailing or doubled '.')"),
        (("baseline", "domain_name"), ".lab.example.net", "traffic:baseline:domain_name: '.lab.example.net' has an empty label (a leading, trailing or doubled '.')"),
        (("baseline", "domain_name"), "lab.example.net.", "traffic:baseline:domain_name: 'lab.example.net.' has an empty label (a leading, trailing or doubled '.')"),
        (("baseline", "domain_name"), "-lab.example.net", "traffic:baseline:domain_name: label '-lab' starts or ends with '-'"),
        (("baseline", "domain_name"), "lab.example-.net", "traffic:baseline:domain_name: label 'example-' starts or ends with '-'"),
        (("baseline", "domain_name"), "a" * 64 + ".net", f"traffic:baseline:domain_name: label {'a' * 20!r}... is 64 characters, more than 63"),
        (("baseline", "domain_name"), ".".join(["a" * 63] * 4)[:254], "traffic:baseline:domain_name: 254 characters, more than the 253 a domain name may have"),
        (("baseline", "domain_name"), "Lab.example.net", "traffic:baseline:domain_name: must be a domain name of lowercase ASCII letters, digits, '-' and '.', got 'Lab.example.net'"),
    ],
)
def test_reserved_value_is_refused_at_its_path(network_data, path, value, expected):
    assert problems(mutate(network_data, path, value)) == [expected]


@pytest.fixture
def edge_data(network_data) -> dict:
    """The example network as a real edge would write it: not a lab (the default), a router ASN that is not
    private, and pools no longer than /24 and /48."""
    del network_data["lab"]
    for router in network_data["routers"].values():
        router["asn"] = 64500  # documentation ASNs are fine for a router's own `asn`
    pools = network_data["pools"]
    pools["web"]["prefixes"] = ["203.0.113.0/24", "2001:db8:100::/48"]
    pools["cdn"]["prefixes"] = ["198.51.100.0/24", "2001:db8:200::/48"]
    del pools["dns"]
    # explicit, so one router's ASN can change on its own without the default marker becoming ambiguous
    network_data.setdefault("policy", {})["marker_community"] = "64500:4242"
    return network_data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ((*LINK, "peer_as"), 64496, f"{P}:peer_as: {DOC}, got 64496"),
        ((*LINK, "peer_as"), 64511, f"{P}:peer_as: {DOC}, got 64511"),
        ((*LINK, "peer_as"), 65536, f"{P}:peer_as: {DOC}, got 65536"),
        ((*LINK, "peer_as"), 65551, f"{P}:peer_as: {DOC}, got 65551"),
        ((*R1, "asn"), 64512, f"traffic:routers:ams01-r1:asn: {PRIVATE}, got 64512"),
        ((*R1, "asn"), 65534, f"traffic:routers:ams01-r1:asn: {PRIVATE}, got 65534"),
        ((*R1, "asn"), 4200000000, f"traffic:routers:ams01-r1:asn: {PRIVATE}, got 4200000000"),
        ((*R1, "asn"), 4294967294, f"traffic:routers:ams01-r1:asn: {PRIVATE}, got 4294967294"),
        (("pools", "web", "prefixes", 0), "203.0.113.0/25",
         f"traffic:pools:web:prefixes:0: {LONG.format(n=24, v=4)}, got '203.0.113.0/25'"),
        (("pools", "web", "prefixes", 0), "203.0.113.1/32",
         f"traffic:pools:web:prefixes:0: {LONG.format(n=24, v=4)}, got '203.0.113.1/32'"),
        (("pools", "web", "prefixes", 1), "2001:db8:100::/49",
         f"traffic:pools:web:prefixes:1: {LONG.format(n=48, v=6)}, got '2001:db8:100::/49'"),
        (("lab",), "yes", "traffic:lab: must be true or false, got 'yes'"),
        (("lab",), 1, "traffic:lab: must be true or false, got 1"),
    ],
)
def test_a_real_edge_refuses_documentation_peers_private_asns_and_unannounceable_pools(edge_data, path, value,
                                                                                        expected):
    """Each would be a copy-paste from an example or an announcement the Internet does not carry as sent; and
    `lab: yes` (a string) does not switch the checks off."""
    assert problems(mutate(edge_data, path, value)) == [expected]
    edge_data["lab"] = True
    if path != ("lab",):
        network = parse_network(edge_data)
        assert network.lab is True


def test_the_default_is_not_a_lab_and_private_peer_asns_stay_valid(edge_data):
    """A real edge may peer with a private-ASN customer (RFC 6996), and /24 and /48 pools are announceable."""
    mutate(edge_data, (*LINK, "peer_as"), 65001)
    mutate(edge_data, ("routers", "ams01-r2", "links", "Ethernet1", "peer_as"), 4200000000)
    network = parse_network(edge_data)
    assert network.lab is False and network.marker_community == "64500:4242"
    assert network.link("ams01-r1:et-0/0/1").peer_as == 65001


def test_overlapping_interface_subnets_of_one_router_name_both_links(network_data):
    mutate(network_data, (*LINK, "local_address"), "100.64.0.2/30")
    assert problems(network_data) == [
        "traffic:routers:ams01-r1:links:et-0/0/0:local_address: subnet overlaps 100.64.0.0/30 of traffic:routers:ams01-r1:links:et-0/0/1:local_address, got '100.64.0.0/31'",
        "traffic:routers:ams01-r1:links:et-0/0/1:local_address: subnet overlaps 100.64.0.0/31 of traffic:routers:ams01-r1:links:et-0/0/0:local_address, got '100.64.0.2/30'",
    ]


def test_one_subnet_on_two_links_of_one_router_is_an_overlap(network_data):
    mutate(network_data, (*R2, "links", "Ethernet2", "local_address"), "100.64.1.0/31")
    mutate(network_data, (*R2, "links", "Ethernet2", "neighbor"), "100.64.1.1")
    assert problems(network_data) == [
        "traffic:routers:ams01-r2:links:Ethernet1:local_address: subnet overlaps 100.64.1.0/31 of traffic:routers:ams01-r2:links:Ethernet2:local_address, got '100.64.1.0/31'",
        "traffic:routers:ams01-r2:links:Ethernet2:local_address: subnet overlaps 100.64.1.0/31 of traffic:routers:ams01-r2:links:Ethernet1:local_address, got '100.64.1.0/31'",
        "traffic:routers:ams01-r2:links:Ethernet2:neighbor: duplicate neighbor, also on Ethernet1, got '100.64.1.1'",
    ]


def test_the_same_subnet_on_two_routers_is_not_an_overlap(network_data):
    """Only one router's interfaces must not share a subnet; across routers it is not this check's business."""
    mutate(network_data, (*R2, "links", "Ethernet2", "local_address"), "100.64.0.3/31")
    mutate(network_data, (*R2, "links", "Ethernet2", "neighbor"), "100.64.0.2")
    parse_network(network_data)


def test_a_link_without_local_address_has_no_subnet_checks(network_data):
    del network_data["routers"]["ams01-r1"]["links"]["et-0/0/1"]["local_address"]
    mutate(network_data, (*LINK, "neighbor"), "198.18.0.1")
    parse_network(network_data)


def test_a_prefix_overlapping_another_pools_names_both(network_data):
    mutate(network_data, ("pools", "dns", "prefixes", 0), "198.51.100.0/24")
    assert problems(network_data) == [
        "traffic:pools:cdn:prefixes:0: overlaps 198.51.100.0/24 of another pool at traffic:pools:dns:prefixes:0, got '198.51.100.0/25'",
        "traffic:pools:dns:prefixes:0: overlaps 198.51.100.0/25 of another pool at traffic:pools:cdn:prefixes:0, got '198.51.100.0/24'",
    ]


def test_an_ipv6_prefix_overlapping_another_pools_names_both(network_data):
    network_data["pools"]["cdn"]["prefixes"].append("2001:db8:100:8000::/49")
    assert problems(network_data) == [
        "traffic:pools:cdn:prefixes:2: overlaps 2001:db8:100::/48 of another pool at traffic:pools:web:prefixes:2, got '2001:db8:100:8000::/49'",
        "traffic:pools:web:prefixes:2: overlaps 2001:db8:100:8000::/49 of another pool at traffic:pools:cdn:prefixes:2, got '2001:db8:100::/48'",
    ]


def test_overlaps_within_one_pool_are_allowed_and_identical_prefixes_stay_duplicates(network_data):
    network_data["pools"]["web"]["prefixes"].append("203.0.113.0/24")  # covers web's own /25s
    parse_network(copy.deepcopy(network_data))
    mutate(network_data, ("pools", "dns", "prefixes", 0), "198.51.100.0/25")
    assert problems(network_data) == [
        "traffic:pools:dns:prefixes:0: duplicate prefix, also at traffic:pools:cdn:prefixes:0, got '198.51.100.0/25'",
    ]


def test_a_prefix_covering_many_of_another_pool_names_each_once(network_data):
    network_data["pools"]["wide"] = {"prefixes": ["198.51.100.0/23"], "priority": 5, "sites": ["ams01"]}
    assert problems(network_data) == [
        "traffic:pools:cdn:prefixes:0: overlaps 198.51.100.0/23 of another pool at traffic:pools:wide:prefixes:0, got '198.51.100.0/25'",
        "traffic:pools:dns:prefixes:0: overlaps 198.51.100.0/23 of another pool at traffic:pools:wide:prefixes:0, got '198.51.100.128/25'",
        "traffic:pools:wide:prefixes:0: overlaps 198.51.100.0/25 of another pool at traffic:pools:cdn:prefixes:0, got '198.51.100.0/23'",
    ]


@pytest.mark.parametrize("group", ["transit", "as1299", "10-0-0-1", "v4.transit", "1299"])
def test_names_that_are_not_addresses_are_fine_groups(network_data, group):
    assert parse_network(mutate(network_data, (*LINK, "group"), group)).link("ams01-r1:et-0/0/1").group == group


@pytest.mark.parametrize("domain", ["example.net", "a.b", "x", "1-2.example", ".".join(["a" * 63] * 4)[:253]])
def test_valid_domain_names(network_data, domain):
    assert parse_network(mutate(network_data, ("baseline", "domain_name"), domain)).baseline.domain_name == domain


# -- B: one canonical interface name per device interface, per vendor --------------------------------------
@pytest.mark.parametrize(
    ("router", "old", "new", "expected"),
    [
        (R2, "Ethernet2", "et-0/0/2", f"traffic:routers:ams01-r2:links:et-0/0/2: an interface name of vendor junos, the router's vendor is eos ({EOS_NAMES}), got 'et-0/0/2'"),
        (R2, "Ethernet2", "ae2", f"traffic:routers:ams01-r2:links:ae2: an interface name of vendor junos, the router's vendor is eos ({EOS_NAMES}), got 'ae2'"),
        (R1, "et-0/0/1", "Ethernet3", f"traffic:routers:ams01-r1:links:Ethernet3: an interface name of vendor eos, the router's vendor is junos ({JUNOS_NAMES}), got 'Ethernet3'"),
        (R1, "et-0/0/1", "Port-Channel1", f"traffic:routers:ams01-r1:links:Port-Channel1: an interface name of vendor eos, the router's vendor is junos ({JUNOS_NAMES}), got 'Port-Channel1'"),
        (R2, "Ethernet2", "Vlan10", f"traffic:routers:ams01-r2:links:Vlan10: not an interface name of vendor eos ({EOS_NAMES}), got 'Vlan10'"),
        (R2, "Ethernet2", "Ethernet1234", f"traffic:routers:ams01-r2:links:Ethernet1234: not an interface name of vendor eos ({EOS_NAMES}), got 'Ethernet1234'"),
        (R1, "et-0/0/1", "et-0/0/1.0", f"traffic:routers:ams01-r1:links:et-0/0/1.0: not an interface name of vendor junos ({JUNOS_NAMES}), got 'et-0/0/1.0'"),
        (R1, "et-0/0/1", "lo0", f"traffic:routers:ams01-r1:links:lo0: not an interface name of vendor junos ({JUNOS_NAMES}), got 'lo0'"),
        (R2, "Ethernet2", "ethernet2", "traffic:routers:ams01-r2:links:ethernet2: must be spelled Ethernet2, the one way the device shows it back, got 'ethernet2'"),
        (R2, "Ethernet2", "ETHERNET2", "traffic:routers:ams01-r2:links:ETHERNET2: must be spelled Ethernet2, the one way the device shows it back, got 'ETHERNET2'"),
        (R2, "Ethernet2", "Ethernet02", "traffic:routers:ams01-r2:links:Ethernet02: must be spelled Ethernet2, the one way the device shows it back, got 'Ethernet02'"),
        (R2, "Ethernet2", "Et2", "traffic:routers:ams01-r2:links:Et2: must be spelled Ethernet2, the one way the device shows it back, got 'Et2'"),
        (R2, "Ethernet2", "Ethernet3/01", "traffic:routers:ams01-r2:links:Ethernet3/01: must be spelled Ethernet3/1, the one way the device shows it back, got 'Ethernet3/01'"),
        (R2, "Ethernet2", "port-channel10", "traffic:routers:ams01-r2:links:port-channel10: must be spelled Port-Channel10, the one way the device shows it back, got 'port-channel10'"),
        (R2, "Ethernet2", "Po10", "traffic:routers:ams01-r2:links:Po10: must be spelled Port-Channel10, the one way the device shows it back, got 'Po10'"),
        (R1, "et-0/0/1", "et-0/0/01", "traffic:routers:ams01-r1:links:et-0/0/01: must be spelled et-0/0/1, the one way the device shows it back, got 'et-0/0/01'"),
        (R1, "et-0/0/1", "ET-0/0/1", "traffic:routers:ams01-r1:links:ET-0/0/1: must be spelled et-0/0/1, the one way the device shows it back, got 'ET-0/0/1'"),
        (R1, "et-0/0/1", "xe-0/0/2:01", "traffic:routers:ams01-r1:links:xe-0/0/2:01: must be spelled xe-0/0/2:1, the one way the device shows it back, got 'xe-0/0/2:01'"),
        (R1, "et-0/0/1", "ae01", "traffic:routers:ams01-r1:links:ae01: must be spelled ae1, the one way the device shows it back, got 'ae01'"),
    ],
)
def test_interface_name_is_checked_against_the_routers_vendor(network_data, router, old, new, expected):
    assert problems(rename(network_data, router, old, new)) == [expected]


@pytest.mark.parametrize(("router", "old", "new", "canonical", "other"), [
    (R2, "Ethernet2", "Ethernet01", "Ethernet1", "Ethernet1"),
    (R2, "Ethernet2", "et1", "Ethernet1", "Ethernet1"),
    (R1, "et-0/0/1", "et-0/0/00", "et-0/0/0", "et-0/0/0"),
])
def test_two_links_on_one_device_interface_name_both(network_data, router, old, new, canonical, other):
    where = f"traffic:routers:{router[1]}:links"
    assert problems(rename(network_data, router, old, new)) == sorted([
        f"{where}:{new}: the same device interface {canonical} as {where}:{other}, got '{new}'",
        f"{where}:{other}: the same device interface {canonical} as {where}:{new}, got '{other}'",
    ])


def test_three_spellings_of_one_port_name_each_other(network_data):
    links = network_data["routers"]["ams01-r2"]["links"]
    links["ethernet01"] = {**links.pop("Ethernet2")}
    links["Eth1"] = {**links["ethernet01"], "neighbor": "100.64.1.5", "local_address": "100.64.1.4/31"}
    where = "traffic:routers:ams01-r2:links"
    assert problems(network_data) == [
        f"{where}:Eth1: the same device interface Ethernet1 as {where}:Ethernet1, {where}:ethernet01, got 'Eth1'",
        f"{where}:Ethernet1: the same device interface Ethernet1 as {where}:ethernet01, {where}:Eth1, got 'Ethernet1'",
        f"{where}:ethernet01: the same device interface Ethernet1 as {where}:Ethernet1, {where}:Eth1, got 'ethernet01'",
    ]


@pytest.mark.parametrize(("vendor", "name", "canonical"), [
    ("eos", "Ethernet1", "Ethernet1"), ("eos", "ethernet01", "Ethernet1"), ("eos", "Et1/01", "Ethernet1/1"),
    ("eos", "eth49/1", "Ethernet49/1"), ("eos", "PORT-CHANNEL010", "Port-Channel10"), ("eos", "po10", "Port-Channel10"),
    ("eos", "e1", None), ("eos", "Ethernet1/1/1/1", None), ("eos", "et-0/0/0", None), ("eos", "Management1", None),
    ("junos", "et-0/0/1", "et-0/0/1"), ("junos", "ET-00/0/001", "et-0/0/1"), ("junos", "xe-0/0/0:01", "xe-0/0/0:1"),
    ("junos", "ae007", "ae7"), ("junos", "et-0/0/1.0", None), ("junos", "Ethernet1", None), ("junos", "et-0/0/1000", None),
    ("ios", "Ethernet1", None), ("eos", 5, None),
])
def test_canonical_interface(vendor, name, canonical):
    assert canonical_interface(vendor, name) == canonical


def test_the_example_pillars_pass_every_edge_rule():
    import yaml
    from validation_examples import REPO

    for path in (REPO / "pillar" / "traffic" / "network.sls", REPO / "tests" / "salt" / "pillar" / "traffic" / "network.sls"):
        network = parse_network(yaml.safe_load(path.read_text())["traffic"])
        assert network.lab is True  # private router ASN 64512 (and the example's /25 pools): lab networks
        for router in network.routers.values():
            assert all(canonical_interface(router.vendor, name) == name for name in router.links)
    assert parse_network(example_network()).routers["ams01-r2"].vendor == "eos"


# -- IPv6 sessions: the router-wide rules apply to neighbor6 / local_address6 too ---------------------------
def dual_stack(data: dict, link: tuple = LINK, neighbor6: str = "2001:db8:ffff::1",
               local6: str = "2001:db8:ffff::/127") -> dict:
    node = data
    for key in link:
        node = node[key]
    node.update(neighbor6=neighbor6, local_address6=local6)
    return data


def test_a_dual_stack_link_validates():
    network = parse_network(dual_stack(ipv4_only(example_network())))
    link = network.routers["ams01-r1"].links["et-0/0/1"]
    assert [family for family, _, _ in link.sessions()] == [4, 6]


@pytest.mark.parametrize(
    ("neighbor6", "local6", "expected"),
    [
        ("2001:db8:ffff::", "2001:db8:ffff::/127",
         f"{P}:neighbor6: equals the router's own interface address (local_address6 2001:db8:ffff::/127), "
         "got '2001:db8:ffff::'"),
        ("2001:db8:eeee::1", "2001:db8:ffff::/127",
         f"{P}:neighbor6: outside the subnet of local_address6 2001:db8:ffff::/127, got '2001:db8:eeee::1'"),
    ],
)
def test_neighbor6_must_be_another_address_of_its_subnet(neighbor6, local6, expected):
    assert problems(dual_stack(ipv4_only(example_network()), neighbor6=neighbor6, local6=local6)) == [expected]


def test_two_links_may_not_share_an_ipv6_neighbor_in_any_spelling():
    data = dual_stack(ipv4_only(example_network()), neighbor6="2001:db8:ffff::1", local6="2001:db8:ffff::/126")
    data = dual_stack(data, (*R1, "links", "et-0/0/0"), neighbor6="2001:DB8:FFFF::1", local6="2001:db8:eeee::/127")
    assert problems(data) == [
        "traffic:routers:ams01-r1:links:et-0/0/0:neighbor6: outside the subnet of local_address6 "
        "2001:db8:eeee::/127, got '2001:DB8:FFFF::1'",
        "traffic:routers:ams01-r1:links:et-0/0/1:neighbor6: duplicate neighbor, also on et-0/0/0, "
        "got '2001:db8:ffff::1'",
    ]


def test_overlapping_ipv6_interface_subnets_name_both_links():
    data = dual_stack(ipv4_only(example_network()), neighbor6="2001:db8:ffff::1", local6="2001:db8:ffff::/127")
    data = dual_stack(data, (*R1, "links", "et-0/0/0"), neighbor6="2001:db8:ffff::3", local6="2001:db8:ffff::2/126")
    found = problems(data)
    assert len(found) == 2 and all("local_address6: subnet overlaps 2001:db8:ffff::" in p for p in found)
    assert {p.split(":local_address6")[0] for p in found} == {
        "traffic:routers:ams01-r1:links:et-0/0/0", "traffic:routers:ams01-r1:links:et-0/0/1"}


def test_a_pool_needs_a_session_of_its_family_at_each_of_its_sites(network_data):
    network_data["pools"]["v6"] = {"prefixes": ["2001:db8:80::/48"], "priority": 50, "sites": ["ams01", "fra01"]}
    dual_stack(network_data, (*R1, "links", "et-0/0/0"), neighbor6="2001:db8:ffff::1", local6="2001:db8:ffff::/127")
    assert problems(network_data) == [
        "traffic:pools:v6:sites:1: site has no BGP session carrying IPv6, the pool's prefixes, got 'fra01'"]
    network_data["pools"]["web"]["prefixes"].append("2001:db8:81::/48")  # a dual-stack pool needs either family
    assert problems(network_data) == [
        "traffic:pools:v6:sites:1: site has no BGP session carrying IPv6, the pool's prefixes, got 'fra01'"]


def test_overlapping_ipv6_link_nets_quote_the_ipv6_addresses(network_data):
    dual_stack(network_data, (*R1, "links", "et-0/0/0"), neighbor6="2001:db8:ffff::1", local6="2001:db8:ffff::/126")
    dual_stack(network_data, neighbor6="2001:db8:ffff::3", local6="2001:db8:ffff::2/127")
    assert problems(network_data) == [
        "traffic:routers:ams01-r1:links:et-0/0/0:local_address6: subnet overlaps 2001:db8:ffff::2/127 of "
        "traffic:routers:ams01-r1:links:et-0/0/1:local_address6, got '2001:db8:ffff::/126'",
        "traffic:routers:ams01-r1:links:et-0/0/1:local_address6: subnet overlaps 2001:db8:ffff::/126 of "
        "traffic:routers:ams01-r1:links:et-0/0/0:local_address6, got '2001:db8:ffff::2/127'",
    ]
