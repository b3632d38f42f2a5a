"""Every identifier that can reach a router config is harmless: only [A-Za-z0-9._:/-] gets through.

Checked on the model itself (the first line of defence, so code that builds models directly is covered
too) and through parse_network/parse_load, with hostile look-alikes and with generated text.
"""
from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trafficshift.errors import ValidationError
from trafficshift.model import Load, Network
from trafficshift.validation import SAFE_TEXT, parse_load, parse_network

from validation_examples import example_load, example_network

LINK = ("routers", "ams01-r1", "links", "et-0/0/1")


def _link(data):
    return data["routers"]["ams01-r1"]["links"]["et-0/0/1"]


def _new_router(data, name):
    data["routers"][name] = {**copy.deepcopy(data["routers"]["ams01-r1"]), "router_id": "192.0.2.99", "links": {}}


def _new_link(data, ifname):
    data["routers"]["ams01-r1"]["links"][ifname] = {**copy.deepcopy(_link(data)), "neighbor": "100.64.99.1"}


#: position -> (setter, path prefix its problems are reported under)
NETWORK_POSITIONS = {
    "site name": (lambda d, x: d["sites"].__setitem__(x, {"ingress_capacity_bps": 1}), "traffic:sites:"),
    "router name": (_new_router, "traffic:routers:"),
    "interface name": (_new_link, "traffic:routers:ams01-r1:links:"),
    "peer": (lambda d, x: _link(d).__setitem__("peer", x), "traffic:routers:ams01-r1:links:et-0/0/1:peer"),
    "bgp group": (lambda d, x: _link(d).__setitem__("group", x), "traffic:routers:ams01-r1:links:et-0/0/1:group"),
    "neighbor address": (lambda d, x: _link(d).__setitem__("neighbor", x), "traffic:routers:ams01-r1:links:et-0/0/1:neighbor"),
    "local address": (lambda d, x: _link(d).__setitem__("local_address", x), "traffic:routers:ams01-r1:links:et-0/0/1:local_address"),
    "router id": (lambda d, x: d["routers"]["ams01-r1"].__setitem__("router_id", x), "traffic:routers:ams01-r1:router_id"),
    "site of router": (lambda d, x: d["routers"]["ams01-r1"].__setitem__("site", x), "traffic:routers:ams01-r1:site"),
    "pool name": (lambda d, x: d["pools"].__setitem__(x, {"prefixes": ["192.0.2.128/25"], "priority": 1, "sites": ["ams01"]}), "traffic:pools:"),
    "pool prefix": (lambda d, x: d["pools"]["web"]["prefixes"].__setitem__(0, x), "traffic:pools:web:prefixes:0"),
    "pool site": (lambda d, x: d["pools"]["web"]["sites"].__setitem__(0, x), "traffic:pools:web:sites:0"),
    "catchment site": (lambda d, x: d["catchment"]["ams01"].__setitem__(x, 0.0001), "traffic:catchment:ams01:"),
    "domain name": (lambda d, x: d["baseline"].__setitem__("domain_name", x), "traffic:baseline:domain_name"),
    "ntp server": (lambda d, x: d["baseline"].__setitem__("ntp_servers", [x]), "traffic:baseline:ntp_servers:0"),
    "marker community": (lambda d, x: d["policy"].__setitem__("marker_community", x), "traffic:policy:marker_community"),
}
LOAD_POSITIONS = {
    "egress prefix": (lambda d, x: d["egress"][0].__setitem__("prefix", x), "traffic_load:egress:0:prefix"),
    "egress link": (lambda d, x: d["egress"][0].__setitem__("link", x), "traffic_load:egress:0:link"),
    "alternate link": (lambda d, x: d["egress"][0]["alternates"][0].__setitem__("link", x), "traffic_load:egress:0:alternates:0:link"),
    "counter link": (lambda d, x: d["links"].__setitem__(x, {"out_bps": 0}), "traffic_load:links:"),
    "pool of site": (lambda d, x: d["sites"]["ams01"]["pools"].__setitem__(x, 0), "traffic_load:sites:ams01:pools:"),
}

