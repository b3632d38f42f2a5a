"""Operator controls: drain / undrain, freeze, pins, and their dict round trip."""
from __future__ import annotations

import pytest
from planner_scenarios import NOW, cycle, make_load, make_network, prefixes, util

from trafficshift.model.controls import (Drain, Freeze, PinIntent, PinPrefix, Undrain, control_from_dict,
                                         controls_from_list, controls_to_list)
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.planner import plan

A, B, C = "ams-r1:et-0/0/0", "ams-r1:et-0/0/1", "fra-r1:et-0/0/0"
POOLS = {"bulk": (10, ["ams", "fra", "par"]), "paid": (50, ["ams", "fra", "par"])}


def network(**policy):
    return make_network({A: ("transit", 10e9), B: ("private", 10e9), C: ("transit", 10e9), "par-r1:et-0/0/0": ("transit", 10e9)},
                        sites={"ams": 10e9, "fra": 40e9, "par": 40e9}, neighbors={"ams": ["fra", "par"]}, pools=POOLS,
                        **{"max_moved_fraction": 1.0, **policy})


def busy_load():
    return make_load([(p, 0.5e9, A, [B, C]) for p in prefixes(8)],
                     {"ams": {"bulk": 2e9, "paid": 2e9}, "fra": {"bulk": 1e9}, "par": {"bulk": 1e9}})


def test_drain_link_moves_at_most_one_step_per_cycle_until_the_link_is_empty():
    net, load = network(drain_step_fraction=0.25), busy_load()
    previous, carried = None, []
    for step in range(6):
        previous, load = cycle(net, load, previous, [Drain("link", A)], NOW + 30 * step)
        carried.append(util(previous, A)[1])
    assert carried[:4] == [0.3, 0.2, 0.1, 0.0]  # 4 Gbps natural: 1 Gbps (25%) per cycle
    assert carried[4:] == [0.0, 0.0] and previous.status == "ok"
    assert {f"{i.router}:{i.link}" for i in previous.intents} <= {B, C}


def test_drain_site_prepends_one_step_per_cycle_then_withdraws_every_link():
    net, load = network(max_prepend=2), busy_load()
    previous, levels = None, []
    for step in range(5):
        previous, load = cycle(net, load, previous, [Drain("site", "ams")], NOW + 30 * step)
        ingress = sorted(i for i in previous.intents if not isinstance(i, Detour))
        levels.append({(i.link, i.pool): (i.count if isinstance(i, Prepend) else "withdraw") for i in ingress})
    every = [(link, pool) for link in ("et-0/0/0", "et-0/0/1") for pool in ("bulk", "paid")]
    assert levels[0] == dict.fromkeys(every, 1)
    assert levels[1] == dict.fromkeys(every, 2)
    # withdrawal of a pool from ams uses its one allowed site (max_withdraw_sites=1): all links, both pools
    assert levels[2] == levels[3] == levels[4] == dict.fromkeys(every, "withdraw")
    assert util(previous, "ams")[1] == 0.0 and util(previous, A)[1] == 0.0


def test_undrain_brings_traffic_back_gradually_without_overloading_the_element():
    net, load = network(drain_step_fraction=0.5), busy_load()
    previous = None
    for step in range(3):
        previous, load = cycle(net, load, previous, [Drain("link", A)], NOW + 30 * step)
    assert util(previous, A)[1] == 0.0
    back = []
    for step in range(3, 6):
        previous, load = cycle(net, load, previous, [Undrain("link", A)], NOW + 30 * step)
        back.append(util(previous, A)[1])
    assert back == [0.2, 0.4, 0.4]  # 2 Gbps (50% of 4) per cycle, and never past it
    assert all(u <= 0.8 for u in back)


def test_freeze_removes_every_override_and_stops_automation():
    net, load = network(), busy_load()
    first = plan(net, make_load([(p, 1e9, A, [B]) for p in prefixes(10)]), None, (), NOW)
    assert first.intents
    frozen = plan(net, load, first, [Freeze("incident 42")], NOW + 30)
    assert frozen.status == "frozen" and frozen.intents == () and frozen.since == {}
    assert len(frozen.actions) == len(first.intents)
    assert all(a.verb == "remove" and "incident 42" in a.reason for a in frozen.actions)


