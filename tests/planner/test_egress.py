"""Egress detours: projection, move order, receivers, splitting, hysteresis."""
from __future__ import annotations

import pytest
from planner_scenarios import NOW, cycle, make_load, make_network, prefixes, util

from trafficshift.model.plan import Detour
from trafficshift.model.routes import RouteFacts
from trafficshift.planner import plan

HOT, SPARE, BACKUP = "ams-r1:et-0/0/0", "ams-r1:et-0/0/1", "ams-r1:et-0/0/2"


def two_links(**policy):
    return make_network({HOT: ("transit", 10e9), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                        max_moved_fraction=1.0, **policy)


def test_overloaded_link_is_brought_to_target_largest_prefixes_first():
    rates = [3e9, 2e9, 1.5e9, 1e9, 1e9, 0.5e9, 0.5e9]  # 9.5 Gbps on 10G: 95% > 90% high watermark
    demands = [(p, bps, HOT, [SPARE]) for p, bps in zip(prefixes(7), rates)]
    result = plan(two_links(), make_load(demands), None, (), NOW)

    before, after = util(result, HOT)
    assert before == 0.95 and after <= 0.80
    # excess 1.5 Gbps: 3 and 2 Gbps are larger than it; the 1.5 Gbps prefix covers it exactly
    assert [i.prefix for i in result.intents] == [prefixes(7)[2]]
    assert result.moved_bps == 1.5e9
    assert result.status == "ok"


def test_link_between_target_and_high_watermark_is_left_alone():
    demands = [(p, 0.85e9, HOT, [SPARE]) for p in prefixes(10)]  # 85%: above target, under 90%
    result = plan(two_links(), make_load(demands), None, (), NOW)
    assert result.intents == () and util(result, HOT) == (0.85, 0.85)


def test_alternates_are_tried_in_preference_order_and_receivers_stay_under_target_minus_headroom():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]  # 100%
    demands += [(p, 6e9, SPARE, []) for p in prefixes(1, "198.19.0.0")]  # SPARE at 60%
    result = plan(two_links(receiver_headroom=0.1), make_load(demands), None, (), NOW)

    # SPARE may go to 70% (target 80% - headroom 10%): one 1G prefix, the second goes to BACKUP
    by_link = {}
    for intent in result.intents:
        by_link.setdefault(f"{intent.router}:{intent.link}", []).append(intent.prefix)
    assert len(by_link[SPARE]) == 1 and len(by_link[BACKUP]) == 1
    assert util(result, SPARE)[1] <= 0.70 + 1e-9 and util(result, BACKUP)[1] <= 0.70 + 1e-9
    assert util(result, HOT)[1] <= 0.80


def test_a_prefix_too_big_for_any_alternate_is_split_into_halves_down_to_slash_24():
    demands = [("198.18.0.0/22", 9.6e9, HOT, [SPARE])]  # one prefix on a 10G link at 96%
    demands += [("198.19.0.0/24", 6.5e9, SPARE, [])]  # SPARE can take 1.5G before 80%
    result = plan(two_links(split_threshold_bps=1e9), make_load(demands), None, (), NOW)

    moved = sorted(i.prefix for i in result.intents)
    # /22 = 9.6G, /23 = 4.8G, /24 = 2.4G: none fits in 1.5G of room, and /24 is the floor
    assert moved == []
    assert any(a.verb == "refuse" and a.guard_rail == "receiver_headroom" for a in result.actions)

    demands[1] = ("198.19.0.0/24", 5e9, SPARE, [])  # now 3G of room: a /24 (2.4G) fits
    result = plan(two_links(split_threshold_bps=1e9), make_load(demands), None, (), NOW)
    assert [i.prefix for i in result.intents] == ["198.18.0.0/24"]
    assert util(result, HOT)[1] == 0.72 and util(result, SPARE)[1] == 0.74


def test_a_detour_is_kept_while_its_source_would_be_above_the_low_watermark():
    net = two_links(low_watermark=0.6, hold_time_s=600.0)
    demands = [(p, 1e9, HOT, [SPARE]) for p in prefixes(10)]
    first, applied = cycle(net, make_load(demands))
    assert first.intents

    # an hour later the load fell to 7 Gbps: without the detours HOT would be at 70% > 60%: keep
    lighter = make_load([(p, 0.7e9, HOT, [SPARE]) for p in prefixes(10)], timestamp=NOW + 3600)
    second = plan(net, lighter, first, (), NOW + 3600)
    assert second.intents == first.intents and second.since == first.since
    assert {a.guard_rail for a in second.actions if a.verb == "keep"} == {"low_watermark"}


