"""parse_network: every problem named by its path, all at once, with the offending value (never a secret)."""
from __future__ import annotations

import pytest
import yaml

from trafficshift.errors import ValidationError
from trafficshift.validation import Limits, parse_network

from validation_examples import ipv4_only

LINK = ("routers", "ams01-r1", "links", "et-0/0/1")
DELETE = object()


def mutate(data: dict, path: tuple, value) -> dict:
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


def problems(data, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_network(data, **kwargs)
    return caught.value.problems


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ((*LINK, "capacity_bps"), -5, "traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be >= 0, got -5"),
        ((*LINK, "capacity_bps"), "100G", "traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got '100G'"),
        ((*LINK, "capacity_bps"), True, "traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got True"),
        ((*LINK, "capacity_bps"), float("nan"), "traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be a finite number, got nan"),
        ((*LINK, "capacity_bps"), float("inf"), "traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be a finite number, got inf"),
        ((*LINK, "peer_as"), 4294967296, "traffic:routers:ams01-r1:links:et-0/0/1:peer_as: must be <= 4294967295, got 4294967296"),
        ((*LINK, "peer_as"), 1299.0, "traffic:routers:ams01-r1:links:et-0/0/1:peer_as: must be an integer, got 1299.0"),
        ((*LINK, "kind"), "peering", "traffic:routers:ams01-r1:links:et-0/0/1:kind: must be one of 'transit', 'private' or 'public-ix', got 'peering'"),
        ((*LINK, "neighbor"), "100.64.0.300", "traffic:routers:ams01-r1:links:et-0/0/1:neighbor: invalid IP address '100.64.0.300'"),
        ((*LINK, "neighbor"), "fe80::1%eth0; }", "traffic:routers:ams01-r1:links:et-0/0/1:neighbor: scoped IPv6 addresses (with %zone) are not allowed, got 'fe80::1%eth0; }'"),
        ((*LINK, "peer_as"), 64512, "traffic:routers:ams01-r1:links:et-0/0/1:peer_as: equals the router's own asn (links are eBGP), got 64512"),
        ((*LINK, "group"), DELETE, "traffic:routers:ams01-r1:links:et-0/0/1:group: required"),
        ((*LINK, "password"), "hunter2", "traffic:routers:ams01-r1:links:et-0/0/1:password: unknown key"),
        (("routers", "ams01-r1", "site"), "zzz01", "traffic:routers:ams01-r1:site: unknown site, got 'zzz01'"),
        (("routers", "ams01-r1", "vendor"), "ios", "traffic:routers:ams01-r1:vendor: must be one of 'junos' or 'eos', got 'ios'"),
        (("routers", "ams01-r1", "router_id"), "2001:db8::1", "traffic:routers:ams01-r1:router_id: router_id must be an IPv4 address, got '2001:db8::1'"),
        (("routers", "ams01-r1", "links"), ["et-0/0/0"], "traffic:routers:ams01-r1:links: must be a mapping, got a list of 1"),
        (("sites", "ams01", "ingress_capacity_bps"), 0, "traffic:sites:ams01:ingress_capacity_bps: must be > 0, got 0"),
        (("sites", "ams01", "neighbors", 0), "ber01", "traffic:sites:ams01:neighbors:0: unknown site, got 'ber01'"),
        (("sites", "ams01", "neighbors", 0), "ams01", "traffic:sites:ams01:neighbors:0: a site cannot name itself, got 'ams01'"),
        (("sites", "ams01", "neighbors", 1), "fra01", "traffic:sites:ams01:neighbors:1: duplicate site, got 'fra01'"),
        (("pools", "web", "sites", 1), "ber01", "traffic:pools:web:sites:1: unknown site, got 'ber01'"),
        (("pools", "web", "sites", 1), "ams01", "traffic:pools:web:sites:1: duplicate site, got 'ams01'"),
        (("pools", "web", "prefixes", 1), "203.0.113.0/25", "traffic:pools:web:prefixes:1: duplicate prefix, also at traffic:pools:web:prefixes:0, got '203.0.113.0/25'"),
        (("pools", "web", "prefixes", 1), "198.51.100.128/25", "traffic:pools:dns:prefixes:0: duplicate prefix, also at traffic:pools:web:prefixes:1, got '198.51.100.128/25'"),
        (("pools", "web", "prefixes", 2), "2001:DB8:200:0::/48", "traffic:pools:cdn:prefixes:1: duplicate prefix, also at traffic:pools:web:prefixes:2, got '2001:db8:200::/48'"),
        (("pools", "web", "prefixes", 0), "203.0.113.1/25", "traffic:pools:web:prefixes:0: invalid prefix '203.0.113.1/25': 203.0.113.1/25 has host bits set"),
        (("pools", "web", "prefixes"), [], "traffic:pools:web:prefixes: must have at least 1 item(s), got a list of 0"),
        (("pools", "web", "priority"), -1, "traffic:pools:web:priority: must be >= 0, got -1"),
        (("catchment", "ams01", "fra01"), 0.7, "traffic:catchment:ams01: fractions must sum to <= 1, got 1.3"),
        (("catchment", "ams01"), {"fra01": 0.5, "ber01": 0.5}, "traffic:catchment:ams01:ber01: unknown site, got 'ber01'"),
        (("catchment", "ams01"), {"fra01": 0.5, "ams01": 0.5}, "traffic:catchment:ams01:ams01: a site cannot name itself, got 'ams01'"),
        (("catchment", "ber01"), {"ams01": 0.5}, "traffic:catchment:ber01: unknown site, got 'ber01'"),
        (("policy", "target_utilization"), 0.95, "traffic:policy:target_utilization: must be below overload_threshold 0.9, got 0.95"),
        (("policy", "low_watermark"), 0.85, "traffic:policy:low_watermark: must be <= target_utilization 0.8, got 0.85"),
        (("policy", "overload_threshold"), 1.5, "traffic:policy:overload_threshold: must be <= 1, got 1.5"),
        (("policy", "marker_community"), "65535:666 ; x", "traffic:policy:marker_community: must be a standard community ASN:value like 64512:4242, got '65535:666 ; x'"),
        (("policy", "marker_community"), "65535:666", "traffic:policy:marker_community: '65535:666' is in the reserved range 65535:* (RFC 1997; the well-known communities such as BLACKHOLE 65535:666 and NO_EXPORT 65535:65281 live there)"),
        (("policy", "marker_community"), "65535:65281", "traffic:policy:marker_community: '65535:65281' is in the reserved range 65535:* (RFC 1997; the well-known communities such as BLACKHOLE 65535:666 and NO_EXPORT 65535:65281 live there)"),
        (("policy", "marker_community"), "65535:0", "traffic:policy:marker_community: '65535:0' is in the reserved range 65535:* (RFC 1997; the well-known communities such as BLACKHOLE 65535:666 and NO_EXPORT 65535:65281 live there)"),
        (("policy", "marker_community"), "0:0", "traffic:policy:marker_community: '0:0' is in the reserved range 0:* (RFC 1997; the well-known communities such as BLACKHOLE 65535:666 and NO_EXPORT 65535:65281 live there)"),
        (("policy", "marker_community"), "99999:99999", "traffic:policy:marker_community: both parts of a standard community must be 0-65535, got '99999:99999'"),
        (("policy", "marker_community"), "65536:1", "traffic:policy:marker_community: both parts of a standard community must be 0-65535, got '65536:1'"),
        (("policy", "marker_community"), "64512:65536", "traffic:policy:marker_community: both parts of a standard community must be 0-65535, got '64512:65536'"),
        (("policy", "marker_community"), "6451２:1", "traffic:policy:marker_community: must be a standard community ASN:value like 64512:4242, got '6451\\uff12:1'"),
        (("policy", "marker_community"), 64512, "traffic:policy:marker_community: must be a community string like 64512:4242, got int"),
        (("policy", "marker_community"), "174:666", "traffic:policy:marker_community: must be in the network's own ASN (64512:value), got '174:666'"),
        (("baseline", "ntp_servers", 0), "ntp.example.net", "traffic:baseline:ntp_servers:0: invalid IP address 'ntp.example.net'"),
        (("schema_version",), 2, "traffic:schema_version: must be one of 1, got 2"),
    ],
)
def test_problem_is_named_by_its_path(network_data, path, value, expected):
    assert problems(mutate(network_data, path, value)) == [expected]


