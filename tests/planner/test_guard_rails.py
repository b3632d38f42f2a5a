"""Guard rails: each one acts, holds what it must, and is named in the plan."""
from __future__ import annotations

from planner_scenarios import NOW, make_load, make_network, prefixes, util

from trafficshift.planner import plan
from trafficshift.tolerance import slack

HOT, SPARE = "ams-r1:et-0/0/0", "ams-r1:et-0/0/1"


def many_hot_links(count: int, **policy):
    """`count` sites, each with one link at 100% and one empty alternate."""
    links = {}
    demands = []
    for k in range(count):
        hot, spare = f"s{k:02d}-r1:et-0/0/0", f"s{k:02d}-r1:et-0/0/1"
        links[hot], links[spare] = ("transit", 10e9), ("private", 10e9)
        demands += [(p, 1e9, hot, [spare]) for p in prefixes(10, f"10.{k}.0.0")]
    return make_network(links, **{"max_moved_fraction": 1.0, **policy}), make_load(demands)


def guard_rails(result) -> set[str]:
    return {a.guard_rail for a in result.actions if a.guard_rail}


def test_fail_static_keeps_previous_intents_and_adds_nothing():
    net, load = many_hot_links(2)
    first = plan(net, load, None, (), NOW)
    worse = make_load([(d.prefix, d.bps * 1.5, d.link, [a.link for a in d.alternates]) for d in load.egress])

    held = plan(net, worse, first, (), NOW + 30, stale_reasons=["load is 900s old (max 300s)"])
    assert held.status == "fail-static"
    assert held.intents == first.intents and held.since == first.since
    refusal = [a for a in held.actions if a.verb == "refuse"]
    assert [a.guard_rail for a in refusal] == ["fail_static"] and "900s old" in refusal[0].reason


def test_circuit_breaker_holds_previous_intents_when_too_many_elements_would_shift():
    net, load = many_hot_links(5, max_shifting_elements=4)
    result = plan(net, load, None, (), NOW)
    assert result.status == "circuit-breaker" and result.intents == ()
    assert guard_rails(result) == {"max_shifting_elements"}
    assert all(util(result, f"s{k:02d}-r1:et-0/0/0")[1] == 1.0 for k in range(5))

    net, load = many_hot_links(4, max_shifting_elements=4)
    assert plan(net, load, None, (), NOW).status == "ok"


def test_plan_change_limit_refuses_a_large_jump_and_holds_the_previous_plan():
    net, load = many_hot_links(3, max_plan_change=5)
    result = plan(net, load, None, (), NOW)  # 3 links x 2 detours = 6 new intents
    assert result.status == "refused" and result.intents == ()
    assert guard_rails(result) == {"max_plan_change"}

    net, load = many_hot_links(3, max_plan_change=6)
    assert plan(net, load, None, (), NOW).status == "ok"


def test_cap_on_traffic_moved_per_cycle():
    net, load = many_hot_links(4, max_moved_fraction=0.1)  # 40 Gbps of demand: 4 Gbps may move
    result = plan(net, load, None, (), NOW)
    assert result.moved_bps <= 4e9
    assert "max_moved_fraction" in guard_rails(result)
    assert result.status == "partial"  # links stay above target: the cap allowed no more


def test_cap_on_number_of_overrides():
    net, load = many_hot_links(4, max_overrides=5)
    result = plan(net, load, None, (), NOW)
    assert len(result.intents) == 5
    assert "max_overrides" in guard_rails(result)


def test_receiver_headroom_is_named_when_it_stops_a_move():
    net = make_network({HOT: ("transit", 10e9), SPARE: ("private", 10e9)}, receiver_headroom=0.75, max_moved_fraction=1.0)
    result = plan(net, make_load([(p, 1e9, HOT, [SPARE]) for p in prefixes(10)]), None, (), NOW)
    assert len(result.intents) == 0 or util(result, SPARE)[1] <= 0.05 + 1e-9
    assert "receiver_headroom" in guard_rails(result)
    assert any(a.verb == "refuse" and HOT in a.reason for a in result.actions)


#: 1-9 Tbit/s with awkward digits: summed largest first (the planner's order) they give another double than
#: in load order (the budget's); an absolute 1e-6 bps tolerance refused the last move
AWKWARD_TBPS = (3590662118665.299, 2206793391396.016, 6207475784318.83, 1579490293340.342, 5287056034453.514,
                3925511335300.684, 1463991398197.654, 5059485865515.361, 1299965267535.879, 4469165469299.087,
                1558843388596.952, 1725704106750.92)


def everything_must_move(**policy):
    """One 1 Gbit/s link with 12 demands, each alone above target, so relief moves every one of them."""
    demands = [(p, bps, HOT, [SPARE]) for p, bps in zip(prefixes(len(AWKWARD_TBPS)), AWKWARD_TBPS)]
    net = make_network({HOT: ("transit", 1e9), SPARE: ("private", 100e12)}, **{"max_moved_fraction": 1.0, **policy})
    return net, make_load(demands)


def test_budgets_at_their_limit_allow_exactly_that_much():
    net, load = everything_must_move()
    result = plan(net, load, None, (), NOW)
    hot = next(u for u in result.links if u.id == HOT)
    assert result.status == "ok" and len(result.intents) == 12 and abs(hot.after_bps) <= slack(hot.before_bps)
    assert guard_rails(result) == set()

    net, load = everything_must_move(max_overrides=12)
    assert plan(net, load, None, (), NOW).status == "ok"
    net, load = everything_must_move(max_overrides=11)
    short = plan(net, load, None, (), NOW)
    assert short.status == "partial" and len(short.intents) == 11 and guard_rails(short) == {"max_overrides"}
