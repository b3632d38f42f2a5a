"""The guard rails' names as they appear in `Action.guard_rail` (docs/guard-rails.md has one section each),
and how plans print utilization."""
from __future__ import annotations

# guard-rail names as they appear in Action.guard_rail (docs/guard-rails.md has one section each)
HIGH_WATERMARK = "overload_threshold"
LOW_WATERMARK = "low_watermark"
HOLD_TIME = "hold_time_s"
STEP_DWELL = "step_dwell_s"
MAX_MOVED = "max_moved_fraction"
MAX_OVERRIDES = "max_overrides"
RECEIVER_HEADROOM = "receiver_headroom"
CIRCUIT_BREAKER = "max_shifting_elements"
MAX_WITHDRAW = "max_withdraw_sites"
FAIL_STATIC = "fail_static"
MAX_PLAN_CHANGE = "max_plan_change"
#: a link whose counter and per-prefix sum differ by more than this fraction gets a `note` action naming both
COUNTER_NOTE = 0.05
#: not a limit but a fact: the alternate's neighbor does not send the prefix (docs/effect.md, "Before planning")
NO_DETOUR_ROUTE = "check_detour_routes"


def pct(bps: float, capacity: float) -> str:
    if capacity <= 0:
        return f"{bps / 1e9:.2f} Gbit/s on a failed link (capacity 0)"
    return f"{100.0 * bps / capacity:.1f}%"