def test_yaml_exponent_numbers_are_strings_and_rejected(network_data):
    network_data["sites"]["ams01"].update(yaml.safe_load("ingress_capacity_bps: 400e9"))
    assert problems(network_data) == [
        "traffic:sites:ams01:ingress_capacity_bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got '400e9'"
    ]


def test_unknown_key_value_is_never_shown(network_data):
    network_data["routers"]["ams01-r1"]["auth_password"] = "hunter2-secret"
    network_data["routers"]["ams01-r1"]["links"]["et-0/0/0"]["md5_secret"] = {"key": "hunter2-secret"}
    found = problems(network_data)
    assert found == [
        "traffic:routers:ams01-r1:auth_password: unknown key",
        "traffic:routers:ams01-r1:links:et-0/0/0:md5_secret: unknown key",
    ]


def test_all_problems_are_reported_at_once_and_sorted(network_data):
    mutate(network_data, ("sites", "par01", "ingress_capacity_bps"), -1)
    mutate(network_data, ("routers", "sjc01-r2", "site"), "sfo01")
    mutate(network_data, ("routers", "lon01-r1", "links", "et-0/0/0", "capacity_bps"), "10G")
    mutate(network_data, ("pools", "dns", "prefixes", 0), "198.51.100.0/25")
    mutate(network_data, ("routers", "ams01-r1", "asn"), DELETE)
    assert problems(network_data) == [
        "traffic:pools:dns:prefixes:0: duplicate prefix, also at traffic:pools:cdn:prefixes:0, got '198.51.100.0/25'",
        "traffic:routers:ams01-r1:asn: required",
        "traffic:routers:lon01-r1:links:et-0/0/0:capacity_bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got '10G'",
        "traffic:routers:sjc01-r2:site: unknown site, got 'sfo01'",
        "traffic:sites:par01:ingress_capacity_bps: must be > 0, got -1",
    ]