def test_a_detour_is_removed_only_after_hold_time_once_the_source_is_under_the_low_watermark():
    net = two_links(low_watermark=0.6, hold_time_s=600.0)
    first = plan(net, make_load([(p, 1e9, HOT, [SPARE]) for p in prefixes(10)]), None, (), NOW)
    quiet = [(p, 0.3e9, HOT, [SPARE]) for p in prefixes(10)]  # 30% even with everything back

    early = plan(net, make_load(quiet, timestamp=NOW + 300), first, (), NOW + 300)
    assert early.intents == first.intents
    assert {a.guard_rail for a in early.actions if a.verb == "keep"} == {"hold_time_s"}

    late = plan(net, make_load(quiet, timestamp=NOW + 601), early, (), NOW + 601)
    assert late.intents == ()
    assert all(a.verb == "remove" and a.guard_rail == "low_watermark" for a in late.actions)
    assert util(late, HOT)[1] == 0.3


def test_no_flapping_when_load_wobbles_around_the_high_watermark():
    net = two_links(hold_time_s=1800.0)
    previous, changes = None, []
    for step in range(40):  # 30 s cycles for 20 minutes, load alternating 88% / 92%
        rate = 0.92e9 if step % 2 == 0 else 0.88e9
        load = make_load([(p, rate, HOT, [SPARE]) for p in prefixes(10)], timestamp=NOW + 30 * step)
        result = plan(net, load, previous, (), NOW + 30 * step)
        if previous is not None and result.intents != previous.intents:
            changes.append(step)
        previous = result
    assert changes == [] and previous.intents  # shifted once at step 0, never undone or redone


def test_previous_detours_of_vanished_prefixes_are_removed_with_a_reason():
    net = two_links()
    stale = Detour("ams-r1", "et-0/0/1", "203.0.113.0/24", HOT, 200)
    from trafficshift.model.plan import Plan, intent_key

    previous = Plan(created=NOW - 60, status="ok", intents=(stale,), since={intent_key(stale): NOW - 60})
    result = plan(net, make_load([(p, 1e9, HOT, [SPARE]) for p in prefixes(5)]), previous, (), NOW)
    assert result.intents == ()
    [action] = result.actions
    assert action.verb == "remove" and "no longer in the load" in action.reason


def test_ipv6_prefixes_split_no_finer_than_slash_48():
    demands = [("2001:db8::/46", 9.6e9, HOT, [SPARE]), ("198.19.0.0/24", 5e9, SPARE, [])]  # SPARE: 3G of room
    result = plan(two_links(split_threshold_bps=1e9), make_load(demands), None, (), NOW)
    assert [i.prefix for i in result.intents] == ["2001:db8::/48"]  # 2.4 Gbps quarter

    demands[0] = ("2001:db8::/48", 9.6e9, HOT, [SPARE])
    result = plan(two_links(split_threshold_bps=1e9), make_load(demands), None, (), NOW)
    assert result.intents == () and util(result, HOT)[1] == 0.96


def test_overlapping_previous_detours_of_one_prefix_keep_only_the_first():
    from trafficshift.model.plan import Plan

    whole = Detour("ams-r1", "et-0/0/1", "198.18.0.0/23", HOT, 200)
    half = Detour("ams-r1", "et-0/0/2", "198.18.0.0/24", HOT, 200)
    previous = Plan(created=NOW - 60, status="ok", intents=(whole, half))
    demands = [("198.18.0.0/23", 9.5e9, HOT, [SPARE, BACKUP])]
    result = plan(two_links(split_threshold_bps=1e9), make_load(demands), previous, (), NOW)
    assert len(result.intents) == 1
    assert any(a.verb == "remove" and "already moves" in a.reason for a in result.actions)


def test_expected_link_load_follows_the_active_detours():
    from trafficshift.model.projection import expected_link_load

    net = two_links()
    load = make_load([(p, 1e9, HOT, [SPARE]) for p in prefixes(10)])
    active = plan(net, load, None, (), NOW)
    assert expected_link_load(net, load, None)[HOT] == 10e9
    expected = expected_link_load(net, load, active)
    assert expected[HOT] == 8e9 and expected[SPARE] == 2e9
    assert expected == {u.id: u.after_bps for u in active.links}


