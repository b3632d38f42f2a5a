"""Egress (Edge Fabric style): keep or give back the previous detours, then relieve overloaded links by
detouring prefixes to alternates with room (the package docstring has the order of moves)."""
from __future__ import annotations

import ipaddress
import math
from typing import Iterable, NamedTuple, Sequence

from trafficshift.model.plan import Detour, Intent, intent_key, intent_to_dict
from trafficshift.model.projection import Piece
from trafficshift.planner.integral import CHEAPER_BY, MAX_JOINT_MOVES, PARTIAL_GAIN, Move, least_cost, lowest_worst
from trafficshift.tolerance import exceeds
from trafficshift.planner.rails import (HIGH_WATERMARK, HOLD_TIME, LOW_WATERMARK, MAX_MOVED, MAX_OVERRIDES,
                                        NO_DETOUR_ROUTE, RECEIVER_HEADROOM, pct)

#: `_cheaper_detours` only saves traffic (the greedy detours already reach target), so it is not tried on
#: programs with more candidate detours than this
CHEAPER_MAX_MOVES = 2_000
#: between two alternates of one prefix the program prefers the more preferred one, as the greedy picks do:
#: each rank down costs this share more
ALTERNATE_RANK_COST = 1e-4


class _EgressState(NamedTuple):
    """What relieving links changes, to start over from."""

    pieces: dict
    load: dict[str, float]
    moved: float
    parent_pieces: dict[int, int]
    blocked: dict[str, frozenset[str]]
    actions: list


