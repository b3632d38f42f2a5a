"""Path-qualified problem messages, shared by every check of untrusted input (validation, operator controls).

A problem names where it is under the input's root, says what is wrong in a few words and shows the
offending value: ASCII-escaped, truncated, never nested data and never the value of a key that looks like a
secret::

    traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be >= 0, got -5
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

#: path components shown verbatim; anything else is shown ASCII-escaped and quoted
_PLAIN_COMPONENT = re.compile(r"[A-Za-z0-9._:/-]{1,64}", re.ASCII)
#: keys whose values are never echoed
_SECRET_KEY = re.compile(r"pass|secret|token|credential|private.?key|auth", re.IGNORECASE)


def component(part: object) -> str:
    """One path component as a message shows it."""
    text = str(part)
    if isinstance(part, int) or _PLAIN_COMPONENT.fullmatch(text):
        return text
    return shown(text)


def location(root: str, loc: Iterable[object]) -> str:
    """``traffic`` + ``("routers", "ams01-r1")`` -> ``traffic:routers:ams01-r1``."""
    return ":".join([root, *(component(part) for part in loc)])


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e18 else repr(value)


def shown(value: object) -> str:
    """A value as it may appear in a message: short, ASCII-only, no nested data."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)}"
    if isinstance(value, str):
        text = ascii(value)
        return text if len(text) <= 66 else text[:60] + "...'"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"  # repr() of a huge int is slow or refused
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)
    return f"a {type(value).__name__}"


def problem(root: str, loc: Iterable[object], message: str, value: object = None, *, show: bool = True) -> str:
    """One problem line; `show=False` leaves the value out (unknown keys, values the message already names)."""
    loc = tuple(loc)
    if show and not any(_SECRET_KEY.search(str(part)) for part in loc):
        message = f"{message}, got {shown(value)}"
    return f"{location(root, loc)}: {message}"
