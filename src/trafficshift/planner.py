"""The shift planner: a pure function from (network, load, previous plan, operator controls, now) to a Plan.

Same inputs give the same bytes of `Plan.to_json()`: no I/O, no clock, no randomness, and every
collection is walked in sorted order. docs/guard-rails.md describes each guard rail; the order of moves:

Egress (Edge Fabric style). Every prefix's demand is projected onto its preferred link as if no override
existed (link counters are for validation only: they already include the previous plan's detours).
Previous detours are then kept or removed (hysteresis; a receiver past the high watermark gives back
detours older than the hold time), and every link above
`overload_threshold` is brought down to `target_utilization`, links taken by descending utilization then
link id. On one link, prefixes are taken largest first (then by prefix text): a prefix no larger than the
remaining excess moves whole; when none is left, the smallest prefix that covers the rest moves. A prefix
goes to its first alternate (lowest `preference`, then private < public-ix < transit, then link id) that
stays at or under `target_utilization - receiver_headroom` after this round's earlier moves. A prefix
above `split_threshold_bps` is split into halves (never finer than /24 or /48, demand assumed even) when
it fits no alternate whole, or when a half already covers the remaining excess.

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
sites receive nothing. Every receiving site must stay at or under its target minus headroom.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Sequence

from .controls import Control, Drain, Freeze, PinIntent, PinPrefix, Undrain
from .model import Load, Network
from .plan import Action, Detour, Intent, Plan, Prepend, Utilization, Withdraw, intent_key, intent_to_dict, sort_intents
from .projection import Piece, Projection
from .tolerance import exceeds


# guard-rail names as they appear in Action.guard_rail (docs/guard-rails.md has one section each)
HIGH_WATERMARK = "overload_threshold"
LOW_WATERMARK = "low_watermark"
HOLD_TIME = "hold_time_s"
MAX_MOVED = "max_moved_fraction"
MAX_OVERRIDES = "max_overrides"
RECEIVER_HEADROOM = "receiver_headroom"
CIRCUIT_BREAKER = "max_shifting_elements"
MAX_WITHDRAW = "max_withdraw_sites"
FAIL_STATIC = "fail_static"
MAX_PLAN_CHANGE = "max_plan_change"


def _pct(bps: float, capacity: float) -> str:
    return f"{100.0 * bps / capacity:.1f}%"


class _Planner(Projection):
    """One cycle's decisions over the routing projection (trafficshift.projection)."""

    def __init__(self, network: Network, load: Load, previous: Plan | None, controls: Sequence[Control], now: float):
        drained_sites = {c.name for c in controls if isinstance(c, Drain) and c.element == "site" and c.name in network.sites}
        super().__init__(network, load, previous.ingress_delta if previous is not None else None, drained_sites)
        policy = self.policy
        self.previous = previous
        self.now = now
        self.actions: list[Action] = []
        self.pieces: dict[str, Piece] = {}  # detours of this plan by prefix
        self.levels: dict[tuple[str, str, str], int] = {}  # (site, pool, link) -> prepend count, max+1 = withdrawn
        self._undrain_used: dict[str, float] = {}  # bps an undrain returned to each link this cycle
        self.blocked: dict[str, set[str]] = {}  # element -> guard rails that stopped a needed move
        self.unresolved: set[str] = set()  # overloaded elements this plan leaves above target

        # -- receivers' limits ----------------------------------------------------------------------------
        self.recv_limit = {lid: (policy.target_utilization - policy.receiver_headroom) * c for lid, c in self.cap.items()}
        self.site_recv_limit = {
            s: (policy.target_utilization - policy.receiver_headroom) * c for s, c in self.site_cap.items()
        }

        # -- controls ---------------------------------------------------------------------------------
        self.freeze = next((c for c in controls if isinstance(c, Freeze)), None)
        self.pinned_prefixes = {c.prefix for c in controls if isinstance(c, PinPrefix)}
        self.pinned_intents = sort_intents(c.intent for c in controls if isinstance(c, PinIntent))
        self.drained_links, self.drained_sites = self._elements(controls, Drain)
        self.undrained_links, self.undrained_sites = self._elements(controls, Undrain)
        self.undrained_links -= self.drained_links
        self.undrained_sites -= self.drained_sites
        self.previous_since = dict(previous.since) if previous is not None else {}

    # -- helpers --------------------------------------------------------------------------------------
    def _elements(self, controls: Iterable[Control], cls: type) -> tuple[set[str], set[str]]:
        links: set[str] = set()
        sites: set[str] = set()
        for control in controls:
            if not isinstance(control, cls):
                continue
            if control.element == "link" and control.name in self.cap:
                links.add(control.name)
            elif control.element == "router":
                links.update(self.router_links.get(control.name, ()))
            elif control.element == "site" and control.name in self.site_cap:
                sites.add(control.name)
                links.update(lid for lid in self.link_ids if self.link_site[lid] == control.name)
        return links, sites

    def act(self, verb: str, reason: str, intent: Intent | None = None, guard_rail: str | None = None) -> None:
        self.actions.append(Action(verb, reason, intent_to_dict(intent) if intent is not None else None, guard_rail))

    def block(self, element: str, guard_rail: str) -> None:
        self.blocked.setdefault(element, set()).add(guard_rail)

    # -- egress -----------------------------------------------------------------------------------------
    def plan_egress(self, previous_intents: Sequence[Intent]) -> None:
        policy = self.policy
        self.load = dict(self.natural)
        self.egress_budget = policy.max_moved_fraction * self.total_egress
        self.egress_moved = 0.0
        self.parent_pieces: dict[int, int] = {}  # demand index -> how many of its (split) pieces are detoured

        pinned = {intent_key(i): i for i in self.pinned_intents if isinstance(i, Detour)}
        candidates: dict[str, tuple[Detour, bool]] = {}
        for intent in previous_intents:
            if isinstance(intent, Detour):
                candidates[intent_key(intent)] = (intent, False)
        for key, intent in pinned.items():
            candidates[key] = (intent, True)

        kept: list[Piece] = []
        for key in sorted(candidates):
            intent, is_pinned = candidates[key]
            since = self.previous_since.get(key, self.now)
            piece = self._resolve_detour(intent, since)
            if piece is None:
                self.act("remove", f"detour of {intent.prefix}: the prefix, its preferred link {intent.from_link} "
                         f"or the alternate {intent.router}:{intent.link} is no longer in the load", intent)
                continue
            if piece.prefix in self.pieces or self._overlaps(piece):
                self.act("remove", f"detour of {piece.prefix}: another detour already moves (part of) it", intent)
                continue
            piece.pinned = is_pinned
            if not is_pinned and self.prefixes[piece.parent] in self.pinned_prefixes:
                self.act("remove", f"operator pinned {self.prefixes[piece.parent]}: it must stay on {piece.src}", intent)
                continue
            if not is_pinned and piece.dst in self.drained_links:
                self.act("remove", f"detour of {piece.prefix}: its alternate {piece.dst} is being drained", intent)
                continue
            self._apply(piece)
            kept.append(piece)

        # a receiver that grew past the high watermark gives detours older than the hold time back, largest
        # first, until under it; their sources are then relieved afresh below, toward alternates with room
        # (younger detours stay: the receiver sheds its own prefixes instead, so wobbling load cannot flap)
        for piece in sorted(kept, key=lambda p: (p.dst, -p.bps, p.prefix)):
            dst_cap = self.cap[piece.dst]
            old_enough = self.now - piece.since >= policy.hold_time_s
            if not piece.pinned and old_enough and exceeds(self.load[piece.dst], policy.overload_threshold * dst_cap):
                self._unapply(piece)
                kept.remove(piece)
                self.act("remove", f"detour of {piece.prefix} leaves {piece.dst}, which carries "
                         f"{_pct(self.load[piece.dst] + piece.bps, dst_cap)} with it, above the high watermark "
                         f"{policy.overload_threshold:.0%}", self.detour_intent(piece), HIGH_WATERMARK)

        # hysteresis: take a detour back only when its source stays under the low watermark without it
        for piece in sorted(kept, key=lambda p: (p.src, p.bps, p.prefix)):
            intent = self.detour_intent(piece)
            src_cap = self.cap[piece.src]
            back = self.load[piece.src] + piece.bps
            if piece.pinned:
                self.act("keep", f"operator pin keeps {piece.prefix} on {piece.dst}", intent)
            elif piece.src in self.drained_links:
                self.act("keep", f"{piece.src} is being drained", intent)
            elif piece.src in self.undrained_links:
                if not exceeds(back, policy.target_utilization * src_cap) and self._undrain_room(piece.src, piece.bps):
                    self._unapply(piece)
                    self.act("remove", f"undrain {piece.src}: {piece.prefix} returns, link at {_pct(back, src_cap)}", intent)
                else:
                    self.act("keep", f"undrain {piece.src}: {piece.prefix} returns in a later cycle "
                             f"(step size or target {policy.target_utilization:.0%})", intent)
            elif exceeds(back, policy.low_watermark * src_cap):
                self.act("keep", f"without this detour {piece.src} would be at {_pct(back, src_cap)}, above the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)
            elif self.now - piece.since < policy.hold_time_s:
                self.act("keep", f"{piece.src} would be at {_pct(back, src_cap)} without it, but the detour is only "
                         f"{self.now - piece.since:.0f}s old (hold time {policy.hold_time_s:.0f}s)", intent, HOLD_TIME)
            else:
                self._unapply(piece)
                self.act("remove", f"{piece.src} stays at {_pct(back, src_cap)} with {piece.prefix} back, under the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)
        self.previous_pieces = {p.prefix: p for p in kept}

        overloaded = [lid for lid in self.link_ids if exceeds(self.load[lid], policy.overload_threshold * self.cap[lid])]
        self.index_links(sorted(self.drained_links | set(overloaded)))
        for lid in sorted(self.drained_links):
            self._drain_link(lid)
        for lid in sorted(overloaded, key=lambda lid: (-self.load[lid] / self.cap[lid], lid)):
            if lid not in self.drained_links:
                self._relieve_link(lid)

    def _undrain_room(self, lid: str, bps: float) -> bool:
        budget = self.policy.drain_step_fraction * self.natural[lid]
        used = self._undrain_used.get(lid, 0.0)
        if used > 0 and exceeds(used + bps, budget):
            return False
        self._undrain_used[lid] = used + bps
        return True

    def _apply(self, piece: Piece) -> None:
        self.pieces[piece.prefix] = piece
        # known piece: evaluating the finished plan needs no prefix index
        self._resolved.setdefault(piece.prefix, (piece.parent, piece.bps / self.demand_bps[piece.parent]))
        self.parent_pieces[piece.parent] = self.parent_pieces.get(piece.parent, 0) + 1
        self.load[piece.src] -= piece.bps
        self.load[piece.dst] += piece.bps

    def _overlaps(self, piece: Piece) -> bool:
        """A whole prefix and a piece of it (or two pieces where one contains the other) cannot both move."""
        if not self.parent_pieces.get(piece.parent):
            return False
        net = ipaddress.ip_network(piece.prefix)
        return any(other.parent == piece.parent and net.overlaps(ipaddress.ip_network(other.prefix))
                   for other in self.pieces.values())

    def _unapply(self, piece: Piece) -> None:
        del self.pieces[piece.prefix]
        self.parent_pieces[piece.parent] -= 1
        self.load[piece.src] += piece.bps
        self.load[piece.dst] -= piece.bps

    def detour_intent(self, piece: Piece) -> Detour:
        router, _, interface = piece.dst.partition(":")
        return Detour(router, interface, piece.prefix, piece.src, self.policy.detour_local_pref)

    def index_links(self, lids: Iterable[str]) -> None:
        """Which demands prefer each of `lids` (one pass over all demands for all of them)."""
        wanted = {lid: [] for lid in lids if lid not in self.by_link}
        if wanted:
            get = wanted.get
            for i, lid in enumerate(self.demand_link):
                members = get(lid)
                if members is not None:
                    members.append(i)
            self.by_link.update(wanted)

    def _movable(self, lid: str) -> list[int]:
        self.index_links((lid,))
        taken = {p.parent for p in self.pieces.values() if p.src == lid}
        bps, prefixes, pinned = self.demand_bps, self.prefixes, self.pinned_prefixes
        members = [i for i in self.by_link[lid] if bps[i] > 0 and i not in taken and prefixes[i] not in pinned]
        members.sort(key=lambda i: (-bps[i], prefixes[i]))
        return members

    def _place(self, i: int, prefix: str, bps: float, src: str) -> bool:
        """Detour one piece to its first alternate with room; False when no alternate or a cap refuses."""
        if exceeds(self.egress_moved + bps, self.egress_budget):
            self.block(src, MAX_MOVED)
            return False
        if len(self.pieces) + self.ingress_intent_count >= self.policy.max_overrides:
            self.block(src, MAX_OVERRIDES)
            return False
        for alt in self.alternates(i):
            if alt in self.drained_links:
                continue
            if not exceeds(self.load[alt] + bps, self.recv_limit[alt]):
                self._apply(Piece(prefix, i, bps, src, alt, self.now))
                self.egress_moved += bps
                self.act("add", f"detour {prefix} ({bps:.0f} bps) from {src} to {alt}: {src} at "
                         f"{_pct(self.load[src] + bps, self.cap[src])}, {alt} goes to {_pct(self.load[alt], self.cap[alt])}",
                         self.detour_intent(self.pieces[prefix]))
                return True
        self.block(src, RECEIVER_HEADROOM)
        return False

    def _move(self, i: int, prefix: str, bps: float, src: str, need: float) -> float:
        """Move `prefix` (a demand or a half of one), splitting when it is too big; returns bps moved."""
        net = None
        if bps > self.policy.split_threshold_bps:
            net = ipaddress.ip_network(prefix)
            if net.prefixlen >= (24 if net.version == 4 else 48):
                net = None
        if net is not None and not exceeds(need, bps / 2):
            return self._move_halves(i, net, bps, src, need)
        if self._place(i, prefix, bps, src):
            return bps
        if net is not None and not exceeds(bps / 2, self._room(i)):  # halves only help when one can fit somewhere
            return self._move_halves(i, net, bps, src, need)
        return 0.0

    def _room(self, i: int) -> float:
        """The most any alternate of demand `i` can still take."""
        rooms = [self.recv_limit[a] - self.load[a] for a in self.alternates(i) if a not in self.drained_links]
        return max(rooms, default=0.0)

    def _move_halves(self, i: int, net, bps: float, src: str, need: float) -> float:
        moved = 0.0
        for half in net.subnets(prefixlen_diff=1):
            if not exceeds(need, moved):
                break
            moved += self._move(i, str(half), bps / 2, src, need - moved)
        return moved

    def _relieve_link(self, lid: str) -> None:
        policy, cap = self.policy, self.cap[lid]
        start = self.load[lid]
        target = policy.target_utilization * cap
        deferred: list[int] = []
        for i in self._movable(lid):
            if not exceeds(self.load[lid], target):
                break
            need = self.load[lid] - target
            if not exceeds(self.demand_bps[i], need):
                self._move(i, self.prefixes[i], self.demand_bps[i], lid, need)
            else:
                deferred.append(i)
        for i in reversed(deferred):  # smallest prefix that covers what is left
            if not exceeds(self.load[lid], target):
                break
            self._move(i, self.prefixes[i], self.demand_bps[i], lid, self.load[lid] - target)
        self._report(lid, exceeds(self.load[lid], target), start, self.load[lid], cap, sorted(self.blocked.get(lid, ())))

    def _report(self, element: str, unresolved: bool, start: float, end: float, cap: float, rails: list[str]) -> None:
        """Name every guard rail that stopped a move on `element`, and say so when it stays above target."""
        if unresolved:
            self.unresolved.add(element)
            rails = rails or [RECEIVER_HEADROOM]  # nothing refused: no alternate/receiver had any room
            self.act("refuse", f"{element} stays at {_pct(end, cap)} (was {_pct(start, cap)}), above the target "
                     f"{self.policy.target_utilization:.0%}: blocked by {', '.join(rails)}", None, rails[0])
            rails = rails[1:]
        for rail in rails:
            self.act("refuse", f"{element}: {rail} stopped a move"
                     + ("" if unresolved else f"; other moves brought it to {_pct(end, cap)}"), None, rail)

    def _drain_link(self, lid: str) -> None:
        budget = self.policy.drain_step_fraction * self.natural[lid]
        moved = 0.0
        for i in self._movable(lid):
            bps = self.demand_bps[i]
            if moved > 0 and exceeds(moved + bps, budget):
                continue
            if self._place(i, self.prefixes[i], bps, lid):
                moved += bps
        remaining = sum(self.demand_bps[i] for i in self._movable(lid))
        self.act("keep",
                 f"drain {lid}: moved {moved:.0f} bps this cycle, {remaining:.0f} bps of prefixes still on it"
                 + (f" (blocked by {', '.join(sorted(self.blocked[lid]))})" if lid in self.blocked and exceeds(remaining, 0.0) else ""),
                 None, min(self.blocked[lid]) if lid in self.blocked and exceeds(remaining, 0.0) else None)

    # -- anycast ingress ----------------------------------------------------------------------------------
    def plan_ingress(self, previous_intents: Sequence[Intent]) -> None:
        policy = self.policy
        self.level_since: dict[tuple[str, str, str], float] = {}
        self.level_pinned: set[tuple[str, str, str]] = set()
        self.site_load = dict(self.site_natural)

        candidates: dict[tuple[str, str, str], tuple[Intent, bool]] = {}
        for intent in previous_intents:
            if not isinstance(intent, Detour):
                slot = self._ingress_slot(intent)
                if slot is None:
                    self.act("remove", f"{intent.kind} of pool {intent.pool} on {intent.router}:{intent.link}: the link "
                             "or the pool at its site no longer exists", intent)
                else:
                    candidates[slot] = (intent, False)
        for intent in self.pinned_intents:
            if not isinstance(intent, Detour):
                slot = self._ingress_slot(intent)
                if slot is not None:
                    candidates[slot] = (intent, True)
        for slot in sorted(candidates):
            intent, is_pinned = candidates[slot]
            self.level_since[slot] = self.previous_since.get(intent_key(intent), self.now)
            self._set_level(slot, self._intent_level(intent))
            if is_pinned:
                self.level_pinned.add(slot)
        self.previous_levels = dict(self.levels)

        # hysteresis, most aggressive shift first: withdrawals, then the highest prepend counts
        for slot in sorted(self.previous_levels, key=lambda s: (-self.levels[s], s)):
            site, pool, lid = slot
            intent = self.ingress_intent(slot)
            cap = self.site_cap[site]
            back = self.site_load[site] + self.moved_out(site, pool, lid, self.levels[slot])
            since = self.level_since[slot]
            if slot in self.level_pinned:
                self.act("keep", f"operator pin keeps {intent.kind} of {pool} on {lid}", intent)
            elif site in self.drained_sites:
                continue  # the drain below keeps and escalates it
            elif site in self.undrained_sites:
                lower = self.levels[slot] - 1
                back = self.site_load[site] + self.moved_out(site, pool, lid, self.levels[slot]) - self.moved_out(site, pool, lid, lower)
                if not exceeds(back, policy.target_utilization * cap):
                    self._set_level(slot, lower)
                    self.act("remove" if lower == 0 else "add", f"undrain {site}: {pool} on {lid} steps back to "
                             f"{'no shift' if lower == 0 else f'prepend {lower}'}, site at {_pct(back, cap)}",
                             intent if lower == 0 else self.ingress_intent(slot))
                else:
                    self.act("keep", f"undrain {site}: {pool} on {lid} steps back later (site would be at {_pct(back, cap)})",
                             intent, HIGH_WATERMARK)
            elif exceeds(back, policy.low_watermark * cap):
                self.act("keep", f"without it {site} would be at {_pct(back, cap)}, above the low watermark "
                         f"{policy.low_watermark:.0%}", intent, LOW_WATERMARK)
            elif self.now - since < policy.hold_time_s:
                self.act("keep", f"{site} would be at {_pct(back, cap)} without it, but the shift is only "
                         f"{self.now - since:.0f}s old (hold time {policy.hold_time_s:.0f}s)", intent, HOLD_TIME)
            else:
                self._set_level(slot, 0)
                self.act("remove", f"{site} stays at {_pct(back, cap)} with {pool} back on {lid}, under the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)

        self.ingress_budget = policy.max_moved_fraction * sum(self.site_natural.values())
        self.ingress_moved = 0.0
        for site in sorted(self.drained_sites):
            self._drain_site(site)
        overloaded = [s for s in self.site_ids if exceeds(self.site_load[s], policy.overload_threshold * self.site_cap[s])]
        for site in sorted(overloaded, key=lambda s: (-self.site_load[s] / self.site_cap[s], s)):
            if site not in self.drained_sites:
                self._relieve_site(site)

    @property
    def ingress_intent_count(self) -> int:
        return len(self.levels)

    def _set_level(self, slot: tuple[str, str, str], level: int) -> None:
        """Change one (site, pool, link) shift level and update the predicted site loads."""
        site, pool, lid = slot
        old = self.levels.get(slot, 0)
        change = self.moved_out(site, pool, lid, level) - self.moved_out(site, pool, lid, old)
        self.site_load[site] -= change
        for receiver, fraction in self.landing[(site, pool)]:
            self.site_load[receiver] += change * fraction
        if level > 0:
            self.levels[slot] = level
            self.level_since.setdefault(slot, self.now)
        else:
            self.levels.pop(slot, None)
            self.level_since.pop(slot, None)

    def ingress_intent(self, slot: tuple[str, str, str]) -> Intent:
        site, pool, lid = slot
        router, _, interface = lid.partition(":")
        level = self.levels.get(slot, 0)
        if level > self.policy.max_prepend:
            return Withdraw(router, interface, pool)
        return Prepend(router, interface, pool, max(level, 1))

    def withdrawn_sites(self, pool: str) -> set[str]:
        return {site for (site, p, _), level in self.levels.items() if p == pool and level > self.policy.max_prepend}

    def _try_step(self, slot: tuple[str, str, str], level: int, operator: bool) -> str | None:
        """Raise one shift to `level` if every guard rail allows; returns the guard rail that refused."""
        site, pool, lid = slot
        if not self.landing[(site, pool)]:
            return RECEIVER_HEADROOM
        old = self.levels.get(slot, 0)
        change = self.moved_out(site, pool, lid, level) - self.moved_out(site, pool, lid, old)
        if not exceeds(change, 0.0):
            return None
        if level > self.policy.max_prepend:
            withdrawn = self.withdrawn_sites(pool)
            if site not in withdrawn and len(withdrawn) >= self.policy.max_withdraw_sites:
                return MAX_WITHDRAW
        if not operator and exceeds(self.ingress_moved + change, self.ingress_budget):
            return MAX_MOVED
        if old == 0 and len(self.pieces) + self.ingress_intent_count >= self.policy.max_overrides:
            return MAX_OVERRIDES
        for receiver, fraction in self.landing[(site, pool)]:
            if exceeds(self.site_load[receiver] + change * fraction, self.site_recv_limit[receiver]):
                return RECEIVER_HEADROOM
        self._set_level(slot, level)
        self.ingress_moved += change
        cap = self.site_cap[site]
        self.act("add", f"{'withdraw' if level > self.policy.max_prepend else f'prepend {level}x'} {pool} toward {lid}: "
                 f"moves {change:.0f} bps off {site} (now {_pct(self.site_load[site], cap)})", self.ingress_intent(slot))
        return None

    def _relieve_site(self, site: str) -> None:
        """Pools lowest priority first; within a pool each link climbs prepend 1..max_prepend, and only when
        every pool is exhausted, withdrawal (never on the site's last link). Each round takes, among the
        pool's next one-step raises, the smallest that covers the remaining excess, or else the largest
        (ties: the lowest count first, then link order), so moves stay close to the excess."""
        policy, cap = self.policy, self.site_cap[site]
        start = self.site_load[site]
        target = policy.target_utilization * cap
        refused: set[str] = set()
        links = self.site_links[site]
        for withdraw in (False, True):
            for pool in self.site_pools[site]:
                closed: set[str] = set()
                while exceeds(self.site_load[site], target):
                    steps = []
                    for lid in links:
                        level = self.levels.get((site, pool, lid), 0)
                        ceiling = policy.max_prepend + 1 if withdraw and lid != links[-1] else policy.max_prepend
                        if lid in closed or level >= ceiling:
                            continue
                        change = self.moved_out(site, pool, lid, level + 1) - self.moved_out(site, pool, lid, level)
                        if exceeds(change, 0.0):
                            steps.append((change, lid, level + 1))
                    if not steps:
                        break
                    need = self.site_load[site] - target
                    covering = [step for step in steps if not exceeds(need, step[0])]
                    change, lid, level = min(covering, key=lambda s: (s[0], s[2])) if covering else max(steps, key=lambda s: (s[0], -s[2]))
                    rail = self._try_step((site, pool, lid), level, operator=False)
                    if rail:
                        refused.add(rail)
                        closed.add(lid)
        self._report(site, exceeds(self.site_load[site], target), start, self.site_load[site], cap, sorted(refused))

    def _drain_site(self, site: str) -> None:
        """One step per cycle: every link of every pool one prepend further, then explicit withdrawal."""
        for pool in self.site_pools[site]:
            for lid in self.site_links[site]:
                slot = (site, pool, lid)
                level = self.levels.get(slot, 0)
                if level > self.policy.max_prepend:
                    self.act("keep", f"drain {site}: {pool} stays withdrawn toward {lid}", self.ingress_intent(slot))
                    continue
                rail = self._try_step(slot, level + 1, operator=True)
                if rail:
                    self.act("refuse", f"drain {site}: {pool} toward {lid} cannot go to step {level + 1}", None, rail)

    # -- the whole plan -------------------------------------------------------------------------------------
    def build(self, stale_reasons: Sequence[str]) -> Plan:
        previous_intents = self.previous.intents if self.previous is not None else ()
        before_links, before_sites, before_delta, before_pieces = self.evaluate(previous_intents)

        if self.freeze is not None:
            for intent in previous_intents:
                self.act("remove", f"operator freeze{': ' + self.freeze.reason if self.freeze.reason else ''}: "
                         "every override removed, automation stopped", intent)
            return self.finish("frozen", (), before_links, before_sites, before_delta, before_pieces)
        if stale_reasons:
            for reason in sorted(stale_reasons):
                self.act("refuse", f"fail static: {reason}; no new shifts, active ones held", None, FAIL_STATIC)
            return self.hold("fail-static", before_links, before_sites, before_delta, before_pieces)

        self.plan_egress(previous_intents)
        self.plan_ingress(previous_intents)
        intents = [self.detour_intent(p) for p in self.pieces.values()]
        intents += [self.ingress_intent(slot) for slot in self.levels]
        intents = list(sort_intents(intents))

        since = {}
        existing = self.previous_keys()
        for intent in intents:
            key = intent_key(intent)
            since[key] = self.previous_since.get(key, self.now) if key in existing else self.now

        # circuit breaker: how many links and sites would newly shift at once (operator drains excluded)
        shifting = {p.src for p in self.pieces.values() if p.prefix not in self.previous_pieces and p.src not in self.drained_links}
        shifting |= {site for slot, level in self.levels.items() if level > self.previous_levels.get(slot, 0)
                     for site in (slot[0],) if site not in self.drained_sites}
        if len(shifting) > self.policy.max_shifting_elements:
            self.act("refuse", f"circuit breaker: {len(shifting)} links/sites would shift at once (limit "
                     f"{self.policy.max_shifting_elements}): {', '.join(sorted(shifting)[:10])}"
                     f"{' ...' if len(shifting) > 10 else ''}; previous intents held", None, CIRCUIT_BREAKER)
            return self.hold("circuit-breaker", before_links, before_sites, before_delta, before_pieces)

        changes = change_count(previous_intents, intents)
        if changes > self.policy.max_plan_change:
            self.act("refuse", f"the plan changes {changes} intents vs the previous one (limit "
                     f"{self.policy.max_plan_change}); previous intents held", None, MAX_PLAN_CHANGE)
            return self.hold("refused", before_links, before_sites, before_delta, before_pieces)

        # intents that relieve only part of the overload still go out: they are the best the rails allow
        status = "partial" if self.unresolved else "ok"
        return self.finish(status, intents, before_links, before_sites, before_delta, before_pieces, since)

    def previous_keys(self) -> set[str]:
        """Keys of the intents that existed before this cycle (previous plan and operator pins)."""
        keys = {intent_key(i) for i in (self.previous.intents if self.previous else ())}
        return keys | {intent_key(i) for i in self.pinned_intents}

    def hold(self, status, before_links, before_sites, before_delta, before_pieces) -> Plan:
        intents = tuple(self.previous.intents) if self.previous is not None else ()
        for intent in intents:
            self.act("keep", f"held from the previous plan ({status})", intent)
        since = {k: v for k, v in self.previous_since.items() if k in {intent_key(i) for i in intents}}
        return self.finish(status, intents, before_links, before_sites, before_delta, before_pieces, since)

    def finish(self, status, intents, before_links, before_sites, before_delta, before_pieces, since=None) -> Plan:
        after_links, after_sites, after_delta, after_pieces = self.evaluate(intents)
        moved = 0.0
        for prefix in sorted(before_pieces.keys() | after_pieces.keys()):
            old, new = before_pieces.get(prefix), after_pieces.get(prefix)
            if old is None or new is None or old.dst != new.dst:
                moved += (old or new).bps
        for site in sorted(before_delta.keys() | after_delta.keys()):
            old, new = before_delta.get(site, {}), after_delta.get(site, {})
            for pool in sorted(old.keys() | new.keys()):
                if old.get(pool, 0.0) < 0 or new.get(pool, 0.0) < 0:  # count where ingress leaves, not lands
                    moved += abs(min(0.0, new.get(pool, 0.0)) - min(0.0, old.get(pool, 0.0)))
        r = lambda x: round(x, 3)  # noqa: E731 - stable bytes across float summation noise
        return Plan(
            created=self.now,
            status=status,
            intents=sort_intents(intents),
            since=dict(sorted((since or {}).items())),
            links=tuple(Utilization(lid, self.cap[lid], r(before_links[lid]), r(after_links[lid])) for lid in self.link_ids),
            sites=tuple(Utilization(s, self.site_cap[s], r(before_sites[s]), r(after_sites[s])) for s in self.site_ids),
            moved_bps=r(moved),
            actions=tuple(self.actions),
            ingress_delta={s: {p: r(v) for p, v in sorted(pools.items())} for s, pools in sorted(after_delta.items())},
        )


def plan(
    network: Network,
    load: Load,
    previous: Plan | None,
    controls: Sequence[Control],
    now: float,
    *,
    stale_reasons: Sequence[str] = (),
) -> Plan:
    """Decide the intents for this cycle. `network` and `load` must already be validated; `stale_reasons`
    (non-empty when the load is stale or inconsistent) makes the plan fail static."""
    return _Planner(network, load, previous, tuple(controls), now).build(tuple(stale_reasons))


def change_count(old: Sequence[Intent], new: Sequence[Intent]) -> int:
    """Intents added, removed or changed between two plans (what `max_plan_change` limits)."""
    old_by_key = {intent_key(i): i for i in old}
    new_by_key = {intent_key(i): i for i in new}
    changed = sum(1 for k in old_by_key.keys() & new_by_key.keys() if old_by_key[k] != new_by_key[k])
    return len(old_by_key.keys() ^ new_by_key.keys()) + changed
