"""Operator arguments of salt-run and the reactor arrive as untrusted strings: `check_element`,
`check_run_id`, `check_reason`, `check_interval` and `check_limit` validate them before anything is stored, raising
`trafficshift.errors.ValidationError` whose one problem names ``<function>:<argument>``, e.g.
``traffic.drain:name: unknown site, got 'zrh01'``.
"""
from __future__ import annotations

import math
import re

from trafficshift.errors import ValidationError
from trafficshift.model import LINK_ID_PATTERN, NAME_PATTERN, Network
from trafficshift.model.controls import ELEMENTS
from trafficshift.problems import problem

#: what `trafficshift.fleet.store.new_run_id` makes: the only run ids traffic.show/replay/rollback accept (a run id
#: becomes a file name in Salt's cache, so anything else could walk out of the history bank)
RUN_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}\.[0-9]{6}-[0-9]{1,10}$"
#: a freeze reason is free text for people (status, history, events): printable ASCII, bounded
MAX_REASON_LENGTH = 256
#: the periodic rebalance interval: 0 (off) or at least this, at most a day
MIN_INTERVAL_S, MAX_INTERVAL_S = 1, 86_400
MAX_HISTORY_LIMIT = 10_000


def _refuse(function: str, argument: str, message: str, value: object) -> ValidationError:
    return ValidationError([problem(function, (argument,), message, value)])


def check_element(function: str, element: object, name: object, network: Network) -> tuple[str, str]:
    """(element, name) for traffic.drain/undrain when both are well-formed and the name exists in `network`."""
    if not isinstance(element, str) or element not in ELEMENTS:
        raise _refuse(function, "element", f"must be one of {', '.join(ELEMENTS)}", element)
    pattern = LINK_ID_PATTERN if element == "link" else NAME_PATTERN
    if not isinstance(name, str) or not re.fullmatch(pattern, name, re.ASCII):
        what = "a link id router:interface" if element == "link" else f"a {element} name"
        raise _refuse(function, "name", f"must be {what} (ASCII letters, digits, '.', '_', '-')", name)
    known = {"site": network.sites, "router": network.routers, "link": set(network.link_ids())}[element]
    if name not in known:
        raise _refuse(function, "name", f"unknown {element}", name)
    return element, name


def check_run_id(function: str, run_id: object) -> str:
    if not isinstance(run_id, str) or not re.fullmatch(RUN_ID_PATTERN, run_id, re.ASCII):
        raise _refuse(function, "run_id", "must be a run id like 20261127T041500.123456-4242 (traffic.history)",
                      run_id)
    return run_id


def check_reason(function: str, reason: object) -> str:
    if not isinstance(reason, str):
        raise _refuse(function, "reason", "must be a string", reason)
    if len(reason) > MAX_REASON_LENGTH:
        raise _refuse(function, "reason", f"{len(reason)} characters, more than the limit of {MAX_REASON_LENGTH}",
                      None)
    if not re.fullmatch(r"[ -~]*", reason, re.ASCII):
        raise _refuse(function, "reason", "must be printable ASCII on one line", reason)
    return reason


def _integer(function: str, argument: str, value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value, re.ASCII):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise _refuse(function, argument, "must be a whole number", value)


def check_interval(function: str, interval: object) -> int:
    """Seconds between periodic rebalances: 0 (off) or MIN_INTERVAL_S..MAX_INTERVAL_S."""
    seconds = _integer(function, "interval", interval)
    if seconds != 0 and not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:
        raise _refuse(function, "interval", f"must be 0 (off) or {MIN_INTERVAL_S}..{MAX_INTERVAL_S} seconds", interval)
    return seconds


def check_limit(function: str, limit: object) -> int:
    count = _integer(function, "limit", limit)
    if not 1 <= count <= MAX_HISTORY_LIMIT:
        raise _refuse(function, "limit", f"must be 1..{MAX_HISTORY_LIMIT}", limit)
    return count
