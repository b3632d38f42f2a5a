"""trafficshift.effect on its own: which detours a router is checked for, and how NAPALM `get_route_to` results
(recorded from real routers, tests/lab/*/data, and made up) meet them or not."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from trafficshift.effect import Expectation, Miss, check_routes, detour_expectations
from trafficshift.model.plan import Detour, Prepend
from trafficshift.validation import parse_network

DATA = Path(__file__).resolve().parents[1] / "lab"


def network():
    return parse_network({
        "lab": True,
        "sites": {"ams01": {"ingress_capacity_bps": 1e11}},
        "routers": {"r1": {"site": "ams01", "vendor": "junos", "asn": 64512, "router_id": "192.0.2.1", "links": {
            "et-0/0/0": {"peer": "transit-a", "neighbor": "100.64.0.1", "neighbor6": "2001:db8:64::1",
                         "peer_as": 1299, "kind": "transit", "capacity_bps": 1e10, "group": "transit"},
            "et-0/0/1": {"peer": "pni-b", "neighbor": "100.64.0.3", "neighbor6": "2001:db8:64::3",
                         "peer_as": 3320, "kind": "private", "capacity_bps": 1e10, "group": "pni"}}}},
    })


def detour(prefix, link="et-0/0/1", from_link="r1:et-0/0/0"):
    return Detour("r1", link, prefix, from_link, 200)


def path(next_hop, active, remote_address=None, local_preference=200):
    return {"current_active": active, "next_hop": next_hop,
            "protocol_attributes": {"remote_address": remote_address or "192.0.2.99",
                                    "local_preference": local_preference}}


def test_expectations_name_the_alternates_session_of_the_prefixes_family_and_ignore_other_intents():
    intents = [detour("198.51.100.0/24"), detour("2001:db8:f00::/48"), Prepend("r1", "et-0/0/0", "web", 1),
               Detour("r2", "x", "203.0.113.0/24", "r2:y", 200)]
    assert detour_expectations(network(), "r1", intents, sample=10) == (
        Expectation("r1", "198.51.100.0/24", "et-0/0/1", "100.64.0.3", 200),
        Expectation("r1", "2001:db8:f00::/48", "et-0/0/1", "2001:db8:64::3", 200))


def test_the_sample_is_the_same_whatever_order_the_intents_arrive_in_and_hot_links_are_always_checked():
    detours = [detour(f"198.51.{n}.0/24") for n in range(40)] + \
        [detour(f"203.0.113.{n * 16}/28", link="et-0/0/0", from_link="r1:et-0/0/1") for n in range(8)]
    first = detour_expectations(network(), "r1", detours, sample=5)
    shuffled = list(detours)
    random.Random(7).shuffle(shuffled)
    assert detour_expectations(network(), "r1", shuffled, sample=5) == first and len(first) == 5
    with_hot = detour_expectations(network(), "r1", shuffled, sample=5, hot_links=["r1:et-0/0/1"])
    assert {e.prefix for e in with_hot} >= {f"203.0.113.{n * 16}/28" for n in range(8)}
    assert len(with_hot) == 8 + 5
    assert detour_expectations(network(), "r1", detours, sample=0) == ()


def test_recorded_junos_result_meets_the_expectation_of_its_active_next_hop_only():
    recorded = json.loads((DATA / "junos" / "data" / "get_route_to_expected_result.json").read_text())
    # the active path's next hop is 192.168.0.1; remote_address on Junos is the peer's router ID (192.168.0.2)
    assert check_routes([Expectation("r1", "1.0.4.0/24", "et-0/0/1", "192.168.0.1")], {"1.0.4.0/24": recorded}) == []
    (miss,) = check_routes([Expectation("r1", "1.0.4.0/24", "et-0/0/1", "192.168.0.5")], {"1.0.4.0/24": recorded})
    assert (miss.reason, miss.actual) == ("other-neighbor", "192.168.0.1")


def test_recorded_eos_result_is_read_by_its_active_path():
    recorded = json.loads((DATA / "eos" / "data" / "get_route_to_expected_result.json").read_text())
    active = [p for p in recorded["1.0.4.0/24"] if p["current_active"]][0]["next_hop"]
    assert check_routes([Expectation("r1", "1.0.4.0/24", "x", active)], {"1.0.4.0/24": recorded}) == []


def test_misses_say_which_prefix_went_where_instead():
    want = Expectation("r1", "198.51.100.0/24", "et-0/0/1", "100.64.0.3")
    cases = {
        "other-neighbor": {"198.51.100.0/24": [path("100.64.0.1", True), path("100.64.0.3", False)]},
        "no-route": {"198.51.100.0/22": [path("100.64.0.1", True)]},
        "more-specific": {"198.51.100.0/24": [path("100.64.0.3", True)],
                          "198.51.100.128/25": [path("100.64.0.1", True)]},
    }
    lines = {}
    for reason, reply in cases.items():
        (miss,) = check_routes([want], {want.prefix: reply})
        assert miss.reason == reason and miss.actual == "100.64.0.1"
        lines[reason] = miss.describe(network())
    assert lines["other-neighbor"] == ("r1: 198.51.100.0/24 leaves via 100.64.0.1 (et-0/0/0, transit-a), "
                                       "not via 100.64.0.3 on et-0/0/1")
    assert lines["no-route"] == ("r1: 198.51.100.0/24 has no route of its own (expected via 100.64.0.3 on "
                                 "et-0/0/1); it follows 198.51.100.0/22 via 100.64.0.1 (et-0/0/0, transit-a)")
    assert "more-specific 198.51.100.128/25 still leaves via 100.64.0.1" in lines["more-specific"]
    assert check_routes([want], {}) == [Miss("r1", want.prefix, "et-0/0/1", "100.64.0.3", "no-route")]


def test_the_right_neighbor_without_the_detours_local_preference_is_a_miss():
    want = Expectation("r1", "198.51.100.0/24", "et-0/0/1", "100.64.0.3", 200)
    (miss,) = check_routes([want], {want.prefix: {want.prefix: [path("100.64.0.3", True, local_preference=100)]}})
    assert (miss.reason, miss.local_pref, miss.expected_local_pref) == ("local-preference", 100, 200)
    assert miss.describe(network()).startswith("r1: 198.51.100.0/24 leaves via 100.64.0.3 (et-0/0/1, pni-b) with "
                                               "local preference 100, not the detour's 200")
    # an expectation without a local preference, or a reply without one, judges the neighbor alone
    assert check_routes([Expectation("r1", want.prefix, "et-0/0/1", "100.64.0.3")],
                        {want.prefix: {want.prefix: [path("100.64.0.3", True, local_preference=100)]}}) == []
    assert check_routes([want], {want.prefix: {want.prefix: [path("100.64.0.3", True, local_preference=None)]}}) == []


@pytest.mark.parametrize("reply", [
    {"198.51.100.0/24": [path("100.64.0.3", True)], "198.51.100.128/25": [path("100.64.0.3", True)]},
    # the next hop missing, the remote address names the neighbor (a route server's third-party next hop aside)
    {"198.51.100.0/24": [{"current_active": True, "next_hop": "", "protocol_attributes": {
        "remote_address": "100.64.0.3"}}]},
    # an inactive more-specific does not carry traffic; an IPv6 entry in the reply is another family
    {"198.51.100.0/24": [path("100.64.0.3", True)], "198.51.100.0/25": [path("100.64.0.1", False)],
     "2001:db8::/32": [path("2001:db8:64::1", True)], "garbage": [path("100.64.0.1", True)]},
])
def test_the_detour_holds_when_the_prefix_and_its_more_specifics_leave_by_the_alternate(reply):
    assert check_routes([Expectation("r1", "198.51.100.0/24", "et-0/0/1", "100.64.0.3")],
                        {"198.51.100.0/24": reply}) == []


# -- prepends and withdrawals: what each neighbor is sent --------------------------------------------------------
def pooled_network():
    data = {
        "lab": True,
        "sites": {"ams01": {"ingress_capacity_bps": 1e11}},
        "routers": {"r1": {"site": "ams01", "vendor": "junos", "asn": 64512, "router_id": "192.0.2.1", "links": {
            "et-0/0/0": {"peer": "transit-a", "neighbor": "100.64.0.1", "neighbor6": "2001:db8:64::1",
                         "peer_as": 1299, "kind": "transit", "capacity_bps": 1e10, "group": "transit"},
            "et-0/0/1": {"peer": "pni-b", "neighbor": "100.64.0.3", "peer_as": 3320, "kind": "private",
                         "capacity_bps": 1e10, "group": "pni"}}}},
        "pools": {"web": {"prefixes": ["203.0.113.0/24", "2001:db8:f00::/48"], "priority": 10, "sites": ["ams01"]}},
    }
    return parse_network(data)


def test_a_prepend_expects_the_prefixes_of_each_carried_family_with_count_plus_one_own_as():
    from trafficshift.effect import Announcement, announcement_expectations
    wants = announcement_expectations(pooled_network(), "r1", [Prepend("r1", "et-0/0/0", "web", 2)])
    assert wants == (
        Announcement("r1", "2001:db8:f00::/48", "et-0/0/0", "2001:db8:64::1", True, 3, "prepend 2 of pool web"),
        Announcement("r1", "203.0.113.0/24", "et-0/0/0", "100.64.0.1", True, 3, "prepend 2 of pool web"))


def test_a_withdrawal_expects_the_pool_gone_there_and_still_sent_to_the_other_neighbors():
    from trafficshift.effect import announcement_expectations
    from trafficshift.model.plan import Withdraw
    wants = announcement_expectations(pooled_network(), "r1", [Withdraw("r1", "et-0/0/1", "web")])
    # et-0/0/1 carries IPv4 only: the pool's IPv6 prefix is still sent to et-0/0/0's IPv6 session
    assert [(w.prefix, w.neighbor, w.sent) for w in wants] == [
        ("2001:db8:f00::/48", "2001:db8:64::1", True), ("203.0.113.0/24", "100.64.0.1", True),
        ("203.0.113.0/24", "100.64.0.3", False)]
    # withdrawn everywhere (a drained site): nothing else is expected to keep it
    both = announcement_expectations(pooled_network(), "r1", [Withdraw("r1", "et-0/0/1", "web"),
                                                              Withdraw("r1", "et-0/0/0", "web")])
    assert not [w for w in both if w.sent]


def test_announcement_misses_say_what_the_neighbor_is_sent_instead():
    from trafficshift.effect import Announcement, check_announcements
    prepend = Announcement("r1", "203.0.113.0/24", "et-0/0/0", "100.64.0.1", True, 3, "prepend 2 of pool web")
    withdraw = Announcement("r1", "203.0.113.0/24", "et-0/0/1", "100.64.0.3", False, None, "withdrawal of pool web")
    kept = Announcement("r1", "203.0.113.0/24", "et-0/0/0", "100.64.0.1", True, None, "pool web withdrawn on et-0/0/1 only")
    sent = {"100.64.0.1": {"203.0.113.0/24": [64512, 64512, 64512]}, "100.64.0.3": {}}
    assert check_announcements([prepend, withdraw, kept], sent, 64512) == []
    wrong = {"100.64.0.1": {"203.0.113.0/24": [64512]}, "100.64.0.3": {"203.0.113.0/24": [64512]}}
    misses = check_announcements([prepend, withdraw], wrong, 64512)
    assert [(m.reason, m.actual_count, m.expected_count) for m in misses] == [("prepend-count", 1, 3),
                                                                             ("still-sent", 1, None)]
    assert misses[0].describe(pooled_network()) == (
        "r1: 203.0.113.0/24 is sent to 100.64.0.1 (et-0/0/0, transit-a) with the router's AS 1 time(s) in front, "
        "not 3 (prepend 2 of pool web)")
    assert misses[1].describe(pooled_network()) == \
        "r1: 203.0.113.0/24 is still sent to 100.64.0.3 (et-0/0/1, pni-b) (withdrawal of pool web)"
    (gone,) = check_announcements([kept], {"100.64.0.1": {}}, 64512)
    assert gone.describe(pooled_network()) == ("r1: 203.0.113.0/24 is not sent to 100.64.0.1 (et-0/0/0, transit-a) "
                                               "(pool web withdrawn on et-0/0/1 only)")


def test_a_miss_whose_neighbors_session_is_down_says_so_and_an_unreported_one_stays_unknown():
    from trafficshift.effect import Announcement, check_announcements, with_sessions
    (no_route,) = check_routes([Expectation("r1", "198.51.100.0/24", "et-0/0/1", "100.64.0.3", 200)],
                               {"198.51.100.0/24": {"198.51.100.0/24": [path("100.64.0.1", True)]}})
    kept = Announcement("r1", "2001:db8:f00::/48", "et-0/0/0", "2001:db8:64::1", True, None, "pool web kept")
    (not_sent,) = check_announcements([kept], {}, 64512)
    # the router reports the IPv6 neighbor in its own spelling; a name that is not an address is ignored
    explained = with_sessions([no_route, not_sent], {"100.64.0.3": False, "2001:DB8:64:0::1": False, "peer-x": True})
    assert [miss.session_down for miss in explained] == [True, True]
    assert explained[0].describe(network()) == (
        "r1: 198.51.100.0/24 leaves via 100.64.0.1 (et-0/0/0, transit-a), not via 100.64.0.3 on et-0/0/1; "
        "the BGP session to 100.64.0.3 (et-0/0/1, pni-b) is down")
    assert explained[1].describe(pooled_network()).endswith("(pool web kept; its BGP session is down)")
    # up, or not reported: the line is the plain one
    up, unknown = with_sessions([no_route, not_sent], {"100.64.0.3": True})
    assert (up.session_down, unknown.session_down) == (False, None)
    assert up.describe(network()) == no_route.describe(network()) and "session" not in up.describe(network())
    assert explained[0].to_dict()["session_down"] is True