class EgressPlanning:
    """The egress half of `core._Planner` (a mixin over its state and helpers)."""

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
            if piece.dst in self.failed_links:
                self.act("remove", f"detour of {piece.prefix}: its alternate {piece.dst} has failed ({self.failure(piece.dst)})", intent)
                continue
            why = self._moves_nothing(piece.prefix, piece.src, piece.dst)
            if why is not None:
                self.act("remove", f"detour of {piece.prefix}: {why}", intent, NO_DETOUR_ROUTE)
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
                         f"{pct(self.load[piece.dst] + piece.bps, dst_cap)} with it, above the high watermark "
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
            elif piece.src in self.failed_links:
                self.act("keep", f"{piece.src} has failed ({self.failure(piece.src)})", intent)
            elif piece.src in self.undrained_links:
                if not exceeds(back, policy.target_utilization * src_cap) and self._undrain_room(piece.src, piece.bps):
                    self._unapply(piece)
                    self.act("remove", f"undrain {piece.src}: {piece.prefix} returns, link at {pct(back, src_cap)}", intent)
                else:
                    self.act("keep", f"undrain {piece.src}: {piece.prefix} returns in a later cycle "
                             f"(step size or target {policy.target_utilization:.0%})", intent)
            elif exceeds(back, policy.low_watermark * src_cap):
                self.act("keep", f"without this detour {piece.src} would be at {pct(back, src_cap)}, above the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)
            elif self.now - piece.since < policy.hold_time_s:
                self.act("keep", f"{piece.src} would be at {pct(back, src_cap)} without it, but the detour is only "
                         f"{self.now - piece.since:.0f}s old (hold time {policy.hold_time_s:.0f}s)", intent, HOLD_TIME)
            else:
                self._unapply(piece)
                self.act("remove", f"{piece.src} stays at {pct(back, src_cap)} with {piece.prefix} back, under the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)
        self.previous_pieces = {p.prefix: p for p in kept}

        overloaded = [lid for lid in self.link_ids if exceeds(self.load[lid], policy.overload_threshold * self.cap[lid])]
        self.index_links(sorted(self.drained_links | set(overloaded)))
        # a failed link's prefixes go first: they have left it already, BGP picks where unless we do
        for lid in sorted(self.failed_links):
            self._relieve_failed_link(lid)
        for lid in sorted(self.drained_links - self.failed_links):
            self._drain_link(lid)
        hottest_first = sorted(overloaded, key=lambda lid: (-self.load[lid] / self.cap[lid] if self.cap[lid] else 0.0, lid))
        relieving = [lid for lid in hottest_first if lid not in self.drained_links and lid not in self.failed_links]
        before = self._egress_state()
        starts = {lid: self.load[lid] for lid in relieving}
        for lid in relieving:
            self._relieve_link(lid)
        target = {lid: policy.target_utilization * self.cap[lid] for lid in relieving}
        unresolved = [lid for lid in relieving if exceeds(self.load[lid], target[lid])]
        if unresolved:
            self._joint_detours(unresolved)
        elif relieving:
            self._cheaper_detours(relieving, before)
        for lid in relieving:
            self._report(lid, exceeds(self.load[lid], target[lid]), starts[lid], self.load[lid], self.cap[lid],
                         sorted(self.blocked.get(lid, ())))

    def _egress_state(self) -> _EgressState:
        return _EgressState(dict(self.pieces), dict(self.load), self.egress_moved, dict(self.parent_pieces),
                            {element: frozenset(rails) for element, rails in self.blocked.items()}, list(self.actions))

    def _restore_egress(self, state: _EgressState) -> None:
        self.pieces, self.load, self.egress_moved = dict(state.pieces), dict(state.load), state.moved
        self.parent_pieces, self.actions = dict(state.parent_pieces), list(state.actions)
        self.blocked = {element: set(rails) for element, rails in state.blocked.items()}

    def _cheaper_detours(self, relieved: Sequence[str], before: _EgressState) -> None:
        """When one link at a time brought every overloaded link to target with whole prefixes, nothing refused
        and no earlier detour re-pointed: the least-cost set of whole detours off those links that does too
        (each alternate within its receiver limit, the same rails), taken instead when it moves less than
        CHEAPER_BY of what the greedy picks move. Largest first plus one cover is a good packing of one link's
        excess, not the least: two mid-sized prefixes can cover what the greedy cover overshoots."""
        greedy_moved = self.egress_moved - before.moved
        after = self._egress_state()
        if (not exceeds(greedy_moved, 0.0) or after.blocked != before.blocked
                or any(after.pieces.get(key) is not piece for key, piece in before.pieces.items())
                or any(piece.prefix != self.prefixes[piece.parent] for piece in after.pieces.values()
                       if piece.prefix not in before.pieces)):
            return
        self._restore_egress(before)
        program = self._detour_program(relieved)
        chosen = None
        if program is not None:
            index = {(prefix, dst): k for k, (prefix, _, dst) in enumerate(program[3])}
            greedy = [index.get((piece.prefix, piece.dst)) for key, piece in after.pieces.items()
                      if key not in before.pieces]
            chosen = least_cost(program[0], program[2], program[1], None if None in greedy else greedy)
        if chosen is not None:
            picks = sorted((program[3][k] for k in chosen), key=lambda pick: pick[0])
            least = math.fsum(self.demand_bps[i] for _, i, _ in picks)
            if exceeds(greedy_moved * (1 - CHEAPER_BY), least):
                why = f" (with the least traffic moved: {least:.0f} bps, one prefix at a time {greedy_moved:.0f} bps)"
                for prefix, i, dst in picks:
                    self._add_detour(Piece(prefix, i, self.demand_bps[i], self.demand_link[i], dst, self.now), why)
                if not any(exceeds(self.load[lid], bound) for lid, bound in program[4].items()):
                    return
        self._restore_egress(after)

    def _detour_program(self, relieved: Sequence[str]) -> tuple | None:
        """Whole detours of the movable prefixes of `relieved` links to their usable alternates, and the
        limits: those links at or under target, every alternate at or under its receiver limit (or its load
        now when above it), within `max_moved_fraction` and `max_overrides`. The cost of a detour is the
        traffic it moves. (moves, exclusive groups, limits, picks, bounds), or None when there is nothing to
        choose from or more than CHEAPER_MAX_MOVES candidates."""
        moves: list[Move] = []
        picks: list[tuple[str, int, str]] = []
        exclusive: list[list[int]] = []
        for lid in relieved:
            for i in self._movable(lid):
                prefix, bps = self.prefixes[i], self.demand_bps[i]
                if self.routes.more_specific(prefix, lid) is not None:
                    continue
                group = []
                for rank, alt in enumerate(self.alternates(i)):
                    if self._usable(prefix, alt):
                        group.append(len(moves))
                        moves.append(Move(bps * (1 + ALTERNATE_RANK_COST * rank),
                                          ((("link", lid), -bps), (("link", alt), bps), (("moved",), bps), (("overrides",), 1.0))))
                        picks.append((prefix, i, alt))
                if len(group) > 1:
                    exclusive.append(group)
                if len(moves) > CHEAPER_MAX_MOVES:
                    return None
        if not moves:
            return None
        target = {lid: self.policy.target_utilization * self.cap[lid] for lid in relieved}
        links = sorted({row[1] for move in moves for row, _ in move.effects if row[0] == "link"})
        bounds = {lid: target.get(lid, max(self.recv_limit[lid], self.load[lid])) for lid in links}
        limits = {("link", lid): bound - self.load[lid] for lid, bound in bounds.items()}
        limits[("moved",)] = self.egress_budget - self.egress_moved
        limits[("overrides",)] = float(self.policy.max_overrides - len(self.pieces) - self.ingress_intent_count)
        return moves, exclusive, limits, picks, bounds

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
        kept_back = self.routes.more_specific(prefix, src)
        if kept_back is not None:
            self._refuse_route(prefix, "", src, f"detour of {prefix} from {src} not planned: {src}'s neighbor "
                               f"sends the more-specific {kept_back}, whose traffic would stay on {src}")
            return False
        for alt in self.alternates(i):
            if alt in self.drained_links or alt in self.failed_links:
                continue
            if alt in self.routes.sessions_down:
                self._refuse_route("", alt, src, f"no detour to {alt}: its BGP session is down, its neighbor "
                                   "sends nothing")
                continue
            if (prefix, alt) in self.routes.not_sent:
                self._refuse_route(prefix, alt, src, f"detour {prefix} from {src} to {alt} not planned: {alt}'s "
                                   f"neighbor does not send {prefix}, so the detour would not move it")
                continue
            if not exceeds(self.load[alt] + bps, self.recv_limit[alt]):
                self._add_detour(Piece(prefix, i, bps, src, alt, self.now))
                return True
        if self._make_room(i, prefix, bps, src):
            return True
        self.block(src, RECEIVER_HEADROOM)
        return False

    def _add_detour(self, piece: Piece, why: str = "") -> None:
        self._apply(piece)
        self.egress_moved += piece.bps
        src, dst = piece.src, piece.dst
        self.act("add", f"detour {piece.prefix} ({piece.bps:.0f} bps) from {src} to {dst}: {src} at "
                 f"{pct(self.load[src] + piece.bps, self.cap[src])}, {dst} goes to {pct(self.load[dst], self.cap[dst])}"
                 + why, self.detour_intent(piece))

    def _usable(self, prefix: str, alt: str) -> bool:
        """Whether a detour of `prefix` to `alt` could be placed at all (room aside)."""
        return (alt not in self.drained_links and alt not in self.failed_links and alt not in self.routes.sessions_down
                and (prefix, alt) not in self.routes.not_sent)

    def _make_room(self, i: int, prefix: str, bps: float, src: str) -> bool:
        """When every alternate of a piece is full, move one detour this cycle placed on one of them to
        another of its own alternates with room, and place the piece there (one step of an ejection chain:
        whole prefixes pack like bins, and first-fit alone can strand a prefix whose only alternate another
        prefix could have left). The smallest detour that makes enough room goes; none from earlier cycles."""
        for alt in self.alternates(i):
            if not self._usable(prefix, alt):
                continue
            fits = lambda piece: not exceeds(self.load[alt] - piece.bps + bps, self.recv_limit[alt])  # noqa: E731
            movable = sorted((p for p in self.pieces.values() if p.dst == alt and p.prefix not in self.previous_pieces
                              and not p.pinned and fits(p)), key=lambda p: (p.bps, p.prefix))
            for piece in movable:
                for other in self.alternates(piece.parent):
                    if other == alt or not self._usable(piece.prefix, other):
                        continue
                    if not exceeds(self.load[other] + piece.bps, self.recv_limit[other]):
                        self._repoint(piece, other, f"; it leaves room on {alt} for {prefix}")
                        self._add_detour(Piece(prefix, i, bps, src, alt, self.now),
                                         f" (after {piece.prefix} moved on to {other})")
                        return True
        return False

    def _repoint(self, piece: Piece, dst: str, why: str) -> None:
        """Send a detour placed this cycle to another alternate; its 'add' action says the new one."""
        old = intent_to_dict(self.detour_intent(piece))
        self._unapply(piece)
        self.egress_moved -= piece.bps
        self.actions = [a for a in self.actions if not (a.verb == "add" and a.intent == old)]
        self._add_detour(Piece(piece.prefix, piece.parent, piece.bps, piece.src, dst, piece.since), why)

    def _moves_nothing(self, prefix: str, src: str, dst: str) -> str | None:
        """Why a detour of `prefix` from `src` to `dst` would not move its traffic, by the routers' reports."""
        if dst in self.routes.sessions_down:
            return f"{dst}'s BGP session is down, so the detour cannot move it"
        if (prefix, dst) in self.routes.not_sent:
            return f"{dst}'s neighbor no longer sends it, so the detour cannot move it"
        kept_back = self.routes.more_specific(prefix, src)
        if kept_back is not None:
            return f"{src}'s neighbor sends the more-specific {kept_back}, whose traffic stays on {src}"
        return None

    def _refuse_route(self, prefix: str, alt: str, src: str, reason: str) -> None:
        """Say `reason` once per cycle for (`prefix`, `alt`); the source is blocked by the routes."""
        if (prefix, alt) not in self._refused_routes:
            self._refused_routes.add((prefix, alt))
            self.act("refuse", reason, None, NO_DETOUR_ROUTE)
        self.block(src, NO_DETOUR_ROUTE)

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
            if str(half) in self.by_prefix:
                # a demand of its own: routers forward to it by longest match, so none of this demand's
                # traffic is in it, and a detour of it would move the other demand's traffic
                continue
            moved += self._move(i, str(half), bps / 2, src, need - moved)
        return moved

    def _relief_picks(self, members: list[int], need: float) -> list[int]:
        """The prefixes to move off a link for `need` bps when each can go whole: largest first while they fit
        the rest, then one prefix that covers what is left, at whichever step that cover makes the total
        moved least (a cover right after the first prefix can beat three smaller ones plus a cover); on a tie
        the later step, which keeps more of the move in prefixes that fit whole."""
        bps = self.demand_bps
        taken: list[int] = []
        moved = 0.0
        best: list[int] = []
        best_total = math.inf
        larger: list[int] = []  # members above the rest when reached; the last one is the smallest cover
        position = 0
        while True:
            rest = need - moved
            if not exceeds(rest, 0.0):
                if not exceeds(moved, best_total):
                    best = list(taken)
                break
            while position < len(members) and exceeds(bps[members[position]], rest):
                larger.append(members[position])
                position += 1
            if larger and not exceeds(moved + bps[larger[-1]], best_total):
                best_total = moved + bps[larger[-1]]
                best = taken + [larger[-1]]
            if position == len(members):
                break
            taken.append(members[position])
            moved += bps[members[position]]
            position += 1
        return best or taken

    def _relieve_link(self, lid: str) -> None:
        """Bring one overloaded link to target, one prefix at a time (plan_egress reports what is left)."""
        start = self.load[lid]
        target = self.policy.target_utilization * self.cap[lid]
        for i in self._relief_picks(self._movable(lid), start - target):
            if not exceeds(self.load[lid], target):
                break
            self._move(i, self.prefixes[i], self.demand_bps[i], lid, self.load[lid] - target)
        # what the picks did not cover (an alternate without room, a split): largest first, then the
        # smallest prefix that covers the rest
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

    def _report(self, element: str, unresolved: bool, start: float, end: float, cap: float, rails: list[str]) -> None:
        """Name every guard rail that stopped a move on `element`, and say so when it stays above target."""
        if unresolved:
            self.unresolved.add(element)
            rails = rails or [RECEIVER_HEADROOM]  # nothing refused: no alternate/receiver had any room
            self.act("refuse", f"{element} stays at {pct(end, cap)} (was {pct(start, cap)}), above the target "
                     f"{self.policy.target_utilization:.0%}: blocked by {', '.join(rails)}", None, rails[0])
            rails = rails[1:]
        for rail in rails:
            self.act("refuse", f"{element}: {rail} stopped a move"
                     + ("" if unresolved else f"; other moves brought it to {pct(end, cap)}"), None, rail)

    def _relieve_failed_link(self, lid: str) -> None:
        """Every prefix of a failed link (capacity 0) to an alternate with room, whole or split, at once."""
        start = self.load[lid]
        for i in self._movable(lid):
            self._move(i, self.prefixes[i], self.demand_bps[i], lid, self.demand_bps[i])
        if exceeds(self.load[lid], 0.0):
            self._joint_detours([lid])
        remaining = self.load[lid]
        rails = sorted(self.blocked.get(lid, ()))
        if exceeds(remaining, 0.0):
            self.unresolved.add(lid)
            rails = rails or [RECEIVER_HEADROOM]
            self.act("refuse", f"{lid} has failed ({self.failure(lid)}): {start - remaining:.0f} bps of its prefixes planned "
                     f"onto alternates, {remaining:.0f} bps have none with room: blocked by {', '.join(rails)}",
                     None, rails[0])
        elif exceeds(start, 0.0):
            self.act("keep", f"{lid} has failed ({self.failure(lid)}): all {start:.0f} bps of its prefixes planned onto "
                     "alternates", None)

    def _joint_detours(self, lids: Sequence[str]) -> None:
        """The prefixes one prefix at a time left on a failed link, or on overloaded links above target, placed
        together with room made for them: whole prefixes pack like bins, so one may need another to leave its
        alternate first. Among moving each of their prefixes to one of its alternates, re-pointing detours this
        cycle placed on those alternates, and detouring prefixes that prefer those alternates to alternates of
        their own, the least traffic moved that brings every one of `lids` to its target (none for a failed
        link) with no other link ending above its target minus headroom (or above its load now, when already
        there), within `max_moved_fraction` and `max_overrides`. When none does: the moves that lower the
        worst of them furthest, none ending above its load now, taken for a failed link when anything comes
        off it, for overloaded links when the worst utilization drops by more than PARTIAL_GAIN. Whole
        prefixes, no splits; a 0/1 program (`trafficshift.planner.integral`), like the ingress joint relief."""
        failed = lids[0] in self.failed_links  # one failed link, or overloaded ones
        hot = set(lids)
        stranded = [(lid, i) for lid in lids for i in self._movable(lid)]
        alternates = {i: [a for a in self.alternates(i) if self._usable(self.prefixes[i], a)] for _, i in stranded}
        receivers = sorted({a for alts in alternates.values() for a in alts} - hot)
        self.index_links(receivers)
        moves: list[Move] = []
        choices: list[tuple[str, int, str, Piece | None]] = []  # (prefix, demand, destination, re-pointed piece)
        exclusive: list[list[int]] = []

        def offer(prefix: str, i: int, bps: float, src: str, dsts: Iterable[str], piece: Piece | None) -> None:
            group = []
            for dst in dsts:
                effects = [(("link", src), -bps), (("link", dst), bps)]
                if piece is None:  # a new detour; a re-pointed one is moved and counted already
                    effects += [(("moved",), bps), (("overrides",), 1.0)]
                group.append(len(moves))
                moves.append(Move(bps, tuple(effects)))
                choices.append((prefix, i, dst, piece))
            if len(group) > 1:
                exclusive.append(group)

        for lid, i in stranded:
            offer(self.prefixes[i], i, self.demand_bps[i], lid, alternates[i], None)
        for alt in receivers:
            for piece in sorted(self.pieces.values(), key=lambda p: p.prefix):
                if piece.dst == alt and piece.prefix not in self.previous_pieces and not piece.pinned:
                    offer(piece.prefix, piece.parent, piece.bps, alt,
                          [o for o in self.alternates(piece.parent) if o != alt and self._usable(piece.prefix, o)], piece)
            for j in self._movable(alt):
                offer(self.prefixes[j], j, self.demand_bps[j], alt,
                      [o for o in self.alternates(j) if self._usable(self.prefixes[j], o)], None)
        if not moves or len(moves) > MAX_JOINT_MOVES:
            return
        links = sorted({row[1] for move in moves for row, _ in move.effects if row[0] == "link"})
        bounds = {other: max(self.recv_limit[other], self.load[other]) for other in links if other not in hot}
        bounds.update({lid: 0.0 if failed else self.policy.target_utilization * self.cap[lid] for lid in lids})
        limits = {("link", other): bound - self.load[other] for other, bound in bounds.items()}
        limits[("moved",)] = self.egress_budget - self.egress_moved
        limits[("overrides",)] = float(self.policy.max_overrides - len(self.pieces) - self.ingress_intent_count)
        chosen = least_cost(moves, limits, exclusive)
        why = (f" (placed together with the rest of failed {lids[0]}'s prefixes)" if failed
               else f" (one of the detours placed together to relieve {', '.join(lids)})")
        if chosen is None:
            for lid in lids:
                bounds[lid] = self.load[lid]
                limits[("link", lid)] = 0.0
            # a failed link's share is its load in bit/s (no capacity); an overloaded one's its utilization
            shares = {("link", lid): (1.0 if failed else self.cap[lid], self.load[lid]) for lid in lids}
            worst_now = max(load / capacity for capacity, load in shares.values())
            lowered = lowest_worst(moves, limits, exclusive, shares, 0.0 if failed else self.policy.target_utilization)
            if lowered is None or not exceeds(worst_now, lowered[1] + (0.0 if failed else PARTIAL_GAIN)):
                return
            chosen = lowered[0]
            if not failed:
                why = (f" (one of the detours placed together to lower the worst of {', '.join(lids)} from "
                       f"{worst_now:.1%} to {lowered[1]:.1%})")
        state = self._egress_state()
        for prefix, i, dst, piece in sorted((choices[k] for k in chosen), key=lambda c: (c[3] is None, c[0])):
            if piece is not None:
                self._repoint(piece, dst, why)
            else:
                self._add_detour(Piece(prefix, i, self.demand_bps[i], self.demand_link[i], dst, self.now), why)
        if any(exceeds(self.load[other], bound) for other, bound in bounds.items()):  # HiGHS works to a tolerance
            self._restore_egress(state)

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