def test_not_a_mapping(network_data):
    assert problems(["sites"]) == ["traffic: must be a mapping, got a list of 1"]
    assert problems(None, root="pillar:traffic") == ["pillar:traffic: must be a mapping, got None"]


def test_duplicate_router_id_names_both_routers(network_data):
    network_data["routers"]["ams01-r1"]["router_id"] = "192.0.2.2"
    assert problems(network_data) == [
        "traffic:routers:ams01-r1:router_id: duplicate router_id, shared by ams01-r1, ams01-r2, got '192.0.2.2'",
        "traffic:routers:ams01-r2:router_id: duplicate router_id, shared by ams01-r1, ams01-r2, got '192.0.2.2'",
    ]


def test_strings_over_the_length_limit_are_refused(network_data):
    assert problems(ipv4_only(network_data), limits=Limits(max_string_length=14)) == [
        "traffic:pools:cdn:prefixes:0: 15 characters, more than the limit of 14",
        "traffic:pools:cdn:prefixes:1: 17 characters, more than the limit of 14",
        "traffic:pools:dns:prefixes:0: 17 characters, more than the limit of 14",
        "traffic:pools:web:prefixes:1: 16 characters, more than the limit of 14",
        "traffic:pools:web:prefixes:2: 17 characters, more than the limit of 14",
    ]


def test_a_long_string_is_cut_before_it_reaches_the_model(network_data):
    network_data["routers"]["ams01-r1"]["links"]["et-0/0/0"]["neighbor"] = "1" * 100_000
    assert problems(network_data) == ["traffic:routers:ams01-r1:links:et-0/0/0:neighbor: 100000 characters, more than the limit of 256"]


def test_counts_over_the_limits(network_data):
    limits = Limits(max_routers=11, max_sites=5, max_links=23, max_pools=2, max_pool_prefixes=5)
    assert problems(network_data, limits=limits) == [
        "traffic:pools: 3 pools, more than the limit of 2",
        "traffic:pools: 6 prefixes over all pools, more than the limit of 5",
        "traffic:routers: 12 routers, more than the limit of 11",
        "traffic:routers: 24 links over all routers, more than the limit of 23",
        "traffic:sites: 6 sites, more than the limit of 5",
    ]


def test_huge_integers_and_non_string_keys_are_reported_not_crashed_on(network_data):
    network_data["routers"]["ams01-r1"]["asn"] = 10**5000  # repr() of this int is refused by Python
    network_data["catchment"]["ams01"]["fra01"] = 10**400  # beyond float range
    network_data["sites"][5] = {"ingress_capacity_bps": 1}
    assert problems(network_data) == [
        "traffic:catchment:ams01:fra01: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got an integer of 1329 bits",
        "traffic:routers:ams01-r1:asn: must be <= 4294967295, got an integer of 16610 bits",
        "traffic:sites:5: key must be a string, got 5",
    ]
