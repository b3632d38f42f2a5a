"""Domain errors. Salt adapters translate these to CommandExecutionError / state comments."""
from __future__ import annotations


class TrafficShiftError(Exception):
    """Base class for every error trafficshift raises on purpose."""


class ValidationError(TrafficShiftError):
    """Input failed validation. `problems` holds one path-qualified message per problem, e.g.
    ``traffic:routers:ams01-r1:links:et-0/0/1:capacity_bps: must be >= 0, got -5``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = sorted(problems)
        shown = self.problems[:20]
        more = f"\n... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} validation problem(s):\n" + "\n".join(shown) + more)


class RenderError(TrafficShiftError):
    """A template or intent could not be rendered (names template and variable)."""


class LintError(RenderError):
    """Rendered config failed a safety lint; nothing may leave the renderer."""
