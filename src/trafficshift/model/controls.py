"""Operator intents that steer the planner (docs/guard-rails.md, "Operator controls").

Controls are plain frozen dataclasses with a JSON-friendly `to_dict`/`from_dict`; the planner receives the
current set every cycle (they are state the operator keeps, e.g. in the pillar or the store):

- `Drain(element, name)`: move traffic off a site, router or link gradually, at most
  `Policy.drain_step_fraction` of its load per cycle, with the ordinary detour/prepend/withdraw intents.
  A drained site withdraws its pools on every link once prepending is exhausted (the only full withdrawal
  at a site the planner makes), still within `Policy.max_withdraw_sites`.
- `Undrain(element, name)`: bring drained traffic back, one drain step per cycle, ignoring hold time and
  the low watermark but never pushing the element above its target.
- `Freeze(reason)`: the kill switch: remove every override and stop automation (status "frozen").
- `PinIntent(intent)`: keep this intent whatever the load says.
- `PinPrefix(prefix)`: never move this prefix (an active detour of it is removed).
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import ClassVar, Iterable, Union

from trafficshift.model.plan import Intent, intent_from_dict, intent_to_dict

ELEMENTS = ("site", "router", "link")


def _check_element(element: str, name: str) -> None:
    if element not in ELEMENTS:
        raise ValueError(f"element must be one of {', '.join(ELEMENTS)}, got {element!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{element} name must be a non-empty string, got {name!r}")


@dataclass(frozen=True, order=True)
class Drain:
    kind: ClassVar[str] = "drain"
    element: str  # site | router | link
    name: str  # site or router name, or link id router:interface

    def __post_init__(self) -> None:
        _check_element(self.element, self.name)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "element": self.element, "name": self.name}


@dataclass(frozen=True, order=True)
class Undrain:
    kind: ClassVar[str] = "undrain"
    element: str
    name: str

    def __post_init__(self) -> None:
        _check_element(self.element, self.name)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "element": self.element, "name": self.name}


@dataclass(frozen=True, order=True)
class Freeze:
    kind: ClassVar[str] = "freeze"
    reason: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class PinIntent:
    kind: ClassVar[str] = "pin-intent"
    intent: Intent

    def to_dict(self) -> dict:
        return {"kind": self.kind, "intent": intent_to_dict(self.intent)}


@dataclass(frozen=True, order=True)
class PinPrefix:
    kind: ClassVar[str] = "pin-prefix"
    prefix: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefix", str(ipaddress.ip_network(self.prefix, strict=True)))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "prefix": self.prefix}


Control = Union[Drain, Undrain, Freeze, PinIntent, PinPrefix]


def control_from_dict(data: dict) -> Control:
    kind = data.get("kind")
    if kind in ("drain", "undrain"):
        return (Drain if kind == "drain" else Undrain)(element=data["element"], name=data["name"])
    if kind == "freeze":
        return Freeze(reason=data.get("reason", ""))
    if kind == "pin-intent":
        return PinIntent(intent=intent_from_dict(data["intent"]))
    if kind == "pin-prefix":
        return PinPrefix(prefix=data["prefix"])
    raise ValueError(f"unknown control kind {kind!r} (drain, undrain, freeze, pin-intent, pin-prefix)")


def controls_from_list(items: Iterable[dict]) -> tuple[Control, ...]:
    return tuple(control_from_dict(item) for item in items)


def controls_to_list(controls: Iterable[Control]) -> list[dict]:
    return sorted((control.to_dict() for control in controls), key=lambda d: json.dumps(d, sort_keys=True))