def test_a_receiver_past_the_high_watermark_gives_old_detours_back_and_the_source_moves_elsewhere():
    net = two_links()
    first = plan(net, make_load([(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]), None, (), NOW)
    assert {i.link for i in first.intents} == {"et-0/0/1"}  # 2 Gbps went to SPARE

    # SPARE's own traffic grew to 8.5 Gbps: with both detours it would carry 105%
    grown = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)] + [("203.0.113.0/24", 8.5e9, SPARE, [])]
    young = plan(net, make_load(grown), first, (), NOW + 30)  # within hold time: detours stay
    assert young.intents == first.intents and util(young, SPARE)[1] == 1.05
    second = plan(net, make_load(grown), first, (), NOW + 3600)
    assert util(second, SPARE)[1] <= 0.9 and util(second, HOT)[1] <= 0.8
    assert {i.link for i in second.intents} >= {"et-0/0/2"}
    assert any(a.verb == "remove" and a.guard_rail == "overload_threshold" for a in second.actions)


def test_an_ipv6_prefix_is_never_detoured_onto_a_link_without_an_ipv6_session():
    net = make_network({HOT: ("transit", 10e9), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                       ipv4_only=(SPARE,), max_moved_fraction=1.0)
    demands = [("2001:db8:1::/48", 1.5e9, HOT, [SPARE, BACKUP]), ("198.18.0.0/24", 8e9, HOT, [])]
    result = plan(net, make_load(demands), None, (), NOW)
    # SPARE is preferred but cannot carry IPv6 routes: the prefix goes to BACKUP
    assert [(i.prefix, i.link) for i in result.intents] == [("2001:db8:1::/48", "et-0/0/2")]

    only_ipv4 = [("2001:db8:1::/48", 1.5e9, HOT, [SPARE]), ("198.18.0.0/24", 8e9, HOT, [])]
    stuck = plan(net, make_load(only_ipv4), None, (), NOW)
    assert stuck.intents == () and stuck.status != "ok"


def test_a_load_that_shows_a_detoured_prefix_on_its_detour_keeps_the_detour():
    # a flow collector reports where traffic actually leaves: after the detour, the prefix shows on SPARE;
    # that is the previous plan in effect, not a new preferred path, so the detour stays (no flap)
    rates = [3e9, 2e9, 1.5e9, 1e9, 1e9, 0.5e9, 0.5e9]
    names = prefixes(7)
    first = plan(two_links(), make_load([(p, bps, HOT, [SPARE]) for p, bps in zip(names, rates)]), None, (), NOW)
    assert [i.prefix for i in first.intents] == [names[2]]
    actual = make_load([(p, bps, SPARE if p == names[2] else HOT, [HOT] if p == names[2] else [SPARE])
                        for p, bps in zip(names, rates)], timestamp=NOW + 30)
    again = plan(two_links(), actual, first, (), NOW + 30)
    assert again.intents == first.intents
    assert util(again, HOT) == (0.8, 0.8)  # projected with the detour in effect, as before
    assert util(again, SPARE) == (0.15, 0.15)  # the 1.5 Gbps detoured prefix, counted once
    assert not [a for a in again.actions if a.verb == "remove"]


def test_no_detour_goes_to_an_alternate_whose_neighbor_does_not_send_the_prefix():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]  # 100%: two 1G prefixes must move
    first = plan(two_links(), make_load(demands), None, (), NOW)
    moved = sorted(i.prefix for i in first.intents)
    assert {f"{i.router}:{i.link}" for i in first.intents} == {SPARE} and len(moved) == 2
    # SPARE's router reports its neighbor does not send the first one: it goes to BACKUP instead
    refused = plan(two_links(), make_load(demands), None, (), NOW, routes=RouteFacts(not_sent=frozenset({(moved[0], SPARE)})))
    assert {(i.prefix, f"{i.router}:{i.link}") for i in refused.intents} == {(moved[0], BACKUP), (moved[1], SPARE)}
    (refusal,) = [a for a in refused.actions if a.guard_rail == "check_detour_routes" and a.verb == "refuse"
                  and a.intent is None and moved[0] in a.reason and "not planned" in a.reason]
    assert f"{SPARE}'s neighbor does not send {moved[0]}" in refusal.reason
    assert refused.status == "ok" and util(refused, HOT)[1] <= 0.80
    # the same pairs in another order give the same bytes
    facts = [("198.51.100.0/24", BACKUP), (moved[0], SPARE)]
    again = plan(two_links(), make_load(demands), None, (), NOW, routes=RouteFacts(not_sent=frozenset(facts[::-1])))
    assert again.to_json() == plan(two_links(), make_load(demands), None, (), NOW,
                                   routes=RouteFacts(not_sent=frozenset(facts))).to_json()


