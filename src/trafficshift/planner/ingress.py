"""Anycast ingress (Traffic Manager style): keep or unwind the previous prepends and withdrawals, then relieve
overloaded sites a prepend step at a time (the package docstring has the order of moves)."""
from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

from trafficshift.model.plan import Detour, Intent, Prepend, Withdraw, intent_key
from trafficshift.planner.integral import CHEAPER_BY, MAX_JOINT_MOVES, PARTIAL_GAIN, Move, least_cost, lowest_worst
from trafficshift.tolerance import exceeds
from trafficshift.planner.rails import (HIGH_WATERMARK, HOLD_TIME, LOW_WATERMARK, MAX_MOVED, MAX_OVERRIDES,
                                        MAX_WITHDRAW, RECEIVER_HEADROOM, STEP_DWELL, pct)


class _IngressState(NamedTuple):
    """What relieving sites changes (`IngressPlanning._ingress_state`), to start over from."""

    levels: dict[tuple[str, str, str], int]
    since: dict[tuple[str, str, str], float]
    site_load: dict[str, float]
    moved: float
    raised_at: dict[str, float]
    actions: list


#: `_cheaper_relief` only saves traffic (the greedy steps already reach target), so it is not tried on
#: programs larger than this: a 200k-prefix network's 1,250 candidate steps took HiGHS over a second
CHEAPER_MAX_MOVES = 500
#: in the joint programs a bit/s of a pool costs this many times one of the next lower-priority pool
PRIORITY_WEIGHT = 4.0