def test_pinned_prefix_never_moves_and_pinned_intent_is_always_kept():
    net = network()
    demands = [(p, 1e9, A, [B]) for p in prefixes(10)]
    first = plan(net, make_load(demands), None, (), NOW)
    moved = {i.prefix for i in first.intents}

    pinned = plan(net, make_load(demands), None, [PinPrefix(p) for p in sorted(moved)], NOW)
    assert {i.prefix for i in pinned.intents}.isdisjoint(moved) and util(pinned, A)[1] <= 0.8

    keep = Prepend("ams-r1", "et-0/0/0", "paid", 2)
    quiet = make_load([(p, 0.1e9, A, [B]) for p in prefixes(2)], {"ams": {"bulk": 1e9}})
    result = plan(net, quiet, None, [PinIntent(keep)], NOW)
    assert result.intents == (keep,)
    assert any(a.verb == "keep" and "operator pin" in a.reason for a in result.actions)


@pytest.mark.parametrize("control", [
    Drain("site", "ams"), Undrain("router", "ams-r1"), Drain("link", A), Freeze("maintenance"),
    PinPrefix("198.18.0.0/24"), PinIntent(Withdraw("ams-r1", "et-0/0/0", "bulk")),
    PinIntent(Detour("ams-r1", "et-0/0/1", "198.18.0.0/24", A, 200)),
])
def test_controls_round_trip_through_dicts(control):
    assert control_from_dict(control.to_dict()) == control
    assert controls_from_list(controls_to_list([control])) == (control,)


def test_invalid_controls_are_rejected():
    with pytest.raises(ValueError, match="element must be one of"):
        Drain("pop", "ams")
    with pytest.raises(ValueError, match="unknown control kind"):
        control_from_dict({"kind": "explode"})
    with pytest.raises(ValueError):
        PinPrefix("198.18.0.1/24")


def test_drain_router_drains_each_of_its_links_and_they_receive_nothing():
    net = network(drain_step_fraction=1.0)
    load = make_load([(p, 0.5e9, A, [B, C]) for p in prefixes(4)] + [(p, 0.5e9, C, [A, B]) for p in prefixes(4, "198.19.0.0")])
    result = plan(net, load, None, [Drain("router", "ams-r1")], NOW)
    assert util(result, A)[1] == 0.0 and util(result, B)[1] == 0.0
    assert {f"{i.router}:{i.link}" for i in result.intents} == {C}


def test_undrain_site_steps_prepends_back_down_one_per_cycle():
    net, load = network(max_prepend=2), busy_load()
    previous = None
    for step in range(2):
        previous, load = cycle(net, load, previous, [Drain("site", "ams")], NOW + 30 * step)
    assert {i.count for i in previous.intents if isinstance(i, Prepend)} == {2}
    previous, load = cycle(net, load, previous, [Undrain("site", "ams")], NOW + 60)
    assert {i.count for i in previous.intents if isinstance(i, Prepend)} == {1}
    previous, load = cycle(net, load, previous, [Undrain("site", "ams")], NOW + 90)
    assert not [i for i in previous.intents if isinstance(i, Prepend)]
    assert util(previous, "ams")[1] == 0.4  # all 4 Gbps back, well under target


def test_pinned_detour_is_installed_and_a_drained_alternate_loses_its_detours():
    pin = Detour("ams-r1", "et-0/0/1", prefixes(1)[0], A, 200)
    load = make_load([(p, 0.1e9, A, [B, C]) for p in prefixes(3)])
    result = plan(network(), load, None, [PinIntent(pin)], NOW)
    assert result.intents == (pin,) and util(result, B)[1] == 0.01

    moved = plan(network(), make_load([(p, 1e9, A, [B]) for p in prefixes(10)]), None, (), NOW)
    assert moved.intents
    drained = plan(network(), make_load([(p, 1e9, A, [B]) for p in prefixes(10)]), moved, [Drain("link", B)], NOW + 30)
    assert not [i for i in drained.intents if f"{i.router}:{i.link}" == B]
    assert any(a.verb == "remove" and "being drained" in a.reason for a in drained.actions)