def test_a_link_whose_alternates_send_none_of_its_prefixes_stays_over_target_with_that_reason():
    demands = [(p, 1e9, HOT, [SPARE]) for p in prefixes(10)]
    not_sent = frozenset((p, SPARE) for p in prefixes(10))
    result = plan(two_links(), make_load(demands), None, (), NOW, routes=RouteFacts(not_sent=not_sent))
    assert result.intents == () and result.status == "partial"
    (stays,) = [a for a in result.actions if a.verb == "refuse" and "stays at" in a.reason]
    assert stays.guard_rail == "check_detour_routes" and "blocked by check_detour_routes" in stays.reason


def test_a_split_half_the_alternate_does_not_send_is_not_planned_the_other_half_is():
    demands = [("198.18.0.0/22", 9.6e9, HOT, [SPARE]), ("198.19.0.0/24", 5e9, SPARE, [])]
    net = two_links(split_threshold_bps=1e9)
    assert [i.prefix for i in plan(net, make_load(demands), None, (), NOW).intents] == ["198.18.0.0/24"]
    # the alternate announces the /22 only, not its /24 halves: the first half is refused, the next one tried
    result = plan(net, make_load(demands), None, (), NOW, routes=RouteFacts(not_sent=frozenset({("198.18.0.0/24", SPARE)})))
    assert [i.prefix for i in result.intents] == ["198.18.1.0/24"]


def test_a_previous_detour_whose_alternate_no_longer_sends_the_prefix_is_removed():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]
    first, _ = cycle(two_links(), make_load(demands))
    gone = first.intents[0]
    later = plan(two_links(), make_load(demands, timestamp=NOW + 60), first, (), NOW + 60,
                 routes=RouteFacts(not_sent=frozenset({(gone.prefix, f"{gone.router}:{gone.link}")})))
    (removed,) = [a for a in later.actions if a.verb == "remove" and a.guard_rail == "check_detour_routes"]
    assert removed.intent["prefix"] == gone.prefix and "no longer sends it" in removed.reason
    # the other detour stays; HOT back at 90% is not above the high watermark, so nothing new moves
    assert later.intents == first.intents[1:] and util(later, HOT)[1] == 0.9


def test_no_detour_goes_to_a_link_whose_bgp_session_is_down():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]
    result = plan(two_links(), make_load(demands), None, (), NOW, routes=RouteFacts(sessions_down=frozenset({SPARE})))
    assert {f"{i.router}:{i.link}" for i in result.intents} == {BACKUP} and util(result, HOT)[1] <= 0.80
    # said once for the link, not once per prefix
    (said,) = [a for a in result.actions if a.guard_rail == "check_detour_routes" and a.verb == "refuse"
               and a.reason.startswith("no detour")]
    assert said.reason == f"no detour to {SPARE}: its BGP session is down, its neighbor sends nothing"
    # a previous detour onto it is removed
    first = plan(two_links(), make_load(demands), None, (), NOW)
    later = plan(two_links(), make_load(demands, timestamp=NOW + 60), first, (), NOW + 60, routes=RouteFacts(sessions_down=frozenset({SPARE})))
    removed = [a for a in later.actions if a.verb == "remove" and a.guard_rail == "check_detour_routes"]
    assert removed and all("BGP session is down" in a.reason for a in removed)
    assert all(f"{i.router}:{i.link}" != SPARE for i in later.intents)


