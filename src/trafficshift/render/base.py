"""The generator base class: one Jinja environment per vendor, a refusing `finalize`, errors named.

A vendor subclass only declares what it supports (`intent_types`, `interface_pattern`, `max_prepend`,
`address_families` of BGP sessions and interface addresses);
`structure.build` rejects everything else before a template runs. Every `{{ ... }}` value passes
`safe_value`, so even a model built without validation cannot put a newline, quote, brace, `;`, `#`, `!`
or non-ASCII character into the output.
"""
from __future__ import annotations

import linecache
import re
import traceback
from pathlib import Path
from typing import ClassVar

import jinja2

from trafficshift.errors import RenderError
from trafficshift.model.plan import Detour, Prepend, Withdraw

#: the vendor templates, shipped as package data (src/trafficshift/render/templates/<vendor>/)
TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"

#: one token of config: identifiers, interface names, addresses, prefixes, communities
SAFE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,95}")
MAX_NUMBER = 4294967295


class UnsafeValue(Exception):
    """Raised by `safe_value` inside a template; turned into a RenderError naming template and line."""


def safe_value(value: object) -> object:
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError, naming the missing variable
    if type(value) is int and 0 <= value <= MAX_NUMBER:
        return value
    if type(value) is str and SAFE_TOKEN.fullmatch(value):
        return value
    raise UnsafeValue(f"refusing to render {value!r} (not a safe identifier, number or address)")


def _template_frame(exc: BaseException) -> str:
    """`junos/shift.j2:12: {{ term.name }}` for the innermost template line the error passed through."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return ""
    frame = frames[-1]
    source = linecache.getline(frame.filename, frame.lineno).strip()
    return f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}: {source}"


class Generator:
    vendor: ClassVar[str]
    intent_types: ClassVar[frozenset[type]] = frozenset({Detour, Prepend, Withdraw})
    interface_pattern: ClassVar[str]
    max_prepend: ClassVar[int]
    #: IP versions of the BGP sessions and interface addresses the templates render (router-ids are IPv4)
    address_families: ClassVar[frozenset[int]] = frozenset({4, 6})
    #: whether the baseline can put our policies in front of a neighbor's existing (operator) policies;
    #: without it, a neighbor that has any is refused
    chains_operator_policies: ClassVar[bool] = False

    def __init__(self, template_dir: Path | str | None = None) -> None:
        self.template_dir = Path(template_dir) if template_dir else TEMPLATE_ROOT / self.vendor
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.template_dir)),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=safe_value,
        )

    def render_template(self, name: str, **context) -> str:
        where = f"{self.vendor}/{name}"
        try:
            return self.env.get_template(name).render(**context)
        except UnsafeValue as exc:
            raise RenderError(f"{where}: {exc} at {_template_frame(exc) or where}") from None
        except jinja2.TemplateError as exc:
            frame = _template_frame(exc)
            raise RenderError(f"{where}: {type(exc).__name__}: {exc}" + (f" at {frame}" if frame else "")) from None
