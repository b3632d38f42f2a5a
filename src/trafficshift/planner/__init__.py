"""The shift planner: a pure function from (network, load, previous plan, operator controls, now) to a Plan.

Same inputs give the same bytes of `Plan.to_json()`: no I/O, no clock, no randomness, and every
collection is walked in sorted order. docs/guard-rails.md describes each guard rail; the order of moves:

Egress (Edge Fabric style). Every prefix's demand is projected onto its preferred link as if no override
existed (link counters are for validation only: they already include the previous plan's detours).
Previous detours are then kept or removed (hysteresis; a receiver past the high watermark gives back
detours older than the hold time), and every link above
`overload_threshold` is brought down to `target_utilization`, links taken by descending utilization then
link id; failed links (capacity 0 or reported down) first, all their prefixes at once. On one link,
prefixes are taken largest first (then by prefix text) while they fit the remaining excess, and one prefix
covers the rest at whichever step of that sequence the total moved is least. A prefix goes to its first
alternate (lowest `preference`, then private < public-ix < transit, then link id) that stays at or under
`target_utilization - receiver_headroom` after this round's earlier moves; when none has room, a detour
this cycle placed on one of them moves on to another of its own alternates to make the room. A prefix
above `split_threshold_bps` is split into halves (never finer than /24 or /48, demand assumed even) when
it fits no alternate whole, or when a half already covers the remaining excess; a half that is a demand of
its own is never detoured (longest-prefix match sends its traffic by its own route, not this demand's).
Demands are per prefix as routers forward: a covering prefix's demand excludes its more-specifics' traffic,
so a detour of it claims only its own. Links this leaves above target (a failed one: with prefixes on it)
are then relieved together with their alternates, which may shed prefixes of their own to make room (a 0/1
program, `EgressPlanning._joint_detours`); when every overloaded link reached target with whole prefixes
and nothing refused, the least-traffic set of whole detours off those links (`_cheaper_detours`) replaces
the greedy picks if it moves at least 1% less.

Anycast ingress (Traffic Manager style). At a site above `overload_threshold`, pools are shifted lowest
`priority` first; within a pool the site's links are taken transit, public-ix, private, then by link id,
and each gets AS-path prepends 1..`max_prepend`, one step at a time: the smallest step that covers the
remaining excess, else the largest one (lowest count first, then link order). The pool's
ingress at a site arrives over its links in proportion to their capacity; a prepend of count c toward one
link moves `min(1, c * prepend_step_fraction)` of the pool's ingress over that link; a withdrawal moves all
of it and comes only after prepending is exhausted, never on the site's last announcing link (except for
an operator drain) and never at more than `max_withdraw_sites` sites per pool. Moved ingress lands at the
other sites announcing the pool by `network.catchment[site]`, or else by `site.neighbors` order with
weights 1/2, 1/4, ... (renormalised; the pool's other sites evenly when no neighbor announces it); drained
sites receive nothing. Every receiving site must stay at or under its target minus headroom. A site that
one-at-a-time relief leaves above target is then relieved jointly with its receivers: the least-cost set
of further whole steps at those sites (a 0/1 program, `IngressPlanning._joint_relief`) under the same rails;
when every hot site reached target, the least-cost whole steps in the pools used replace the one-at-a-time
ones if they move at least 1% less (`_cheaper_relief`).
"""
from trafficshift.planner.core import change_count, plan

__all__ = ["change_count", "plan"]
