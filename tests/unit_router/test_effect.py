"""trafficshift.device.router.effect through the real NAPALM drivers on lab routers that hold routes: a detour
that moved its prefix passes; the alternate not sending the prefix, a more-specific from the old neighbor and
no route at all are each a miss naming the prefix, the router and where the traffic goes instead."""
from __future__ import annotations

import copy
from pathlib import Path

import napalm
import pytest
import yaml

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift.device import router as ops
from trafficshift.errors import ValidationError
from trafficshift.validation import parse_network

PILLAR = yaml.safe_load((Path(__file__).resolve().parents[1] / "salt" / "pillar" / "traffic" / "network.sls")
                        .read_text())["traffic"]
#: per vendor: router, (preferred link, its neighbor and AS), (alternate link, its neighbor and AS)
ROUTERS = {"junos": ("ams01-r1", ("et-0/0/0", "100.64.0.1", 1299), ("et-0/0/1", "100.64.0.3", 3320)),
           "eos": ("ams01-r2", ("Ethernet1", "100.64.1.1", 174), ("Ethernet2", "100.64.1.3", 3320))}
PREFIX = "198.51.100.0/24"
ORIGIN_AS = 64511


def network_with_an_eos_alternate():
    pillar = copy.deepcopy(PILLAR)
    pillar["routers"]["ams01-r2"]["links"]["Ethernet2"] = {
        "peer": "pni-b", "neighbor": "100.64.1.3", "peer_as": 3320, "kind": "private", "capacity_bps": 1e10,
        "group": "pni"}
    return parse_network(pillar)


NETWORK = network_with_an_eos_alternate()


@pytest.fixture(scope="module")
def lab():
    with Lab([DeviceSpec(name, vendor) for vendor, (name, _, _) in sorted(ROUTERS.items())], time_scale=60) as lab:
        yield lab


@pytest.fixture(scope="module")
def routers(lab):
    """Per vendor: (router, driver, control client, detour intents), provisioned and detoured (pending)."""
    opened = {}
    for vendor, (name, (main, _, _), (alternate, _, _)) in ROUTERS.items():
        entry = lab.inventory()[name]
        driver = napalm.get_network_driver(vendor)(entry["host"], entry["username"], entry["password"],
                                                   optional_args=napalm_optional_args(entry))
        driver.open()
        ops.provision(driver, NETWORK, name, revert_in=3600)
        intents = [{"kind": "detour", "router": name, "link": alternate, "prefix": PREFIX,
                    "from_link": f"{name}:{main}", "local_pref": 200}]
        assert ops.apply(driver, NETWORK, name, intents, revert_in=3600)["pending"]
        opened[vendor] = (name, driver, lab.control(name), intents)
    yield opened
    for name, driver, _, _ in opened.values():
        ops.rollback(driver, name)
        driver.close()


def send(control, neighbor, peer_as, prefixes, extra_hops=0):
    control.receive(neighbor, peer_as, [{"prefix": prefix, "as_path": [peer_as] * (1 + extra_hops) + [ORIGIN_AS]}
                                        for prefix in prefixes])


