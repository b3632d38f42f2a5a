"""Property-based invariants of the planner on random small networks and loads. The example count comes from
the Hypothesis profile (tests/conftest.py): 60 fixed examples under `ci`, 2,000 random ones under `explore`."""
from __future__ import annotations

import msgspec
from hypothesis import example, given
from hypothesis import strategies as st
from planner_scenarios import NOW, cycle, make_load, make_network, prefixes

from trafficshift.model.plan import Detour, intent_key
from trafficshift.planner import plan
from trafficshift.model.projection import apply_plan
from trafficshift.tolerance import exceeds

SITES = ("ams", "fra", "par", "lon")
KINDS = ("transit", "private", "public-ix")
ROUNDING = 1e-3  # plans round bits per second to 3 decimals


@st.composite
def scenarios(draw, roomy_alternate: bool = False):
    sites = SITES[: draw(st.integers(2, 4))]
    links = {}
    for site in sites:
        for k in range(draw(st.integers(1, 3))):
            links[f"{site}-r1:et-0/0/{k}"] = (draw(st.sampled_from(KINDS)), draw(st.sampled_from([1e9, 10e9, 40e9])))
    if roomy_alternate:
        links["zzz-r1:et-0/0/0"] = ROOMY  # room for everything: relief is always feasible
    ids = sorted(links)
    demands = []
    for prefix in prefixes(draw(st.integers(1, 30))):
        link = draw(st.sampled_from(ids))
        alternates = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
        alternates = [a for a in alternates if a != link]
        if roomy_alternate and link != "zzz-r1:et-0/0/0":
            alternates.append("zzz-r1:et-0/0/0")
        demands.append((prefix, draw(st.floats(0, 8e9, allow_nan=False)), link, alternates))
    pools = {"bulk": (10, list(sites)), "paid": (20, list(sites[:2]))}
    site_pools = {}
    for site in sites:
        site_pools[site] = {"bulk": draw(st.floats(0, 30e9))}
        if site in sites[:2]:
            site_pools[site]["paid"] = draw(st.floats(0, 30e9))
    neighbors = {s: [t for t in sites if t != s] for s in sites}
    policy = {
        "receiver_headroom": draw(st.sampled_from([0.0, 0.05])),
        "max_moved_fraction": draw(st.sampled_from([0.1, 1.0])),
        "max_overrides": draw(st.sampled_from([3, 2000])),
        "max_prepend": draw(st.integers(1, 3)),
        "split_threshold_bps": draw(st.sampled_from([1e9, 10e9])),
    }
    if roomy_alternate:
        policy.update(ROOMY_POLICY)
    network = make_network(links, sites={s: 40e9 for s in sites}, neighbors=neighbors, pools=pools, **policy)
    return network, make_load(demands, site_pools)


ROOMY = ("transit", 10e12)
ROOMY_POLICY = dict(max_moved_fraction=1.0, max_overrides=2000, max_shifting_elements=100, max_plan_change=1000)


def one_hot_link(capacity: float, demands: tuple[float, ...]):
    """One link carrying `demands` (/24s), each with the roomy alternate; everything may move."""
    network = make_network({"ams-r1:et-0/0/0": ("transit", capacity), "zzz-r1:et-0/0/0": ROOMY},
                           split_threshold_bps=capacity, **ROOMY_POLICY)
    return network, make_load([(prefix, bps, "ams-r1:et-0/0/0", ["zzz-r1:et-0/0/0"])
                               for prefix, bps in zip(prefixes(len(demands)), demands)])


#: issue 23: Hypothesis found a link left 1.2 bps above target in a plan called "ok": the float sums of the
#: moved demands tripped an everything-allowed budget (max_moved_fraction 1.0) through an absolute 1e-6 bps
#: tolerance. The issue's figures, as printed (rounded), and the same shape at 10 Gbit/s, where the rounded
#: figures still trip the old comparison (it left the link at 81.3% "blocked by max_moved_fraction").
BUDGET_ROUNDING = [
    one_hot_link(1e9, (800_000_001.215, 1.154, 3_424_924_625.9, 211_444_545.1)),
    one_hot_link(10e9, (8_127_522_045.863, 11.939, 31_820_934_935.339, 2_068_108_488.894)),
]


#: found by `make explore`: a 1 bps detour onto a receiver at exactly its limit (8 Gbit/s of 10) leaves it
#: 1 bps over: within the shared tolerance (1e-9 of 8e9 is 8 bps), so not a receiver pushed over target
RECEIVER_AT_ITS_LIMIT = (
    make_network({"ams-r1:et-0/0/0": ("transit", 1e9), "ams-r1:et-0/0/1": ("transit", 10e9)},
                 max_moved_fraction=0.1, max_overrides=3, max_prepend=1, split_threshold_bps=1e9),
    make_load([("198.18.0.0/24", 1.0, "ams-r1:et-0/0/0", ["ams-r1:et-0/0/1"]),
               ("198.18.10.0/24", 899_998_720.0, "ams-r1:et-0/0/0", []),
               ("198.18.11.0/24", 1280.0, "ams-r1:et-0/0/0", []),
               ("198.18.15.0/24", 8e9, "ams-r1:et-0/0/1", [])]),
)


def left_above_target(network, result) -> list:
    """Elements the plan found overloaded and leaves above target."""
    policy = network.policy
    return [u for u in result.links + result.sites
            if exceeds(u.before_bps, policy.overload_threshold * u.capacity_bps)
            and exceeds(u.after_bps, policy.target_utilization * u.capacity_bps)]


