"""Validation: untrusted pillar / load-source data -> the typed model, failing closed.

One module per input: `network` (the pillar's `traffic:` key), `load` (what a load source measured), both on
`base` (limits, pydantic errors as path-qualified problems, defensive access to raw data).

This package is the only way to build `Network` and `Load` from untrusted data (pillar, load files,
Prometheus). Three entry points:

``parse_network(data, root="traffic") -> Network``
    Raises `trafficshift.errors.ValidationError` listing EVERY problem (sorted), each path-qualified::

        traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be >= 0, got -5

``parse_load(data, network, *, now, root="traffic_load", active=None) -> LoadCheck``
    Raises `ValidationError` when the load is malformed (types, units, unknown links/sites/pools,
    duplicate prefixes, IPv4-mapped prefixes, size limits, nesting deeper than `MAX_LOAD_DEPTH`). A
    well-formed load that must not be acted on -- older than ``policy.max_load_age_s``, stamped in the
    future, per-prefix sums that disagree with a link's counter beyond ``policy.counter_tolerance``, missing
    counters, a rate above its link's or site's capacity times `MAX_RATE_FACTOR` (a counter wrap or a unit
    mistake), a sum that overflows -- is NOT an exception: the returned
    `LoadCheck` has ``stale=True`` and ``reasons`` (sorted, path-qualified). The planner must then fail
    static (keep the last plan). ``LoadCheck.load`` is the validated `Load` either way.
    Pass ``active=`` the plan applied while the load was measured: its detours moved traffic off the
    demands' preferred links, and the counters are compared with that (else every active detour would
    read as a counter mismatch and the system could never move back).

``check_load(load, network, *, now, active=None) -> LoadCheck``
    The fail-static checks alone, for a `Load` built in code (tests, the planner's own inputs).

Messages name a path under the pillar root, say what is wrong in a few words and show the offending value
(ASCII-escaped, truncated; never the value of an unknown key or of a key that looks like a secret).
Inputs are bounded by `Limits` (counts and string lengths; `max_bytes` is enforced where bytes exist,
i.e. by the load sources) and the check stops before the model is built when a limit is exceeded.
"""
from trafficshift.validation.base import DEFAULT_LIMITS, Limits, LoadCheck
from trafficshift.validation.load import (MAX_CLOCK_SKEW_S, MAX_LOAD_DEPTH, MAX_RATE_FACTOR, check_load, deep_problem,
                                          nesting_problem, parse_load)
from trafficshift.validation.network import SAFE_TEXT, parse_network

__all__ = ["DEFAULT_LIMITS", "Limits", "LoadCheck", "MAX_CLOCK_SKEW_S", "MAX_LOAD_DEPTH", "MAX_RATE_FACTOR",
           "SAFE_TEXT", "check_load", "deep_problem", "nesting_problem", "parse_load", "parse_network"]