@pytest.fixture
def routes(routers):
    """Each vendor's preferred neighbor sends PREFIX with the shorter path, the alternate with a longer one:
    without the detour the preferred link wins."""
    for vendor, (name, (_, main, main_as), (_, alternate, alternate_as)) in ROUTERS.items():
        control = routers[vendor][2]
        send(control, main, main_as, [PREFIX])
        send(control, alternate, alternate_as, [PREFIX], extra_hops=2)
    return routers


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_a_detour_the_router_follows_passes_and_verify_reads_back_in_the_same_call(vendor, routes):
    name, driver, _, intents = routes[vendor]
    result = ops.effect(driver, NETWORK, name, intents)
    assert (result["checked"], result["misses"]) == ([PREFIX], []) and 0 < result["effect_s"] < 5
    assert ops.effect(driver, NETWORK, name, [])["checked"] == []
    verified = ops.verify(driver, NETWORK, name, intents)
    assert verified["intents"] == [{**intents[0], "from_link": None}] and verified["misses"] == []


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_the_alternate_not_sending_the_prefix_is_a_miss_naming_where_it_leaves(vendor, routes):
    name, driver, control, intents = routes[vendor]
    (_, (main_link, main, _), (alternate_link, alternate, alternate_as)) = ROUTERS[vendor]
    send(control, alternate, alternate_as, [])
    (miss,) = ops.effect(driver, NETWORK, name, intents)["misses"]
    assert (miss["reason"], miss["actual"], miss["expected"]) == ("other-neighbor", main, alternate)
    assert miss["line"].startswith(f"{name}: {PREFIX} leaves via {main} ({main_link}, ")
    assert miss["line"].endswith(f"not via {alternate} on {alternate_link}")


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_the_alternates_session_down_is_named_as_the_reason(vendor, routes):
    name, driver, control, intents = routes[vendor]
    (_, (_, main, _), (alternate_link, alternate, _)) = ROUTERS[vendor]
    control.inject(sessions_down=[alternate])
    try:
        (miss,) = ops.effect(driver, NETWORK, name, intents)["misses"]
    finally:
        control.clear()
    assert (miss["reason"], miss["actual"], miss["session_down"]) == ("other-neighbor", main, True)
    peer = NETWORK.routers[name].links[alternate_link].peer
    assert miss["line"].endswith(f"; the BGP session to {alternate} ({alternate_link}, {peer}) is down")
    # up again: the detour holds, and a miss for another cause says the session is up
    assert ops.effect(driver, NETWORK, name, intents)["misses"] == []
    send(control, alternate, ROUTERS[vendor][2][2], [])
    (miss,) = ops.effect(driver, NETWORK, name, intents)["misses"]
    assert miss["session_down"] is False and "session" not in miss["line"]


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_a_more_specific_from_the_old_neighbor_keeps_the_traffic(vendor, routes):
    name, driver, control, intents = routes[vendor]
    (_, (_, main, main_as), _) = ROUTERS[vendor]
    send(control, main, main_as, [PREFIX, "198.51.100.0/25"])
    (miss,) = ops.effect(driver, NETWORK, name, intents)["misses"]
    assert (miss["reason"], miss["via_prefix"], miss["actual"]) == ("more-specific", "198.51.100.0/25", main)


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_no_route_for_the_prefix_is_a_miss(vendor, routes):
    name, driver, control, intents = routes[vendor]
    (_, (_, main, main_as), (_, alternate, alternate_as)) = ROUTERS[vendor]
    send(control, alternate, alternate_as, [])
    send(control, main, main_as, ["198.51.100.0/22"])
    (miss,) = ops.effect(driver, NETWORK, name, intents)["misses"]
    assert (miss["reason"], miss["via_prefix"], miss["actual"]) == ("no-route", "198.51.100.0/22", main)


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_prepends_and_withdrawals_show_in_what_each_neighbor_is_sent(vendor, routes):
    name, driver, control, detour = routes[vendor]
    (_, (main_link, main, _), (alternate_link, alternate, _)) = ROUTERS[vendor]
    ops.rollback(driver, name)  # the module's pending detour; put back at the end
    control.originate(["203.0.113.0/24"])  # the pool "web" of the network, announced at this site
    shifts = [{"kind": "prepend", "router": name, "link": alternate_link, "pool": "web", "count": 2},
              {"kind": "withdraw", "router": name, "link": main_link, "pool": "web"}]
    try:
        assert ops.apply(driver, NETWORK, name, shifts, revert_in=3600)["pending"]
        result = ops.effect(driver, NETWORK, name, shifts)
        assert result["misses"] == [] and result["checked"] == [f"203.0.113.0/24 to {main}",
                                                                 f"203.0.113.0/24 to {alternate}"]
        assert control.advertised(alternate)["203.0.113.0/24"]["as_path"] == [64512, 64512, 64512]
        ops.rollback(driver, name)
        # the same shifts committed while the routes still follow the previous config: both show as misses
        control.inject(convergence_s=3600)
        assert ops.apply(driver, NETWORK, name, shifts, revert_in=3600)["pending"]
        misses = {miss["reason"]: miss for miss in ops.effect(driver, NETWORK, name, shifts)["misses"]}
        assert set(misses) == {"prepend-count", "still-sent"}
        assert (misses["prepend-count"]["actual_count"], misses["prepend-count"]["expected_count"]) == (1, 3)
        assert misses["still-sent"]["line"].startswith(f"{name}: 203.0.113.0/24 is still sent to {main} ({main_link}")
    finally:
        control.clear()
        ops.rollback(driver, name)
        control.originate([])
        assert ops.apply(driver, NETWORK, name, detour, revert_in=3600)["pending"]


