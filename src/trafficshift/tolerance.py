"""One tolerance for comparing bits per second, shared by the planner, validation and the tests.

Loads of 1e10-1e13 bps are normal, and a double carries about 16 significant digits, so a sum of such
figures taken in another order differs in its last digits (one unit in the last place of 1.7e10 is ~4e-6).
An absolute slack of 1e-6 bps is below that resolution and lets rounding trip a guard rail set to allow
everything; a relative one does not. 1e-9 of the figures compared is far above double rounding (even after
a million additions) and far below anything a router can count: 1 bit/s in 1 Gbit/s.
"""
from __future__ import annotations

#: relative slack: differences below this share of the figures compared are rounding, not traffic
REL_TOL = 1e-9
#: absolute floor for figures near zero
ABS_TOL = 1e-6


def slack(*figures: float) -> float:
    """The rounding allowance when comparing `figures` (bits per second, or any one unit)."""
    return max(ABS_TOL, REL_TOL * max((abs(f) for f in figures), default=0.0))


def exceeds(value: float, limit: float) -> bool:
    """`value > limit` by more than rounding: a budget or threshold at exactly its limit is not exceeded."""
    return value > limit + slack(value, limit)
