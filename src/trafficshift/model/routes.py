"""What the routers reported, before a plan was final, about the routes its detours depend on (docs/effect.md,
"Before planning"): the planner places no detour these facts say would move nothing.

A detour of prefix P from link S to link A raises the local preference of A's neighbor's route for exactly
P. It moves nothing when A's neighbor does not send P (`not_sent`), or sends nothing at all because its
session is down (`sessions_down`); and it leaves behind the traffic of a more-specific Q inside P that S's
neighbor sends (`more_specifics`: forwarding follows the longest match, so Q's traffic stays on S).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RouteFacts:
    #: (prefix, link id): the link's neighbor does not send exactly that prefix
    not_sent: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    #: link ids whose BGP sessions are all down
    sessions_down: frozenset[str] = field(default_factory=frozenset)
    #: (prefix, link id, more-specific): the link's neighbor sends that more-specific of the prefix, and it is
    #: the router's best path for it
    more_specifics: frozenset[tuple[str, str, str]] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.not_sent or self.sessions_down or self.more_specifics)

    def more_specific(self, prefix: str, link: str) -> str | None:
        """The more-specific of `prefix` that `link`'s neighbor keeps (the first in sort order), if any."""
        found = sorted(q for p, lid, q in self.more_specifics if p == prefix and lid == link)
        return found[0] if found else None

    def merged(self, other: "RouteFacts") -> "RouteFacts":
        return RouteFacts(self.not_sent | other.not_sent, self.sessions_down | other.sessions_down,
                          self.more_specifics | other.more_specifics)

    def to_dict(self) -> dict:
        """Sorted lists: the bytes of a run's inputs do not depend on the order the routers answered in."""
        return {"not_sent": [list(pair) for pair in sorted(self.not_sent)],
                "sessions_down": sorted(self.sessions_down),
                "more_specifics": [list(triple) for triple in sorted(self.more_specifics)]}

    @classmethod
    def from_dict(cls, data: dict | None) -> "RouteFacts":
        data = data or {}
        return cls(frozenset(tuple(pair) for pair in data.get("not_sent", [])),
                   frozenset(data.get("sessions_down", [])),
                   frozenset(tuple(triple) for triple in data.get("more_specifics", [])))