def ask(router, link, prefix=PREFIX, from_link=None):
    return {"router": router, "link": link, "prefix": prefix, "from_link": from_link}


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_detour_routes_say_which_neighbor_sends_exactly_the_prefix(vendor, routes):
    name, driver, control, _ = routes[vendor]
    (_, (main_link, main, main_as), (alternate_link, alternate, alternate_as)) = ROUTERS[vendor]
    other = "203.0.113.0/24"
    asked = [ask(name, alternate_link), ask(name, main_link), ask(name, alternate_link, other),
             ask(name, alternate_link), ask("another-router", "xe-0/0/0")]  # another router's: ignored
    result = ops.detour_routes(driver, NETWORK, name, asked)
    # sorted by prefix then link, duplicates once; active or not, any path from the link's neighbor counts
    assert result == {"router": name, "routes": [
        {"prefix": PREFIX, "link": main_link, "sent": True}, {"prefix": PREFIX, "link": alternate_link, "sent": True},
        {"prefix": other, "link": alternate_link, "sent": False}], "more_specifics": [], "sessions_down": []}
    one = [ask(name, alternate_link)]
    # only a covering prefix from the alternate: an exact match on the /24 would match nothing
    send(control, alternate, alternate_as, ["198.51.100.0/22"], extra_hops=2)
    assert ops.detour_routes(driver, NETWORK, name, one)["routes"][0]["sent"] is False
    send(control, alternate, alternate_as, [PREFIX], extra_hops=2)
    control.inject(sessions_down=[alternate])
    try:
        down = ops.detour_routes(driver, NETWORK, name, one)
        # the link's only session is down: it sends nothing at all, which the planner is told per link
        assert down["routes"][0]["sent"] is False and down["sessions_down"] == [alternate_link]
    finally:
        control.clear()
    assert ops.detour_routes(driver, NETWORK, name, one)["routes"][0]["sent"] is True


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_detour_routes_name_a_more_specific_the_source_keeps(vendor, routes):
    name, driver, control, _ = routes[vendor]
    (_, (main_link, main, main_as), (alternate_link, _, _)) = ROUTERS[vendor]
    detour = ask(name, alternate_link, from_link=f"{name}:{main_link}")
    assert ops.detour_routes(driver, NETWORK, name, [detour])["more_specifics"] == []
    send(control, main, main_as, [PREFIX, "198.51.100.128/25"])
    assert ops.detour_routes(driver, NETWORK, name, [detour])["more_specifics"] == [
        {"prefix": PREFIX, "link": main_link, "more_specific": "198.51.100.128/25"}]
    # a source on another router: this one checks only the alternate; the source's router the rest
    elsewhere = ask(name, alternate_link, from_link="fra01-r1:et-0/0/0")
    assert ops.detour_routes(driver, NETWORK, name, [elsewhere])["more_specifics"] == []


@pytest.mark.parametrize(("detours", "path"), [
    ("198.51.100.0/24", "detours: must be a list"),
    ([{"router": "ams01-r1", "prefix": PREFIX}], "detours:0: expected {router, link, prefix, from_link}"),
    ([ask("ams01-r1", "et-9/9/9")], "detours:0:link: 'et-9/9/9' is not a link of"),
    ([ask("x", "et-0/0/1", from_link="ams01-r1:et-9/9/9")], "detours:0:from_link: 'et-9/9/9' is not a link of"),
    ([ask("ams01-r1", "et-0/0/1"), ask("ams01-r1", "et-0/0/1", "not-a-prefix")],
     "detours:1:prefix: 'not-a-prefix' is not a prefix"),
])
def test_detour_routes_refuse_bad_input_with_its_path(routes, detours, path):
    name, driver, _, _ = routes["junos"]
    with pytest.raises(ValidationError, match=path.replace("{", r"\{").replace("}", r"\}")):
        ops.detour_routes(driver, NETWORK, name, detours)
