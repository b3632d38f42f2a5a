"""parse_load's two paths give one verdict: `_accepted` (the model and set checks, no walk over the raw data)
never accepts what `_explained` (the walk that names every problem) refuses, accepts every well-formed load,
and builds the same model."""
from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trafficshift.errors import ValidationError
from trafficshift.validation import DEFAULT_LIMITS, Limits, parse_network
from trafficshift.validation.load import _accepted, _explained

from validation_examples import example_load, example_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "badinput"))
from corpus import LOAD_CASES, NETWORK as CORPUS_NETWORK  # noqa: E402

NETWORK = parse_network(example_network())
ROOT = "traffic_load"


def verdicts(data, network=NETWORK, limits=DEFAULT_LIMITS):
    """(what `_accepted` built or None, what `_explained` built or the ValidationError it raised)."""
    fast = _accepted(copy.deepcopy(data), network, limits)
    try:
        slow = _explained(copy.deepcopy(data), network, ROOT, limits)
    except ValidationError as exc:
        slow = exc
    return fast, slow


@pytest.mark.parametrize("name", ["normal", "egress-overload", "site-overload"])
def test_every_example_load_takes_the_fast_path_to_the_same_model(name):
    fast, slow = verdicts(example_load(name))
    assert fast is not None and fast == slow


def test_non_canonical_prefixes_are_canonical_on_both_paths():
    data = example_load("normal")
    ipv6 = next(entry for entry in data["egress"] if ":" in entry["prefix"])
    ipv6["prefix"] = ipv6["prefix"].upper().replace("::", ":0::")  # 2001:DB8:8000:0::/48
    fast, slow = verdicts(data)
    assert fast is not None and fast == slow
    assert ":0::" not in fast.egress[data["egress"].index(ipv6)].prefix


@pytest.mark.parametrize("case", [case for case in LOAD_CASES if case.text is None], ids=lambda case: case.id)
def test_no_bad_input_case_passes_the_fast_path(case):
    network = parse_network(CORPUS_NETWORK)
    data = case.load(1_790_000_000.0)
    fast, slow = verdicts(data, network)
    if case.stale:  # well-formed: both build it, check_load then finds it stale
        assert fast is not None and fast == slow
    else:
        assert fast is None and isinstance(slow, ValidationError)


def test_small_string_limits_leave_prefixes_to_the_explained_path():
    data = example_load("normal")
    limits = Limits(max_string_length=12)  # shorter than 100.96.0.0/20
    fast, slow = verdicts(data, limits=limits)
    assert fast is None and isinstance(slow, ValidationError)
    assert any("characters, more than the limit of 12" in problem for problem in slow.problems)


LINKS = sorted(NETWORK.link_ids())
TRICKY = {
    "prefix": ["100.96.0.0/20", "100.96.0.1/20", "100.096.0.0/20", "::ffff:100.96.0.0/116", "::ffff:0:0:0/80",
               "2001:DB8::/32", "2001:db8::/32", " 100.96.0.0/20", "100.96.0.0/20\n", "\uff11\uff10\uff10.96.0.0/20",
               "100.96.0.0", "0.0.0.0/0", "fe80::%eth0/64", "", 5, None, True, ["100.96.0.0/20"]],
    "bps": [-1, 0, 1, 1.5, True, False, "1", math.nan, math.inf, -math.inf, 2**64, 10**400, 1.7e308, None],
    "link": [*LINKS[:3], "ams01-r9:et-0/0/0", LINKS[0] + "\n", LINKS[0].upper(), "\uff41ms01-r1:et-0/0/0",
             "ams01-r1", 7, None],
    "alternates": [[], None, "x", [{"link": LINKS[0]}], [{"link": LINKS[1]}, {"link": LINKS[1]}],
                   [{"link": LINKS[2], "preference": True}], [{"link": LINKS[2], "preference": -1}],
                   [{"link": LINKS[2], "preference": 1000}], [{"link": LINKS[2], "preference": 1001}],
                   [{"link": LINKS[2], "preference": "0"}], [{"link": LINKS[2], "weight": 1}], [[LINKS[2]]],
                   [{"link": LINKS[3]}] * 70],
    "extra": [None, 1],
}


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(sorted(TRICKY)), st.data()), min_size=1, max_size=4))
def test_the_fast_path_never_accepts_what_the_explained_path_refuses(mutations):
    data = example_load("normal")
    for index, field, draw in mutations:
        value = draw.draw(st.sampled_from(TRICKY[field]))
        if field == "extra":
            data["egress"][index]["note"] = value
        else:
            data["egress"][index][field] = value
    fast, slow = verdicts(data)
    if fast is not None:
        assert fast == slow
    elif not any(entry.get("prefix") == CONSERVATIVE for entry in data["egress"]):
        assert isinstance(slow, ValidationError)


#: written like an IPv4-mapped prefix and is not one (::ffff:0:0:0 is not in ::ffff:0:0/96): the fast path leaves it to the other
CONSERVATIVE = "::ffff:0:0:0/80"


def test_the_one_load_only_the_explained_path_takes():
    data = example_load("normal")
    data["egress"][0]["prefix"] = CONSERVATIVE
    fast, slow = verdicts(data)
    assert fast is None and slow.egress[0].prefix == CONSERVATIVE