def test_no_detour_of_a_prefix_whose_more_specific_the_source_keeps():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]
    first = plan(two_links(), make_load(demands), None, (), NOW)
    kept = first.intents[0].prefix
    inside = kept.replace("/24", "/25")
    result = plan(two_links(), make_load(demands), None, (), NOW,
                  routes=RouteFacts(more_specifics=frozenset({(kept, HOT, inside)})))
    # no alternate helps: the more-specific's traffic would stay on HOT whatever P's best path is
    assert kept not in {i.prefix for i in result.intents} and util(result, HOT)[1] <= 0.80
    (said,) = [a for a in result.actions if a.verb == "refuse" and "more-specific" in a.reason]
    assert said.reason == (f"detour of {kept} from {HOT} not planned: {HOT}'s neighbor sends the more-specific "
                           f"{inside}, whose traffic would stay on {HOT}")
    # a previous detour of it is removed with the reason
    later = plan(two_links(), make_load(demands, timestamp=NOW + 60), first, (), NOW + 60,
                 routes=RouteFacts(more_specifics=frozenset({(kept, HOT, inside)})))
    (removed,) = [a for a in later.actions if a.verb == "remove" and a.guard_rail == "check_detour_routes"]
    assert removed.intent["prefix"] == kept and f"more-specific {inside}" in removed.reason


def test_route_facts_round_trip_sorted_whatever_order_they_were_gathered_in():
    facts = RouteFacts(frozenset({("b", "l2"), ("a", "l1")}), frozenset({"l3", "l1"}),
                       frozenset({("p", "l1", "q2"), ("p", "l1", "q1")}))
    assert facts.to_dict() == {"not_sent": [["a", "l1"], ["b", "l2"]], "sessions_down": ["l1", "l3"],
                               "more_specifics": [["p", "l1", "q1"], ["p", "l1", "q2"]]}
    assert RouteFacts.from_dict(facts.to_dict()) == facts and RouteFacts.from_dict(None) == RouteFacts()
    assert facts.more_specific("p", "l1") == "q1" and facts.more_specific("p", "l2") is None
    assert not RouteFacts() and facts.merged(RouteFacts()) == facts


def test_a_split_never_detours_a_half_that_is_a_demand_of_its_own():
    """Longest-prefix match: traffic to 198.18.0.0/24 follows that /24's own route (on BACKUP), so none of the
    /22's traffic is in it and a detour of it would move the other demand, not the /22's."""
    demands = [("198.18.0.0/22", 9.6e9, HOT, [SPARE]), ("198.19.0.0/24", 5e9, SPARE, []),
               ("198.18.0.0/24", 0.5e9, BACKUP, [])]
    network = two_links(split_threshold_bps=1e9)
    result, measured = cycle(network, make_load(demands))
    assert [i.prefix for i in result.intents] == ["198.18.1.0/24"]
    # the plan's own figures agree with its intents: HOT relieved by the half that moved
    assert util(result, HOT)[1] == 0.72 and result.moved_bps == 2.4e9
    # and the next cycle, measuring what the plan predicted, keeps it without a change
    again = plan(network, measured, result, (), NOW + 60)
    assert again.intents == result.intents and again.status == "ok"


def test_a_failed_link_capacity_0_has_its_prefixes_planned_away_first_and_receives_nothing():
    """Issue 20: capacity 0 marks a failed link. Its prefixes go to alternates before any overloaded link is
    relieved, nothing is detoured onto it, and the plan says why."""
    from trafficshift.present.table import format_plan

    network = make_network({HOT: ("transit", 0.0), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                           max_moved_fraction=1.0)
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(4)]
    demands += [(p, 0.5e9, BACKUP, [HOT]) for p in prefixes(19, "198.19.0.0")]  # BACKUP at 95%, only HOT as alternate
    result = plan(network, make_load(demands), None, (), NOW)

    assert {i.prefix for i in result.intents} == set(prefixes(4))
    assert {f"{i.router}:{i.link}" for i in result.intents} == {SPARE}  # first alternate, room for all four
    assert util(result, HOT) == (float("inf"), 0.0) and util(result, SPARE)[1] == 0.4
    said = [a.reason for a in result.actions if HOT in a.reason and "failed" in a.reason]
    assert f"{HOT} has failed (capacity 0): all 4000000000 bps of its prefixes planned onto alternates" in said
    # BACKUP's only alternate is the failed link: it stays hot, and the plan says what blocked it
    assert result.status == "partial" and BACKUP in " ".join(a.reason for a in result.actions if a.verb == "refuse")
    table = format_plan(result)
    assert any(line.startswith("link  " + HOT) and "failed" in line for line in table.splitlines())


