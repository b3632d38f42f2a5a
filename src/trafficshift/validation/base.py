"""What the network and load checks share: limits, the check result, pydantic errors as path-qualified
problems, and defensive access to raw data (cross-reference checks run even when the model rejects the input)."""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic

from trafficshift.errors import ValidationError
from trafficshift.model import (
    DOMAIN_PATTERN,
    INTERFACE_PATTERN,
    LINK_ID_PATTERN,
    NAME_PATTERN,
    Load,
    span,
)
from trafficshift.problems import location, number, problem

_PATTERN_MESSAGES = {
    NAME_PATTERN: (
        "must be a name of ASCII letters, digits, '.', '_', '-' (starting with a letter or digit, at most 63)"
    ),
    INTERFACE_PATTERN: "must be an interface name like et-0/0/1 (ASCII letters, digits, '/', ':', '.', '_', '-')",
    LINK_ID_PATTERN: "must be a link id router:interface, e.g. ams01-r1:et-0/0/1",
    DOMAIN_PATTERN: "must be a domain name of lowercase ASCII letters, digits, '-' and '.'",
}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on input size. Generous for production; tests pass smaller ones."""

    max_bytes: int = 512 * 1024 * 1024  # a load file / Prometheus response
    max_string_length: int = 256  # free-form strings (addresses, prefixes) before parsing
    max_sites: int = 10_000
    max_routers: int = 10_000
    max_links: int = 200_000  # eBGP links over all routers
    max_pools: int = 10_000
    max_pool_prefixes: int = 1_000_000  # over all pools
    max_egress: int = 1_000_000  # egress entries in one load
    max_alternates: int = 64  # per egress entry


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class LoadCheck:
    """A validated load and whether it may be acted on. ``stale`` is True when ``reasons`` is not empty."""

    load: Load
    age_s: float
    stale: bool
    reasons: tuple[str, ...] = ()


# -- pydantic errors as problems --------------------------------------------------------------------------
def _pydantic_problem(root: str, error: Mapping[str, Any]) -> str:
    kind, loc, ctx, value = error["type"], list(error["loc"]), error.get("ctx") or {}, error.get("input")
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:
        loc.pop()
    if kind == "missing":
        return problem(root, loc, "required", show=False)
    if kind == "extra_forbidden":
        return problem(root, loc, "unknown key", show=False)
    if kind == "value_error":  # our own validators already name the value; keep it short and ASCII
        message = str(ctx.get("error", error["msg"])).encode("ascii", "backslashreplace").decode()
        return problem(root, loc, message if len(message) <= 160 else message[:157] + "...", show=False)
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        message = f"must be {bounds[kind]} {number(limit)}"
    elif kind == "string_pattern_mismatch":
        message = _PATTERN_MESSAGES.get(ctx.get("pattern"), f"must match {ctx.get('pattern')}")
    else:
        message = {
            "float_type": "must be a number (plain digits; units like 100G and YAML's 100e9 are strings)",
            "int_type": "must be an integer",
            "string_type": "must be a string",
            "bool_type": "must be true or false",
            "finite_number": "must be a finite number",
            "dict_type": "must be a mapping",
            "model_type": "must be a mapping",
            "model_attributes_type": "must be a mapping",
            "tuple_type": "must be a list",
            "list_type": "must be a list",
            "literal_error": f"must be one of {ctx.get('expected')}",
            "too_short": f"must have at least {ctx.get('min_length')} item(s)",
            "too_long": f"must have at most {ctx.get('max_length')} item(s)",
        }.get(kind, str(error["msg"]).lower())
    return problem(root, loc, f"key {message}" if is_key else message, value)


def _model(model: type[pydantic.BaseModel], data: object, root: str) -> tuple[Any, list[str]]:
    try:
        return model.model_validate(data), []
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        # pydantic also reports a too-short list when one of its items failed: only the item's problem counts
        failed = {tuple(e["loc"][:-1]) for e in errors if e["type"] != "too_short" and e["loc"]}
        errors = [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in failed)]
        return None, [_pydantic_problem(root, error) for error in errors]


def _raise(problems: Iterable[str]) -> None:
    problems = sorted(set(problems))
    if problems:
        raise ValidationError(problems)


# -- defensive access to raw data (cross-reference checks run even when the model rejects the input) --------
def _map(value: object) -> Mapping:
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def _seq(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _real(value: object) -> float | None:
    """A finite number, or None (bools and strings are the model's business)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            return None
        return number if math.isfinite(number) else None
    return None


def _parsed_prefix(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None


def _canonical_prefix(value: object) -> str | None:
    parsed = _parsed_prefix(value)
    return None if parsed is None else str(parsed)


def _parsed(parse, value: object):
    """`value` parsed by one of the model's parsers, or None when the model refuses it (and reports it)."""
    try:
        return parse(value)
    except ValueError:
        return None


_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _overlaps(
    items: Iterable[tuple[_IPNetwork, tuple, object]], *, report_equal: bool
) -> dict[tuple, tuple[_IPNetwork, tuple]]:
    """For (network, loc, owner) items: each loc that overlaps an item of another owner -> (that network, its
    loc), the first one found. CIDR blocks overlap only by nesting, so one sorted sweep with a stack of the
    blocks enclosing the current one finds every overlap in O(n log n). A block equal to an earlier one is
    reported only with `report_equal` (pool prefixes report those as duplicates)."""
    found: dict[tuple, tuple[_IPNetwork, tuple]] = {}

    def note(a: tuple, b: tuple) -> None:
        found.setdefault(a[1], (b[0], b[1]))
        found.setdefault(b[1], (a[0], a[1]))

    first: dict[tuple, tuple] = {}
    spans = []
    for item in items:
        network = item[0]
        start, end = span(network)
        key = (network.version, start, network.prefixlen)
        if key in first:  # equal blocks: the first stands for all in the sweep
            if report_equal and first[key][2] != item[2]:
                note(item, first[key])
            continue
        first[key] = item
        spans.append((key, end, item))
    spans.sort(key=lambda entry: entry[0])
    stack: list = []  # (version, end, item) of the blocks enclosing the current one, outermost first
    for (version, start, _), end, item in spans:
        while stack and (stack[-1][0] != version or stack[-1][1] < start):
            stack.pop()
        other = next((enclosing for _, _, enclosing in reversed(stack) if enclosing[2] != item[2]), None)
        if other is not None:
            note(item, other)
        stack.append((version, end, item))
    return found


def _too_long(root: str, located: Iterable[tuple[tuple, object]], limits: Limits) -> list[str]:
    """Free-form strings over the length limit, given as (loc, value) pairs."""
    return [
        problem(root, loc, f"{len(value)} characters, more than the limit of {limits.max_string_length}", show=False)
        for loc, value in located
        if isinstance(value, str) and len(value) > limits.max_string_length
    ]


def _count(root: str, loc: tuple, count: int, limit: int, what: str) -> list[str]:
    if count > limit:
        return [f"{location(root, loc)}: {count} {what}, more than the limit of {limit}"]
    return []
