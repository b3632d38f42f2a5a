"""The file source's one-pass check (`_surely_plain`) never passes what the two walks it stands in for
(`nesting_problem`, `_not_json`) refuse, and passes every plain load (it is the common path)."""
from __future__ import annotations

import datetime
import math

from hypothesis import given
from hypothesis import strategies as st

from trafficshift.sources.file import _not_json, _surely_plain
from trafficshift.validation import MAX_LOAD_DEPTH, nesting_problem

ODD = st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -1e308, 10**400, b"x", datetime.date(2026, 1, 1),
                       (1, 2), {1, 2}, 1 + 2j])
SCALARS = st.one_of(st.text(max_size=3), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.booleans(), st.none())
KEYS = st.one_of(st.text(max_size=3), st.integers(0, 3), st.none())


def documents(leaves):
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(KEYS, inner, max_size=3)), max_leaves=12)


@given(st.dictionaries(st.text(max_size=3), documents(st.one_of(SCALARS, ODD)), max_size=3))
def test_never_passes_what_the_walks_refuse(data):
    if _surely_plain(data):
        assert nesting_problem(data) is None and _not_json(data) is None


@given(st.dictionaries(st.text(max_size=3), documents(SCALARS), max_size=3))
def test_passes_plain_documents_with_string_keys(data):
    if nesting_problem(data) is None and _not_json(data) is None:
        sums_overflow = False  # finite floats whose exact sum overflows are left to the walks, by design
        try:
            math.fsum(value for value in _floats(data))
        except OverflowError:
            sums_overflow = True
        assert _surely_plain(data) or sums_overflow


def _floats(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _floats(item)
    elif isinstance(value, list):
        for item in value:
            yield from _floats(item)
    elif type(value) is float:
        yield value


def test_depth_is_counted_as_nesting_problem_counts_it():
    deepest_allowed = current = {}
    for _ in range(MAX_LOAD_DEPTH - 1):
        current["x"] = current = {}
    assert nesting_problem(deepest_allowed) is None and _surely_plain(deepest_allowed)
    current["x"] = []
    assert nesting_problem(deepest_allowed) is not None and not _surely_plain(deepest_allowed)