def test_a_failed_link_whose_prefixes_have_no_room_is_partial_naming_what_is_left():
    network = make_network({HOT: ("transit", 0.0), SPARE: ("private", 10e9)}, max_moved_fraction=1.0)
    demands = [(p, 3e9, HOT, [SPARE]) for p in prefixes(4)]  # 12G for 8G of room
    result = plan(network, make_load(demands), None, (), NOW)
    assert len(result.intents) == 2 and result.status == "partial"
    (refusal,) = [a for a in result.actions if a.verb == "refuse" and a.reason.startswith(HOT)]
    assert refusal.reason == (f"{HOT} has failed (capacity 0): 6000000000 bps of its prefixes planned onto "
                              "alternates, 6000000000 bps have none with room: blocked by receiver_headroom")


def test_a_detour_onto_a_link_that_failed_since_is_removed_and_replanned():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(10)]
    first, measured = cycle(two_links(), make_load(demands))
    assert {f"{i.router}:{i.link}" for i in first.intents} == {SPARE}
    failed_spare = make_network({HOT: ("transit", 10e9), SPARE: ("private", 0.0), BACKUP: ("transit", 10e9)},
                                max_moved_fraction=1.0)
    later = plan(failed_spare, make_load(demands, timestamp=NOW + 60), first, (), NOW + 60)
    assert {f"{i.router}:{i.link}" for i in later.intents} == {BACKUP} and util(later, HOT)[1] <= 0.8
    removed = [a for a in later.actions if a.verb == "remove"]
    assert removed and all(f"its alternate {SPARE} has failed (capacity 0)" in a.reason for a in removed)


def test_a_link_hot_by_its_counter_but_not_by_its_prefix_sum_is_relieved():
    """Issue 20: the interface counter is what the router measured; per-prefix demand is a sampled estimate.
    A link at 98% by counter and 89.5% by the sum of its prefixes is overloaded: the estimates are scaled to
    the counter, the plan decides on the scaled figures and names both."""
    demands = [(p, 0.895e9, HOT, [SPARE]) for p in prefixes(10)]  # 8.95 Gbps: under the 90% watermark
    load = make_load(demands)
    load = load.model_copy(update={"links": {**load.links, HOT: load.links[HOT].model_copy(update={"out_bps": 9.8e9})}})
    result = plan(two_links(), load, None, (), NOW)

    assert util(result, HOT)[0] == pytest.approx(0.98) and util(result, HOT)[1] <= 0.8
    # each prefix is 0.98 Gbps scaled: two of them cover the 1.8 Gbps excess
    assert len(result.intents) == 2 and result.moved_bps == pytest.approx(1.96e9)
    (note,) = [a for a in result.actions if a.verb == "note"]
    assert note.reason == (f"{HOT}: counter 9.80 Gbit/s (98.0%), per-prefix sum 8.95 Gbit/s (89.5%): its "
                           "prefixes' estimates are scaled by 1.095 to the counter")
    # without the counter's word the same demands are left alone
    assert plan(two_links(), make_load(demands), None, (), NOW).intents == ()


def test_counters_that_have_not_seen_the_previous_detours_yet_scale_against_the_preferred_links():
    """A load source may lag the plan (the counter checks allow it): counters that still match the routing
    without the detours are compared with that routing, not taken for a 2x disagreement."""
    demands = [(p, 1e9, HOT, [SPARE]) for p in prefixes(10)]
    first, _ = cycle(two_links(), make_load(demands))
    lagging = make_load(demands, timestamp=NOW + 30)  # counters as before the detours: HOT 10G, SPARE 0
    again = plan(two_links(), lagging, first, (), NOW + 30)
    assert [a for a in again.actions if a.verb == "note"] == []
    assert again.intents == first.intents and util(again, HOT)[1] == util(first, HOT)[1] == 0.8


def test_relief_moves_the_closest_fitting_set_not_largest_first_plus_a_cover():
    """Issue 20: largest-first then 'the smallest prefix that covers the rest' moved 2.2 + 0.95 + 1.1 Gbps
    for 3.21 Gbps of excess; covering right after the first prefix moves 2.2 + 1.1."""
    big, cover, small = "198.18.0.0/24", "198.18.1.0/24", "198.18.2.0/24"
    demands = [(big, 2.2e9, HOT, [SPARE]), (cover, 1.1e9, HOT, [SPARE]), (small, 0.95e9, HOT, [SPARE])]
    demands += [(p, 1.392e9, HOT, [SPARE]) for p in prefixes(5, "198.19.0.0")]  # 11.21 Gbps: 112.1%
    result = plan(two_links(), make_load(demands), None, (), NOW)
    assert sorted(i.prefix for i in result.intents) == [big, cover]
    assert result.moved_bps == pytest.approx(3.3e9) and util(result, HOT)[1] <= 0.8


