"""Route lookups through the unmodified NAPALM drivers (issue 15): the lab answers what `get_route_to` sends
on both vendors (Junos `get-route-information`, EOS `show vrf`, `show ip route ... detail`, `show ip bgp`),
with the shape of the replies recorded from real routers (napalm's fixtures, tests/lab/*/data), and the
result is the lab's routing model: the best path first and active, the others inactive with the reason."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from lxml import etree
from napalm.base.exceptions import CommandErrorException
from napalm.junos.utils import junos_views
from jnpr.junos.exception import RpcError
from pyeapi.eapilib import CommandError

from routerlab.control import ControlError
from routing_lab import assert_same_keys_and_types, assert_same_shape, open_drivers, routing_lab

DATA = Path(__file__).parent


@pytest.fixture(scope="module")
def lab():
    with routing_lab() as running:
        yield running


@pytest.fixture(scope="module")
def drivers(lab):
    with open_drivers(lab) as opened:
        yield opened


# -- Junos ---------------------------------------------------------------------------------------------------------
def test_junos_get_route_to_shows_the_detour_as_the_active_path_and_why_the_other_lost(drivers):
    routes = drivers["junos"].get_route_to("198.51.100.0/24")
    # a prefix shows every prefix inside it (Juniper's "range of addresses"): the /25 too
    assert list(routes) == ["198.51.100.0/24", "198.51.100.128/25"]
    active, other = routes["198.51.100.0/24"]
    assert active["current_active"] and not other["current_active"]
    assert (active["next_hop"], active["outgoing_interface"]) == ("100.64.0.3", "et-0/0/1.0")
    assert active["protocol_attributes"]["local_preference"] == 200
    assert active["protocol_attributes"]["as_path"] == "3320 7 64999"
    assert (other["next_hop"], other["inactive_reason"]) == ("100.64.0.1", "Local Preference")
    assert other["protocol_attributes"]["metric"] == 5 and other["protocol_attributes"]["local_as"] == 64500


def test_junos_get_route_to_an_address_gives_the_longest_match_and_ipv6_works(drivers):
    assert list(drivers["junos"].get_route_to("198.51.100.200")) == ["198.51.100.128/25"]
    assert list(drivers["junos"].get_route_to("198.51.100.7")) == ["198.51.100.0/24"]
    assert drivers["junos"].get_route_to("192.0.2.1") == {}
    (v6,) = drivers["junos"].get_route_to("2001:db8:f00::/48")["2001:db8:f00::/48"]
    assert v6["routing_table"] == "inet6.0" and v6["next_hop"] == "2001:db8:64::1"
    assert v6["outgoing_interface"] == "et-0/0/0.0"


def test_junos_route_reply_reads_like_the_recorded_one_through_napalms_view(drivers, tmp_path):
    reply = drivers["junos"].device.rpc.get_route_information(destination="203.0.113.0/24", extensive=True)
    lab_file = tmp_path / "lab-routes.xml"
    lab_file.write_bytes(etree.tostring(reply))
    from_lab = junos_views.junos_protocol_route_table(path=str(lab_file)).get().items()
    from_router = junos_views.junos_protocol_route_table(
        path=str(DATA / "junos" / "data" / "get-route-information.xml")).get().items()
    (via, lab_fields), router_fields = from_lab[0], dict(from_router[0][1])
    lab_fields = dict(lab_fields)
    assert via == "et-0/0/0.0" and lab_fields.keys() == router_fields.keys()
    # a route without MED has no <metric> on a real router either (the recorded reply's fifth path); metric2 is
    # the IGP cost to the next hop, not modelled
    optional = {"metric", "metric2"}
    for field, value in router_fields.items():
        if value is not None and not (field in optional and lab_fields[field] is None):
            assert type(lab_fields[field]) is type(value), field
    assert lab_fields["communities"] == "1299:30000"


def test_junos_get_route_to_result_has_the_recorded_results_fields(drivers):
    recorded = json.loads((DATA / "junos" / "data" / "get_route_to_expected_result.json").read_text())
    expected = recorded["1.0.4.0/24"][0]
    (route,) = drivers["junos"].get_route_to("203.0.113.0/24")["203.0.113.0/24"]
    assert_same_keys_and_types(expected, route, "route")
    assert route["protocol_attributes"]["communities"] == ["1299:30000"]


def test_junos_refuses_a_destination_that_is_not_an_address(drivers):
    with pytest.raises(CommandErrorException):
        drivers["junos"].get_route_to("not-a-prefix")


# -- EOS -----------------------------------------------------------------------------------------------------------
def recorded_eos(name: str) -> dict:
    return json.loads((DATA / "eos" / "data" / name).read_text())


def test_eos_get_route_to_shows_the_detour_as_the_active_path(drivers):
    routes = drivers["eos"].get_route_to("198.51.100.0/24", protocol="bgp")
    paths = routes["198.51.100.0/24"]
    (active,) = [path for path in paths if path["current_active"]]
    assert active["next_hop"] == "100.64.1.3" and active["outgoing_interface"] == "Ethernet2"
    assert active["protocol_attributes"]["local_preference"] == 200
    assert active["protocol_attributes"]["remote_address"] == "100.64.1.3"
    (other,) = [path for path in paths if not path["current_active"]]
    assert other["inactive_reason"] == "higherLocalPref"
    assert other["protocol_attributes"]["communities"] == ["174:21000"]


def test_eos_get_route_to_without_protocol_and_ipv6(drivers):
    routes = drivers["eos"].get_route_to("198.51.100.0/24")
    assert {path["next_hop"] for path in routes["198.51.100.0/24"]} == {"100.64.1.1", "100.64.1.3"}
    (v6,) = drivers["eos"].get_route_to("2001:db8:f00::/48", protocol="bgp")["2001:db8:f00::/48"]
    assert v6["current_active"] and v6["next_hop"] == "2001:db8:65::1"


def test_eos_route_replies_have_the_recorded_shape(drivers):
    run = drivers["eos"]._run_commands
    (vrf,) = run(["show vrf"])
    assert_same_shape(recorded_eos("show_vrf.json")["vrfs"]["default"], vrf["vrfs"]["default"], "vrfs.default")
    (route,) = run(["show ip route vrf default 198.51.100.0/24  bgp detail"])
    assert_same_shape(recorded_eos("show_ip_route_vrf_default_1_0_4_0_24__bgp_detail.json"),
                      {"vrfs": {"default": {**route["vrfs"]["default"],
                                            "routes": {"1.0.4.0/24": route["vrfs"]["default"]["routes"][
                                                "198.51.100.0/24"]}}}})
    (bgp,) = run(["show ip bgp 198.51.100.0/24  vrf default"])
    entry = bgp["vrfs"]["default"]["bgpRouteEntries"]["198.51.100.0/24"]
    recorded = recorded_eos("show_ip_bgp_1_0_4_0_24__vrf_default.json")["vrfs"]["default"]
    recorded_entry = recorded["bgpRouteEntries"]["1.0.4.0/24"]
    # keyed by the recording router's peer-group names; the lab advertises to no peer group
    assert entry["bgpAdvertisedPeerGroups"] == {}
    del recorded_entry["bgpAdvertisedPeerGroups"]
    assert_same_shape(recorded_entry, entry, "bgpRouteEntries")
    assert_same_shape(recorded["asn"], bgp["vrfs"]["default"]["asn"], "asn")


def test_eos_get_route_to_result_has_the_recorded_results_fields(drivers):
    expected = recorded_eos("get_route_to_expected_result.json")["1.0.4.0/24"][0]
    for route in drivers["eos"].get_route_to("198.51.100.0/24", protocol="bgp")["198.51.100.0/24"]:
        assert_same_keys_and_types(expected, route, "route")


@pytest.mark.parametrize(("command", "error"), [
    ("show ip route vrf default nonsense detail", "Invalid input (at token 5: 'nonsense')"),
    ("show ip route vrf blue 1.0.0.0/24 detail", "VRF blue does not exist"),
    ("show ip bgp 1.0.0.0/24 vrf blue", "Invalid input"),
    ("show ip bgp 1.0.0.0/24 sideways vrf default", "Invalid input (at token 4: 'sideways')"),
])
def test_eos_refuses_bad_route_commands_like_eos(drivers, command, error):
    with pytest.raises(CommandError) as refused:
        drivers["eos"]._run_commands([command])
    assert error in str(refused.value)


# -- runtime changes: a session down, a policy change that takes time to reach the routes -------------------------
def best_neighbor(lab, router, prefix="198.51.100.0/24"):
    return lab.control(router).rib()[prefix]["neighbor"]


def test_a_session_down_takes_its_routes_away_until_it_is_up_again(lab):
    control = lab.control("rt-eos")
    assert best_neighbor(lab, "rt-eos") == "100.64.1.3"
    control.inject(sessions_down=["100.64.1.3"])
    try:
        assert best_neighbor(lab, "rt-eos") == "100.64.1.1"
        assert control.faults()["sessions_down"] == ["100.64.1.3"]
    finally:
        control.clear()
    assert best_neighbor(lab, "rt-eos") == "100.64.1.3"
    with pytest.raises(ControlError, match="400"):
        control.inject(sessions_down=["not-an-address"])
    with pytest.raises(ControlError, match="400"):
        control.inject(convergence_s=-1)


@pytest.mark.parametrize(("router", "unhook", "hook"), [
    ("rt-eos", "router bgp 64500\n   no neighbor 100.64.1.3 route-map PREFER in\n",
     "router bgp 64500\n   neighbor 100.64.1.3 route-map PREFER in\n"),
    ("rt-junos", "protocols { bgp { group pni { neighbor 100.64.0.3 { delete: import; } } } }\n",
     "protocols { bgp { group pni { neighbor 100.64.0.3 { import PREFER; } } } }\n"),
])
def test_a_committed_policy_reaches_the_routes_after_the_convergence_delay(lab, drivers, router, unhook, hook):
    vendor = router.split("-")[1]
    driver, control = drivers[vendor], lab.control(router)
    preferred = "100.64.1.3" if vendor == "eos" else "100.64.0.3"
    control.inject(convergence_s=1.5)  # device seconds; this lab's clock runs at wall speed
    try:
        driver.load_merge_candidate(config=unhook)
        driver.commit_config()
        # the detour's local preference is gone from the config, not yet from the routes
        assert best_neighbor(lab, router) == preferred
        deadline = time.monotonic() + 10
        while best_neighbor(lab, router) == preferred and time.monotonic() < deadline:
            time.sleep(0.1)
        assert best_neighbor(lab, router) != preferred
        assert time.monotonic() < deadline
    finally:
        control.clear()
        driver.load_merge_candidate(config=hook)
        driver.commit_config()
    assert best_neighbor(lab, router) == preferred


# -- what each neighbor is sent --------------------------------------------------------------------------------------
def test_junos_advertises_through_each_neighbors_export_chain_and_bgps_default_export(lab, drivers):
    rpc = drivers["junos"].device.rpc
    transit = rpc.get_route_information(advertising_protocol_name="bgp", neighbor="100.64.0.1")
    (rt,) = transit.findall(".//rt")
    # the pool, prepended by the chain, the router's own AS in brackets as Junos prints it; nothing else
    assert rt.findtext("rt-destination") == "203.0.113.0/24"
    assert rt.findtext("rt-entry/as-path").split() == ["[64500]", "64500", "64500", "I"]
    assert rt.findtext("rt-entry/nh/to") == "Self" and rt.findtext("rt-entry/active-tag") == "*"
    # no export chain toward the PNI: BGP's default export sends the active BGP routes learned from others and
    # none of the router's own
    pni = rpc.get_route_information(advertising_protocol_name="bgp", neighbor="100.64.0.3")
    assert [(r.findtext("rt-destination"), r.findtext("rt-entry/as-path").split()) for r in pni.findall(".//rt")] == [
        ("203.0.113.0/24", ["[64500]", "1299", "I"])]
    assert lab.control("rt-junos").advertised("100.64.0.1")["203.0.113.0/24"]["as_path"] == [64500, 64500, 64500]
    with pytest.raises(RpcError, match="not found"):
        rpc.get_route_information(advertising_protocol_name="bgp", neighbor="100.64.9.9")


def test_eos_advertises_network_statements_through_the_outbound_prefix_list_and_route_map(lab, drivers):
    (sent,) = drivers["eos"]._run_commands(["show ip bgp neighbors 100.64.1.1 advertised-routes"])
    entries = sent["vrfs"]["default"]["bgpRouteEntries"]
    # 192.0.2.0/24 is the router's but no network statement names it; the learned routes fail OUT
    assert list(entries) == ["203.0.113.0/24"]
    assert entries["203.0.113.0/24"]["bgpRoutePaths"][0]["asPathEntry"]["asPath"] == "64500 64500 64500"
    # the shape of `show ip bgp` (tests/lab/eos/data), where the recorded reply has the same keys
    recorded = recorded_eos("show_ip_bgp_1_0_4_0_24__vrf_default.json")["vrfs"]["default"]
    assert {"routerId", "vrf", "bgpRouteEntries", "asn"} <= set(sent["vrfs"]["default"]) <= set(recorded)
    # no outbound policy toward 100.64.1.3: the network statement's pool; not the best path it sent itself
    (to_3320,) = drivers["eos"]._run_commands(["show ip bgp neighbors 100.64.1.3 advertised-routes"])
    assert {prefix: entry["bgpRoutePaths"][0]["asPathEntry"]["asPath"]
            for prefix, entry in to_3320["vrfs"]["default"]["bgpRouteEntries"].items()} == {"203.0.113.0/24": "64500"}
    with pytest.raises(CommandError, match="BGP neighbor 100.64.9.9 not found"):
        drivers["eos"]._run_commands(["show ip bgp neighbors 100.64.9.9 advertised-routes"])