class IngressPlanning:
    """The ingress half of `core._Planner` (a mixin over its state and helpers)."""

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
                             "or the pool at its site no longer exists, or the link's sessions carry none of the "
                             "pool's address families", intent)
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
            # a shift is as young as the last step at its site: lowering it sooner would undo that step
            since = max(self.level_since[slot], self.previous_stepped.get(site, 0.0))
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
                             f"{'no shift' if lower == 0 else f'prepend {lower}'}, site at {pct(back, cap)}",
                             intent if lower == 0 else self.ingress_intent(slot))
                else:
                    self.act("keep", f"undrain {site}: {pool} on {lid} steps back later (site would be at {pct(back, cap)})",
                             intent, HIGH_WATERMARK)
            elif exceeds(back, policy.low_watermark * cap):
                self.act("keep", f"without it {site} would be at {pct(back, cap)}, above the low watermark "
                         f"{policy.low_watermark:.0%}", intent, LOW_WATERMARK)
            elif self.now - since < policy.hold_time_s:
                self.act("keep", f"{site} would be at {pct(back, cap)} without it, but the shift (or the last "
                         f"step at {site}) is only {self.now - since:.0f}s old (hold time {policy.hold_time_s:.0f}s)",
                         intent, HOLD_TIME)
            else:
                self._set_level(slot, 0)
                self.act("remove", f"{site} stays at {pct(back, cap)} with {pool} back on {lid}, under the low "
                         f"watermark {policy.low_watermark:.0%}", intent, LOW_WATERMARK)

        self.ingress_budget = policy.max_moved_fraction * sum(self.site_natural.values())
        self.ingress_moved = 0.0
        for site in sorted(self.drained_sites):
            self._drain_site(site)
        # overloaded: above the watermark, or still above target with the shifts it keeps and above the
        # watermark without them, once its last step has had step_dwell_s to show (a site a partial plan left
        # there is tried again, and the plan stays partial while it cannot get there)
        shifted = {site for site, _, _ in self.levels}
        overloaded = [s for s in self.site_ids
                      if exceeds(self.site_load[s], policy.overload_threshold * self.site_cap[s])
                      or (s in shifted and not self._dwelling(s)
                          and exceeds(self.site_load[s], policy.target_utilization * self.site_cap[s])
                          and exceeds(self.site_natural[s], policy.overload_threshold * self.site_cap[s]))]
        overloaded.sort(key=lambda s: (-self.site_load[s] / self.site_cap[s], s))
        before = self._ingress_state()
        relieved = {site: (self.site_load[site], self._relieve_site(site))
                    for site in overloaded if site not in self.drained_sites}
        target = {site: policy.target_utilization * self.site_cap[site] for site in relieved}
        unresolved = [site for site in relieved if exceeds(self.site_load[site], target[site])]
        if unresolved:
            self._joint_relief(unresolved)
        elif relieved:
            self._cheaper_relief(list(relieved), before)
        for site, (start, refused) in relieved.items():
            self._report(site, exceeds(self.site_load[site], target[site]), start, self.site_load[site],
                         self.site_cap[site], refused)

    def _dwelling(self, site: str) -> bool:
        last_step = self.previous_stepped.get(site)
        return last_step is not None and self.now - last_step < self.policy.step_dwell_s

    def _receivers(self, sites: Iterable[str]) -> set[str]:
        return {receiver for site in sites for pool in self.site_pools[site]
                for receiver, _ in self.landing[(site, pool)]}

    def _ingress_state(self) -> _IngressState:
        """What relieving sites changes, to start over from."""
        return _IngressState(dict(self.levels), dict(self.level_since), dict(self.site_load), self.ingress_moved,
                             dict(self.raised_at), list(self.actions))

    def _restore_ingress(self, state: _IngressState) -> None:
        self.levels, self.level_since, self.site_load = dict(state.levels), dict(state.since), dict(state.site_load)
        self.ingress_moved, self.raised_at, self.actions = state.moved, dict(state.raised_at), list(state.actions)

    def _joint_relief(self, unresolved: Sequence[str]) -> None:
        """Relieve the hot sites one site at a time could not, together with their receivers: moving ingress
        off a hot site may need room that only its receivers' own shifts make (hot sites side by side, or
        receivers at the watermark). Among further whole prepend and withdrawal steps of those sites and of
        their receivers (not drained, not within `step_dwell_s`, not pinned), the least-cost set that brings
        each of those hot sites to its target while no other site ends above its target minus headroom (or
        above its load now, when it is already there), within `max_moved_fraction`, `max_overrides` and
        `max_withdraw_sites`. When no such set exists: the set that lowers the worst of those hot sites
        furthest (none above its load now), if by more than PARTIAL_GAIN. docs/guard-rails.md, "Joint
        relief"."""
        policy = self.policy
        movers = {site for site in {*unresolved, *self._receivers(unresolved)}
                  if site not in self.drained_sites and not self._dwelling(site)}
        relieving = sorted(set(unresolved) & movers)
        program = self._step_program(movers, relieving)
        if program is None:
            return
        moves, steps, exclusive, limits, bounds = program
        chosen = least_cost(moves, limits, exclusive)
        purpose = f"relieve {', '.join(relieving)}"
        if chosen is None:
            # no set brings them all to target: the one that lowers the worst of them as far as the rails
            # allow, none of them ending worse than now
            for site in relieving:
                bounds[site] = self.site_load[site]
                limits[("site", site)] = 0.0
            shares = {("site", site): (self.site_cap[site], self.site_load[site]) for site in relieving}
            lowered = lowest_worst(moves, limits, exclusive, shares, policy.target_utilization)
            worst_now = max(self.site_load[site] / self.site_cap[site] for site in relieving)
            if lowered is None or not exceeds(worst_now, lowered[1] + PARTIAL_GAIN):
                return
            chosen = lowered[0]
            purpose = f"lower the worst of {', '.join(relieving)} from {worst_now:.1%} to {lowered[1]:.1%}"
        state = self._ingress_state()
        if not self._take([steps[k] for k in chosen], purpose, bounds):
            self._restore_ingress(state)

    def _cheaper_relief(self, relieved: Sequence[str], before: _IngressState) -> None:
        """When one site at a time brought every hot site to target: the least-cost set of whole steps at
        those sites that does too (receivers within their limits, the same rails), taken instead when it moves
        less than CHEAPER_BY of what the greedy steps move. Steps cover an excess in whole fractions of a
        pool's ingress per link, and the smallest covering step of one pool can overshoot where two pools'
        smaller steps would not."""
        greedy_moved = self.ingress_moved - before.moved
        movers = {site for site in relieved if site not in self.drained_sites and not self._dwelling(site)}
        if not exceeds(greedy_moved, 0.0) or len(movers) < len(relieved):
            return
        after = self._ingress_state()
        self._restore_ingress(before)
        # the pools the greedy steps used at each site and those of lower priority, never a higher one
        used: dict[str, int] = {}
        for (site, pool, lid), level in after.levels.items():
            if level != before.levels.get((site, pool, lid), 0):
                used[site] = max(used.get(site, -1), self.site_pools[site].index(pool))
        program = self._step_program(movers, sorted(movers), used, CHEAPER_MAX_MOVES)
        chosen = None if program is None else least_cost(program[0], program[3], program[2])
        if chosen is not None:
            steps = [program[1][k] for k in chosen]
            least = math.fsum(extra for _, _, extra in steps)
            if exceeds(greedy_moved * (1 - CHEAPER_BY), least):
                purpose = (f"bring {', '.join(sorted(movers))} to target with the least ingress moved "
                           f"({least:.0f} bps; one step at a time: {greedy_moved:.0f} bps)")
                if self._take(steps, purpose, program[4]):
                    return
        self._restore_ingress(after)

    def _step_program(self, movers: set[str], relieving: Sequence[str], up_to: dict[str, int] | None = None,
                      most: int = MAX_JOINT_MOVES) -> tuple | None:
        """The whole prepend and withdrawal steps `movers` can still take (not pinned; with `up_to`, only in
        a site's pools up to that priority rank, lowest priority first), each with its effect
        on every site's load and on the rails, and the limits: `relieving` sites at or under target, every
        other site they land on at or under its receiver limit or its load now when above it. The cost of a
        step is the ingress it moves, weighted up PRIORITY_WEIGHT-fold per pool priority rank and twofold for
        a withdrawal, so the greedy relief's order stays the preference. (moves, steps, exclusive groups,
        limits, bounds) or None when there is nothing to choose from or more than `most` moves."""
        policy = self.policy
        if not relieving:
            return None
        pool_ids = sorted({pool for _, pool in self.pool_links})
        withdrawn = {pool: self.withdrawn_sites(pool) for pool in pool_ids}
        moves: list[Move] = []
        steps: list[tuple[tuple[str, str, str], int, float]] = []
        exclusive: list[list[int]] = []
        for site in sorted(movers):
            pools = self.site_pools[site]
            for rank, pool in enumerate(pools):
                if up_to is not None and rank > up_to.get(site, -1):
                    break
                landing = self.landing[(site, pool)]
                links = self.pool_links[(site, pool)]
                for lid in links if landing else ():
                    slot = (site, pool, lid)
                    if slot in self.level_pinned:
                        continue
                    floor = self.levels.get(slot, 0)
                    base = self.moved_out(site, pool, lid, floor)
                    group = []
                    for level in range(floor + 1, (policy.max_prepend if lid == links[-1] else policy.max_prepend + 1) + 1):
                        extra = self.moved_out(site, pool, lid, level) - base
                        if not exceeds(extra, 0.0):
                            continue
                        effects = [(("site", site), -extra), *((("site", r), extra * f) for r, f in landing),
                                   (("moved",), extra)]
                        if floor == 0:
                            effects.append((("overrides",), 1.0))
                        withdraws = level > policy.max_prepend
                        if withdraws and site not in withdrawn[pool]:
                            effects.append((("withdraw", pool), 1.0))
                        weight = PRIORITY_WEIGHT ** rank * (2.0 if withdraws else 1.0)
                        group.append(len(moves))
                        moves.append(Move(extra * weight, tuple(effects)))
                        steps.append((slot, level, extra))
                    if len(group) > 1:
                        exclusive.append(group)
        if not moves or len(moves) > most:
            return None
        target = {site: policy.target_utilization * self.site_cap[site] for site in relieving}
        limited = sorted(movers | self._receivers(movers))
        bounds = {site: target.get(site, max(self.site_recv_limit[site], self.site_load[site])) for site in limited}
        limits = {("site", site): bounds[site] - self.site_load[site] for site in limited}
        limits[("moved",)] = self.ingress_budget - self.ingress_moved
        limits[("overrides",)] = float(policy.max_overrides - len(self.pieces) - self.ingress_intent_count)
        for pool in pool_ids:
            limits[("withdraw", pool)] = float(policy.max_withdraw_sites - len(withdrawn[pool]))
        return moves, steps, exclusive, limits, bounds

    def _take(self, steps: list[tuple[tuple[str, str, str], int, float]], purpose: str, bounds: dict[str, float]) -> bool:
        """Take the chosen steps, each with an `add` action; False (the caller restores) when a site ends above
        its bound after all: HiGHS works to a tolerance, the planner to `exceeds`."""
        policy = self.policy
        steps = sorted(steps)
        for slot, level, extra in steps:
            self._set_level(slot, level)
            self.ingress_moved += extra
            self.raised_at[slot[0]] = self.now
        for slot, level, extra in steps:  # the loads once every step is taken: they land on each other
            site, pool, lid = slot
            self.act("add", f"{'withdraw' if level > policy.max_prepend else f'prepend {level}x'} {pool} toward {lid}: "
                     f"moves {extra:.0f} bps off {site}, one of the steps taken together to {purpose} "
                     f"({site} ends at {pct(self.site_load[site], self.site_cap[site])})", self.ingress_intent(slot))
        return not any(exceeds(self.site_load[site], bound) for site, bound in bounds.items())

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
        last_step = self.previous_stepped.get(site)
        if not operator and last_step is not None and self.now - last_step < self.policy.step_dwell_s:
            return STEP_DWELL  # the load does not show the last step yet: judging it now would overshoot
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
        self.raised_at[site] = self.now
        cap = self.site_cap[site]
        self.act("add", f"{'withdraw' if level > self.policy.max_prepend else f'prepend {level}x'} {pool} toward {lid}: "
                 f"moves {change:.0f} bps off {site} (now {pct(self.site_load[site], cap)})", self.ingress_intent(slot))
        return None

    def _relieve_site(self, site: str) -> list[str]:
        """Pools lowest priority first; within a pool each link climbs prepend 1..max_prepend, and only when
        every pool is exhausted, withdrawal (never on the last link carrying the pool at the site). Each round takes, among the
        pool's next one-step raises, the smallest that covers the remaining excess, or else the largest
        (ties: the lowest count first, then link order), so moves stay close to the excess. Returns the
        guard rails that refused a step."""
        policy = self.policy
        target = policy.target_utilization * self.site_cap[site]
        refused: set[str] = set()
        for withdraw in (False, True):
            for pool in self.site_pools[site]:
                links = self.pool_links[(site, pool)]
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
        return sorted(refused)

    def _drain_site(self, site: str) -> None:
        """One step per cycle: every link of every pool one prepend further, then explicit withdrawal."""
        for pool in self.site_pools[site]:
            for lid in self.pool_links[(site, pool)]:
                slot = (site, pool, lid)
                level = self.levels.get(slot, 0)
                if level > self.policy.max_prepend:
                    self.act("keep", f"drain {site}: {pool} stays withdrawn toward {lid}", self.ingress_intent(slot))
                    continue
                rail = self._try_step(slot, level + 1, operator=True)
                if rail:
                    self.act("refuse", f"drain {site}: {pool} toward {lid} cannot go to step {level + 1}", None, rail)
