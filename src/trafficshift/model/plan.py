"""The Plan: what the planner decided, in vendor-neutral intents, with predictions and reasons.

Intents are what the renderer turns into router config, one router at a time:
- `Detour`: prefer `prefix` via the neighbor on `router`/`link` (local-preference override on that
  neighbor's import policy), moving it off `from_link`.
- `Prepend`: announce `pool` toward the neighbor on `router`/`link` with `count` extra AS-path hops.
- `Withdraw`: stop announcing `pool` toward the neighbor on `router`/`link`.

Everything here is JSON-serialisable and ordered, so the same plan always serialises to the same bytes.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar, Union

PLAN_VERSION = 1


@dataclass(frozen=True, order=True)
class Detour:
    kind: ClassVar[str] = "detour"
    router: str
    link: str  # interface of the alternate neighbor on `router`
    prefix: str
    from_link: str  # link id (router:interface) the prefix leaves
    local_pref: int

    def key(self) -> tuple:
        return (self.kind, self.router, self.link, self.prefix)


@dataclass(frozen=True, order=True)
class Prepend:
    kind: ClassVar[str] = "prepend"
    router: str
    link: str
    pool: str
    count: int

    def key(self) -> tuple:
        return (self.kind, self.router, self.link, self.pool)


@dataclass(frozen=True, order=True)
class Withdraw:
    kind: ClassVar[str] = "withdraw"
    router: str
    link: str
    pool: str

    def key(self) -> tuple:
        return (self.kind, self.router, self.link, self.pool)


Intent = Union[Detour, Prepend, Withdraw]
INTENT_TYPES: dict[str, type] = {cls.kind: cls for cls in (Detour, Prepend, Withdraw)}


def intent_to_dict(intent: Intent) -> dict:
    return {"kind": intent.kind, **asdict(intent)}


def intent_from_dict(data: dict) -> Intent:
    cls = INTENT_TYPES[data["kind"]]
    return cls(**{f.name: data[f.name] for f in fields(cls)})


def sort_intents(intents) -> tuple[Intent, ...]:
    return tuple(sorted(intents, key=lambda i: (i.router, i.link, i.kind, i.key())))


@dataclass(frozen=True)
class Utilization:
    """Predicted load of one link (`router:interface`) or site, before and after the plan."""

    id: str
    capacity_bps: float
    before_bps: float
    after_bps: float

    @property
    def before(self) -> float:
        return utilization(self.before_bps, self.capacity_bps)

    @property
    def after(self) -> float:
        return utilization(self.after_bps, self.capacity_bps)


def utilization(bps: float, capacity_bps: float) -> float:
    """Load over capacity; a failed element (capacity 0) is infinitely over it while it carries anything."""
    if capacity_bps > 0:
        return bps / capacity_bps
    return math.inf if bps > 0 else 0.0


@dataclass(frozen=True)
class Action:
    """One decision with its reason: an intent added/kept/removed, or a refusal by a guard rail."""

    verb: str  # add | keep | remove | refuse | note (a fact the decisions rest on, e.g. counter scaling)
    reason: str
    intent: dict | None = None  # intent_to_dict() of the intent concerned, if any
    guard_rail: str | None = None  # the guard rail that acted, if any


#: the plan statuses whose intents the rebalance applies
APPLICABLE_STATUSES = frozenset({"ok", "partial"})


@dataclass(frozen=True)
class Plan:
    created: float  # the planner's `now`, epoch seconds
    #: ok | partial (an overloaded element stays above target: the rails or the alternates allow no more) |
    #: fail-static | frozen | circuit-breaker | refused
    status: str
    intents: tuple[Intent, ...] = ()
    #: when each active intent started (key() joined by "|" -> epoch), for hold times across cycles
    since: dict[str, float] = field(default_factory=dict)
    links: tuple[Utilization, ...] = ()
    sites: tuple[Utilization, ...] = ()
    #: traffic this plan moves (detours added, removed or re-pointed; ingress leaving a site), whole bit/s
    moved_bps: int = 0
    actions: tuple[Action, ...] = ()
    version: int = PLAN_VERSION
    #: anycast ingress this plan's prepends/withdrawals move, site -> pool -> bps (negative where it leaves,
    #: positive where it lands); the next cycle subtracts it from measured ingress to project the load
    #: the sites would carry without any shift
    ingress_delta: dict[str, dict[str, float]] = field(default_factory=dict)
    #: when the planner last raised an ingress shift at each site that has one (site -> epoch), for
    #: `policy.step_dwell_s` across cycles
    stepped: dict[str, float] = field(default_factory=dict)

    @property
    def applies_new_shifts(self) -> bool:
        """Whether this plan's intents are this cycle's decision (ok, partial), not the previous ones held
        or every override removed by a guard rail or the operator."""
        return self.status in APPLICABLE_STATUSES

    def intents_for(self, router: str) -> tuple[Intent, ...]:
        return tuple(intent for intent in self.intents if intent.router == router)

    def routers(self) -> list[str]:
        return sorted({intent.router for intent in self.intents})

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "created": self.created,
            "status": self.status,
            "intents": [intent_to_dict(intent) for intent in self.intents],
            "since": dict(sorted(self.since.items())),
            "links": [asdict(u) for u in self.links],
            "sites": [asdict(u) for u in self.sites],
            "moved_bps": self.moved_bps,
            "actions": [asdict(a) for a in self.actions],
            "ingress_delta": {site: dict(sorted(pools.items())) for site, pools in sorted(self.ingress_delta.items())},
            "stepped": dict(sorted(self.stepped.items())),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Plan":
        if data.get("version") != PLAN_VERSION:
            raise ValueError(f"plan version {data.get('version')!r} is not supported (expected {PLAN_VERSION})")
        return cls(
            created=data["created"],
            status=data["status"],
            intents=sort_intents(intent_from_dict(item) for item in data["intents"]),
            since=dict(data.get("since", {})),
            links=tuple(Utilization(**u) for u in data.get("links", ())),
            sites=tuple(Utilization(**u) for u in data.get("sites", ())),
            moved_bps=round(data.get("moved_bps", 0)),
            actions=tuple(Action(**a) for a in data.get("actions", ())),
            ingress_delta={site: dict(pools) for site, pools in data.get("ingress_delta", {}).items()},
            stepped=dict(data.get("stepped", {})),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def intent_key(intent: Intent) -> str:
    """The stable string key used in `Plan.since`."""
    return "|".join(str(part) for part in intent.key())