@given(scenarios())
def test_same_inputs_give_the_same_bytes(scenario):
    network, load = scenario
    assert plan(network, load, None, (), NOW).to_json() == plan(network, load, None, (), NOW).to_json()


@given(scenarios())
@example(RECEIVER_AT_ITS_LIMIT)
def test_receivers_are_never_pushed_over_target_and_caps_hold(scenario):
    network, load = scenario
    policy = network.policy
    result = plan(network, load, None, (), NOW)
    limit = policy.target_utilization - policy.receiver_headroom
    for u in result.links + result.sites:
        if u.after_bps > u.before_bps + ROUNDING:  # gained traffic: a receiver
            assert not exceeds(u.after_bps, limit * u.capacity_bps + ROUNDING), u
    if result.status == "ok":
        assert len(result.intents) <= policy.max_overrides
        egress = sum(d.bps for d in load.egress)
        ingress = sum(s.ingress_bps for s in load.sites.values())
        assert not exceeds(result.moved_bps, policy.max_moved_fraction * (egress + ingress) + ROUNDING)


@given(scenarios())
def test_an_element_left_above_target_makes_the_plan_partial_and_is_named_in_a_refusal(scenario):
    network, load = scenario
    result = plan(network, load, None, (), NOW)
    if result.status not in ("ok", "partial"):
        return  # a rail held the whole cycle (circuit breaker, plan change): the previous intents stand
    refusals = " ".join(a.reason for a in result.actions if a.verb == "refuse")
    left = left_above_target(network, result)
    assert result.status == ("partial" if left else "ok"), left
    for u in left:
        assert f"{u.id} stays at" in refusals, u


@given(scenarios(roomy_alternate=True))
@example(BUDGET_ROUNDING[0])
@example(BUDGET_ROUNDING[1])
def test_no_link_above_target_when_relief_is_feasible(scenario):
    network, load = scenario
    result = plan(network, load, None, (), NOW)
    left = left_above_target(network, result)
    assert [u for u in left if u in result.links] == []
    # sites can stay above target (a pool shifts in prepend steps): the plan then says so
    assert result.status == ("partial" if left else "ok"), left


@given(scenarios())
def test_replanning_the_applied_plan_changes_nothing(scenario):
    network, load = scenario
    first, measured = cycle(network, load)
    second = plan(network, measured, first, (), NOW + 30)
    assert {shift_slot(i) for i in first.intents} <= {shift_slot(i) for i in second.intents}
    assert all(second.since[k] == v for k, v in first.since.items() if k in second.since)
    assert not [a for a in second.actions if a.verb == "remove"]
    # a cap or a full receiver that stopped the first cycle short lets the next one go on (progress, not
    # churn); when the first cycle finished its job, the second changes nothing at all
    if not any(u.after > network.policy.overload_threshold for u in first.links + first.sites):
        assert second.intents == first.intents and not [a for a in second.actions if a.verb == "add"]


@given(scenarios())
def test_every_added_intent_has_an_action_with_a_reason(scenario):
    network, load = scenario
    result = plan(network, load, None, (), NOW)
    if result.status == "ok":
        added = {intent_key_of(a.intent) for a in result.actions if a.verb == "add" and a.intent}
        assert {intent_key(i) for i in result.intents} <= added
    assert all(a.reason for a in result.actions)


def intent_key_of(data: dict) -> str:
    from trafficshift.model.plan import intent_from_dict

    return intent_key(intent_from_dict(data))


@given(scenarios(), st.lists(st.floats(0.9, 1.1), min_size=5, max_size=20))
def test_no_shift_is_undone_within_hold_time_while_load_wobbles(scenario, factors):
    network, load = scenario
    previous, seen = None, set()
    for step, factor in enumerate(factors):  # 30 s cycles: all within the 1800 s hold time
        wobbled = load.model_copy(update={
            "egress": tuple(msgspec.structs.replace(d, bps=d.bps * factor) for d in load.egress),
            "sites": {s: v.model_copy(update={"pools": {p: bps * factor for p, bps in v.pools.items()},
                                              "ingress_bps": v.ingress_bps * factor}) for s, v in load.sites.items()},
        })
        measured = apply_plan(network, wobbled, previous) if previous is not None else wobbled
        result = plan(network, measured, previous, (), NOW + 30 * step)
        keys = {shift_slot(i) for i in result.intents}
        assert seen <= keys, "a shift was removed within its hold time"
        seen, previous = keys, result


@given(scenarios(), st.data())
def test_drains_never_push_receivers_over_target(scenario, data):
    from trafficshift.model.controls import Drain

    network, load = scenario
    element = data.draw(st.sampled_from(["site", "router", "link"]))
    names = {"site": sorted(network.sites), "router": sorted(network.routers), "link": network.link_ids()}[element]
    control = Drain(element, data.draw(st.sampled_from(names)))
    result = plan(network, load, None, [control], NOW)
    limit = network.policy.target_utilization - network.policy.receiver_headroom
    for u in result.links + result.sites:
        if u.after_bps > u.before_bps + ROUNDING:
            assert not exceeds(u.after_bps, limit * u.capacity_bps + ROUNDING), u


def shift_slot(intent) -> tuple:
    """What a shift acts on; escalating a prepend to a withdrawal keeps the slot (it is not undone)."""
    if isinstance(intent, Detour):
        return ("detour", intent.prefix)
    return ("anycast", intent.router, intent.link, intent.pool)