def test_whole_detours_that_move_less_than_the_greedy_picks_replace_them():
    """Excess 1.5 Gbps: largest first takes 1 Gbps, then 0.35 + 0.35 (1.7 in all); 0.8 + 0.7 is exact."""
    sizes = [1e9, 0.8e9, 0.7e9] + [0.35e9] * 20  # 9.5 Gbps on 10G
    demands = [(p, bps, HOT, [SPARE, BACKUP]) for p, bps in zip(prefixes(len(sizes)), sizes)]
    result = plan(two_links(), make_load(demands), None, (), NOW)

    assert result.status == "ok" and util(result, HOT) == (0.95, 0.8)
    assert result.moved_bps == pytest.approx(1.5e9)
    adds = [a for a in result.actions if a.verb == "add"]
    assert adds and all(a.reason.endswith("(with the least traffic moved: 1500000000 bps, one prefix at a time "
                                          "1700000000 bps)") for a in adds)
    # the more preferred alternate had room for all of it: a less preferred one costs more
    assert {f"{i.router}:{i.link}" for i in result.intents} == {SPARE}


def test_the_least_cost_detours_keep_every_alternate_within_its_limit():
    # SPARE has room for 0.6 Gbps only, BACKUP for plenty: 0.8 + 0.7 cannot both go to SPARE
    sizes = [1e9, 0.8e9, 0.7e9] + [0.35e9] * 20
    demands = [(p, bps, HOT, [SPARE, BACKUP]) for p, bps in zip(prefixes(len(sizes)), sizes)]
    demands += [("198.19.0.0/24", 7.4e9, SPARE, [])]
    result = plan(two_links(), make_load(demands), None, (), NOW)

    assert result.status == "ok" and util(result, HOT)[1] == 0.8 and result.moved_bps == pytest.approx(1.5e9)
    assert util(result, SPARE)[1] <= 0.8 and util(result, BACKUP)[1] <= 0.8


def test_an_overloaded_link_gets_room_that_only_its_alternates_shedding_first_makes():
    # HOT's 1.5G /24s can only go to SPARE, which has room for 1G: one at a time HOT stays at 95%; SPARE's
    # own 1G prefixes can go to BACKUP, so one leaves first and a 1.5G prefix fits
    demands = [(p, 1.5e9, HOT, [SPARE]) for p in prefixes(2)] + [("198.20.0.0/24", 6.5e9, HOT, [])]
    demands += [(p, 1e9, SPARE, [BACKUP]) for p in prefixes(7, "198.19.0.0")]
    result = plan(two_links(), make_load(demands), None, (), NOW)

    assert result.status == "ok" and util(result, HOT) == (0.95, 0.8)
    assert util(result, SPARE)[1] <= 0.8 and util(result, BACKUP)[1] <= 0.8
    assert result.moved_bps == pytest.approx(2.5e9)  # the least: one of SPARE's, one of HOT's
    adds = [a.reason for a in result.actions if a.verb == "add"]
    assert len(adds) == 2 and all(r.endswith(f"(one of the detours placed together to relieve {HOT})") for r in adds)


def test_overloaded_links_no_placement_brings_to_target_are_lowered_when_it_is_worth_it():
    # 10.5 Gbps on HOT: both 1.5G prefixes must go for 80%; BACKUP has room for one of SPARE's 1G prefixes,
    # after which SPARE has room for one of HOT's
    demands = [(p, 1.5e9, HOT, [SPARE]) for p in prefixes(2)] + [("198.20.0.0/24", 7.5e9, HOT, [])]
    demands += [(p, 1e9, SPARE, [BACKUP]) for p in prefixes(7, "198.19.0.0")]
    demands += [("198.21.0.0/24", 6.5e9, BACKUP, [])]
    result = plan(two_links(), make_load(demands), None, (), NOW)

    assert result.status == "partial" and util(result, HOT) == (1.05, 0.9)
    assert util(result, SPARE)[1] <= 0.8 and util(result, BACKUP)[1] <= 0.8
    adds = [a.reason for a in result.actions if a.verb == "add"]
    assert adds and all(r.endswith(f"to lower the worst of {HOT} from 105.0% to 90.0%)") for r in adds)
    (refusal,) = [a for a in result.actions if a.verb == "refuse" and a.reason.startswith(HOT)]
    assert refusal.reason.startswith(f"{HOT} stays at 90.0% (was 105.0%), above the target 80%")