HOSTILE = [
    "ams01\u2011r1",  # non-breaking hyphen
    "\u0430ms01",  # Cyrillic a
    "\uff41ms01",  # fullwidth a
    "ams01\u200b",  # zero-width space
    "ams01\u0301",  # combining accent
    "ams\u00a001",  # no-break space
    "\u0130",  # dotted capital I (case-folds to two characters)
    "ams01\n",
    "ams01\r\nset system",
    " ams01",
    "ams01 r1",
    "ams01\t",
    "ams01\x00",
    "ams01;",
    "ams01}",
    "{ams01",
    '"ams01"',
    "ams01'",
    "ams01#",
    "ams01!",
    "$(reboot)",
    "`id`",
    "a" * 300,
    "",
]


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("position", sorted(NETWORK_POSITIONS))
@pytest.mark.parametrize("hostile", HOSTILE, ids=ascii)
def test_hostile_network_identifier_is_rejected_at_its_path(position, hostile):
    setter, path = NETWORK_POSITIONS[position]
    data = example_network()
    setter(data, hostile)
    with pytest.raises(ValidationError) as caught:
        parse_network(data)
    assert any(problem.startswith(path) for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("position", sorted(LOAD_POSITIONS))
@pytest.mark.parametrize("hostile", HOSTILE, ids=ascii)
def test_hostile_load_identifier_is_rejected_at_its_path(network, position, hostile):
    setter, path = LOAD_POSITIONS[position]
    data = example_load()
    setter(data, hostile)
    with pytest.raises(ValidationError) as caught:
        parse_load(data, network, now=data["timestamp"])
    assert any(problem.startswith(path) for problem in caught.value.problems), caught.value.problems


def test_error_messages_escape_what_they_quote():
    data = example_network()
    data["sites"]["ams01\u2011r1\nFAKE: line"] = {"ingress_capacity_bps": 1}
    with pytest.raises(ValidationError) as caught:
        parse_network(data)
    assert all(problem.isascii() and "\n" not in problem for problem in caught.value.problems)
    assert caught.value.problems[0].startswith("traffic:sites:'ams01\\u2011r1\\nFAKE: line': key must be a name")


SEEDS = ["ams01", "ams01-r1", "et-0/0/1", "100.64.0.1", "fe80::1", "203.0.113.0/25", "65535:666", "lab.example.net", "ams01-r1:et-0/0/0"]
CANDIDATES = st.one_of(
    st.text(max_size=80),
    st.tuples(st.sampled_from(SEEDS), st.characters(), st.sampled_from(SEEDS + [""])).map("".join),
    st.tuples(st.sampled_from(SEEDS), st.sampled_from(["\n", "%", " ", ";", "\u2011", "%x y"])).map("".join),
)


def _accepted(model, data):
    try:
        return model.model_validate(data)
    except Exception:  # noqa: BLE001 - rejection in any form is the safe outcome
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidate=CANDIDATES)
@pytest.mark.parametrize("position", sorted(NETWORK_POSITIONS))
def test_whatever_the_network_model_accepts_is_config_safe(position, candidate):
    data = example_network()
    NETWORK_POSITIONS[position][0](data, candidate)
    network = _accepted(Network, data)
    if network is not None:
        assert all(SAFE_TEXT.fullmatch(text) for text in _strings(network.model_dump()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidate=CANDIDATES)
@pytest.mark.parametrize("position", sorted(LOAD_POSITIONS))
def test_whatever_the_load_model_accepts_is_config_safe(position, candidate):
    data = example_load()
    LOAD_POSITIONS[position][0](data, candidate)
    load = _accepted(Load, data)
    if load is not None:
        assert all(SAFE_TEXT.fullmatch(text) for text in _strings(load.model_dump()))
        assert all(math.isfinite(d.bps) for d in load.egress)


def test_parse_network_rechecks_the_finished_model(monkeypatch):
    """Should a field constraint ever let an unsafe string through, the final sweep still refuses it."""
    leaked = {"routers": {"ams01-r1": {"links": {"et-0/0/1": {"peer": "x; delete protocols bgp"}}}}}
    monkeypatch.setattr(Network, "model_dump", lambda self, **kwargs: leaked)
    with pytest.raises(ValidationError) as caught:
        parse_network(example_network())
    assert caught.value.problems == [
        "traffic:routers:ams01-r1:links:et-0/0/1:peer: contains characters outside [A-Za-z0-9._:/-], "
        "got 'x; delete protocols bgp'"
    ]