def test_a_link_the_load_source_reports_down_is_failed_whatever_its_capacity():
    demands = [(p, 1e9, HOT, [SPARE, BACKUP]) for p in prefixes(3)]
    load = make_load(demands)
    load = load.model_copy(update={"links": {**load.links, HOT: load.links[HOT].model_copy(update={"up": False})}})
    result = plan(two_links(), load, None, (), NOW)
    assert {i.prefix for i in result.intents} == set(prefixes(3))
    assert util(result, HOT) == (float("inf"), 0.0)  # no capacity while down
    assert f"{HOT} has failed (reported down by the load source): all 3000000000 bps of its prefixes planned " \
           "onto alternates" in [a.reason for a in result.actions]


def test_a_prefix_whose_only_alternate_is_full_gets_room_when_another_detour_can_move_on():
    """First fit put the bigger prefix on the shared alternate; the smaller one, with no other alternate,
    would stay on the failed link. The bigger one moves on to its second alternate instead."""
    network = make_network({HOT: ("transit", 0.0), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                           max_moved_fraction=1.0)
    big, small = "198.18.0.0/24", "198.18.1.0/24"
    demands = [(big, 3e9, HOT, [SPARE, BACKUP]), (small, 2e9, HOT, [SPARE]), ("198.19.0.0/24", 4e9, SPARE, [])]
    result = plan(network, make_load(demands), None, (), NOW)
    assert {(i.prefix, f"{i.router}:{i.link}") for i in result.intents} == {(big, BACKUP), (small, SPARE)}
    assert result.status == "ok" and util(result, SPARE)[1] == 0.6 and util(result, BACKUP)[1] == 0.3
    adds = [a.reason for a in result.actions if a.verb == "add"]
    assert len(adds) == 2 and any(f"{big}" in r and f"to {BACKUP}" in r and f"room on {SPARE} for {small}" in r
                                  for r in adds)


def test_a_failed_links_prefixes_get_room_that_only_other_prefixes_moving_first_make():
    network = make_network({HOT: ("transit", 0.0), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                           max_moved_fraction=1.0)
    # HOT's two 2G prefixes can only go to SPARE, which carries 7G of its own (room for 1G): one at a time
    # they stay stranded; SPARE's 1G prefixes can go to BACKUP, so three of them leave first
    demands = [(p, 2e9, HOT, [SPARE]) for p in prefixes(2)]
    demands += [(p, 1e9, SPARE, [BACKUP]) for p in prefixes(7, "198.19.0.0")]
    result = plan(network, make_load(demands), None, (), NOW)

    assert result.status == "ok" and util(result, HOT)[1] == 0.0
    assert util(result, SPARE)[1] <= 0.8 and util(result, BACKUP)[1] <= 0.8
    moved_to = {i.prefix: f"{i.router}:{i.link}" for i in result.intents}
    assert all(moved_to[p] == SPARE for p in prefixes(2))
    assert sum(1 for p in prefixes(7, "198.19.0.0") if moved_to.get(p) == BACKUP) == 3  # the least that makes room
    assert result.moved_bps == 7e9
    assert all("placed together with the rest of failed" in a.reason for a in result.actions if a.verb == "add")


def test_what_no_joint_placement_can_take_off_a_failed_link_is_lowered_and_named():
    network = make_network({HOT: ("transit", 0.0), SPARE: ("private", 10e9), BACKUP: ("transit", 10e9)},
                           max_moved_fraction=1.0)
    # room for one of HOT's 2G prefixes once SPARE's 1G ones leave for BACKUP, which has 3G of room
    demands = [(p, 2e9, HOT, [SPARE]) for p in prefixes(3)]
    demands += [(p, 1e9, SPARE, [BACKUP]) for p in prefixes(7, "198.19.0.0")]
    demands += [(p, 1e9, BACKUP, []) for p in prefixes(5, "198.20.0.0")]
    result = plan(network, make_load(demands), None, (), NOW)

    assert result.status == "partial" and util(result, SPARE)[1] <= 0.8 and util(result, BACKUP)[1] <= 0.8
    (refusal,) = [a for a in result.actions if a.verb == "refuse" and a.reason.startswith(HOT)]
    assert refusal.reason.endswith("2000000000 bps have none with room: blocked by receiver_headroom")
