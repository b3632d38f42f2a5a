"""Staged, all-or-nothing rollout of one plan over the fleet, as plain Python over an injected caller.

The runner passes ``call(routers, function, kwargs) -> {router: Reply}`` that runs a `traffic.*` execution
module function (docs/salt-integration.md has the contract) on those routers at once; unit tests pass a fake.
A router missing from the reply did not answer: that is its failure. As in nornir, a failure on one router
is that router's result; it never raises out of here.

Sequence (docs/salt-integration.md, "traffic.apply"):
1. stages: the canary router(s) first, then batches of `batch_size`, routers in name order;
2. per stage: ``traffic.apply`` (load, compare, commit confirmed with `revert_in`; unchanged routers commit
   nothing), then the health check on every router it changed: ``traffic.current`` must answer (session
   up) with the intents it was given (the running config read back equals the intent; a read, because EOS
   refuses a new config session, i.e. ``traffic.diff``, while a commit timer is pending); with an
   `EffectCheck`, ``traffic.verify`` reads back and looks at the routes in the same job: every checked
   detour's prefix must leave by its alternate, every prepend and withdrawal must show in what the neighbors
   are sent; a router with misses is asked again (``traffic.effect``) every `interval_s` while BGP converges,
   for at most `budget_s` (docs/effect.md); a miss still there then fails the router, naming prefix and
   neighbor;
3. all stages healthy: ``traffic.confirm`` on every changed router;
4. any failure: no further stage starts and ``traffic.rollback`` runs on every router changed in this run
   (and on a failed router still holding a pending commit), so the fleet ends on its previous state. A
   router the rollback cannot reach reverts by itself when its commit-confirmed timer expires.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

#: per-router outcomes
UNCHANGED = "unchanged"  # nothing to change, nothing committed
CONFIRMED = "confirmed"  # committed, healthy, confirmed
FAILED = "failed"  # this router's step failed (see error)
ROLLED_BACK = "rolled-back"  # committed in this run, then rolled back because the run failed
ROLLBACK_FAILED = "rollback-failed"  # could not be rolled back: reverts by itself after revert_in
NOT_ATTEMPTED = "not-attempted"  # a later stage that never started
PENDING = "pending"  # committed, confirm not yet sent (only seen mid-run, e.g. if the runner dies)
#: committed in this run, then reverted by the router itself (it rebooted, or its commit-confirmed timer expired)
REVERTED_BY_ROUTER = "reverted-by-router"

#: run statuses
APPLIED = "applied"  # at least one router changed and every change is confirmed
NO_CHANGE = "no-change"  # every router already matched the plan
ROLLED_BACK_RUN = "rolled-back"  # a failure; every changed router was rolled back
FAILED_RUN = "failed"  # a failure and at least one rollback failed too (those routers revert by themselves)


@dataclass(frozen=True)
class Reply:
    ok: bool
    value: Any  # the function's return when ok, else the error text


log = logging.getLogger(__name__)

Caller = Callable[[Sequence[str], str, dict], Mapping[str, Reply]]
Notify = Callable[[str, dict], None]


@dataclass(frozen=True)
class EffectCheck:
    """Check the effect before confirming (module docstring, step 2): `hot_links` (link ids the plan
    predicts above target) have every detour off them checked; `sleep`/`clock` are injected for tests."""

    budget_s: float
    hot_links: tuple[str, ...] = ()
    interval_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


#: misses quoted in a router's error line; the outcome keeps them all
QUOTED_MISSES = 3


@dataclass
class RolloutResult:
    status: str
    outcomes: dict[str, dict] = field(default_factory=dict)
    #: wall seconds the effect check took over every stage (None: no check ran)
    effect_s: float | None = None

    @property
    def changed(self) -> list[str]:
        return sorted(r for r, o in self.outcomes.items() if o["outcome"] in (CONFIRMED, ROLLED_BACK,
                                                                              ROLLBACK_FAILED, PENDING,
                                                                              REVERTED_BY_ROUTER))

    @property
    def ok(self) -> bool:
        return self.status in (APPLIED, NO_CHANGE)

    def to_dict(self) -> dict:
        timing = {} if self.effect_s is None else {"effect_s": round(self.effect_s, 3)}
        return {"status": self.status, "outcomes": {r: dict(o) for r, o in sorted(self.outcomes.items())}, **timing}


def stages(routers: Sequence[str], canary: int = 1, batch_size: int = 2) -> list[list[str]]:
    """``["a", "b", "c", "d", "e"]``, canary 1, batch 2 -> ``[["a"], ["b", "c"], ["d", "e"]]``."""
    if canary < 0 or batch_size < 1:
        raise ValueError(f"canary must be >= 0 and batch_size >= 1, got {canary} and {batch_size}")
    ordered = sorted(routers)
    result = [ordered[:canary]] if canary and ordered else []
    rest = ordered[canary:]
    result += [rest[i:i + batch_size] for i in range(0, len(rest), batch_size)]
    return result


def _comparable(intent: dict) -> str:
    # a detour's from_link is planner bookkeeping the router does not carry: it reads back as None
    return json.dumps({k: v for k, v in intent.items() if k != "from_link"}, sort_keys=True)


def intent_drift(wanted: Sequence[dict], running: Sequence[dict], router: str) -> tuple[list[str], list[str]]:
    """(intents of `router` missing on it, intents it runs that were not wanted), comparable strings."""
    want = {_comparable(i) for i in wanted if i.get("router") == router}
    have = {_comparable(i) for i in running if i.get("router") == router}
    return sorted(want - have), sorted(have - want)


def _ignore(tag: str, data: dict) -> None:
    return None


class _Run:
    def __init__(self, call: Caller, params: dict, revert_in: int, notify: Notify,
                 effect: EffectCheck | None = None) -> None:
        self.call = call
        self.params = params
        self.revert_in = revert_in
        self.notify = notify
        self.effect = effect
        self.outcomes: dict[str, dict] = {}
        self.effect_s: float | None = None

    def set(self, router: str, outcome: str, **extra: Any) -> None:
        self.outcomes[router] = {**self.outcomes.get(router, {}), "outcome": outcome, **extra}
        self.report("router", {"router": router, **self.outcomes[router]})

    def report(self, kind: str, data: dict) -> None:
        # progress reporting must never break an all-or-nothing rollout half way
        try:
            self.notify(kind, data)
        except Exception:  # pylint: disable=broad-except
            log.exception("rollout: progress report %s failed; the rollout goes on", kind)

    def each(self, routers: Sequence[str], function: str, kwargs: dict) -> dict[str, Reply]:
        replies = dict(self.call(list(routers), function, kwargs))
        return {router: replies.get(router, Reply(False, f"{router}: no return from {function}"))
                for router in routers}

    def stage(self, routers: list[str]) -> bool:
        """Commit and health-check one stage; False when any router in it failed."""
        healthy = True
        changed: list[str] = []
        for router, reply in self.each(routers, "traffic.apply", {**self.params, "revert_in": self.revert_in}).items():
            if not reply.ok:
                self.set(router, FAILED, step="apply", error=str(reply.value))
                healthy = False
            elif reply.value.get("changed"):
                changed.append(router)
                self.set(router, PENDING, diff=reply.value.get("diff", ""), **_took(reply.value, "apply_s"))
            else:
                self.set(router, UNCHANGED, **_took(reply.value, "apply_s"))
        if not changed:
            return healthy
        # with an effect check, the read-back and the first look at the routes are one job (traffic.verify)
        function = "traffic.current" if self.effect is None else "traffic.verify"
        read_back: dict[str, dict] = {}
        for router, reply in self.each(changed, function, self.effect_kwargs()).items():
            if not reply.ok:
                self.set(router, PENDING, step="health-check", error=f"read-back failed: {reply.value}")
                healthy = False
                continue
            missing, extra = intent_drift(self.params["intents"], reply.value.get("intents", []), router)
            if missing or extra:
                self.set(router, PENDING, step="health-check",
                         error=f"running config differs from the intent after commit: missing {missing}, "
                               f"unexpected {extra}")
                healthy = False
            else:
                read_back[router] = reply.value
                self.outcomes[router].update(_took(reply.value, "verify_s"))  # reported with the next outcome
        if self.effect is not None and read_back:
            healthy = self.verify_effect(read_back) and healthy
        return healthy

    def effect_kwargs(self) -> dict:
        if self.effect is None:
            return {}
        return {"intents": self.params["intents"], "hot_links": list(self.effect.hot_links)}

    def verify_effect(self, first: dict[str, dict]) -> bool:
        """Starting from each router's first look (`first`, traffic.verify's returns), ask the routers with
        misses again until none has any or the budget is spent; False when a router failed to answer or still
        misses at the end (its outcome says which prefix went where). The time added is the slowest first
        look's route lookups plus every further round."""
        lookups = max((value.get("effect_s", 0.0) for value in first.values()), default=0.0)
        started = time.perf_counter()
        try:
            return self._verify_effect(self.effect, {router: Reply(True, value) for router, value in first.items()})
        finally:
            self.effect_s = (self.effect_s or 0.0) + lookups + time.perf_counter() - started

    def _verify_effect(self, check: EffectCheck, replies: dict[str, Reply]) -> bool:
        deadline = check.clock() + check.budget_s
        while True:
            missing: dict[str, list[dict]] = {}
            for router, reply in replies.items():
                if not reply.ok:
                    self.set(router, PENDING, step="effect", error=f"effect check failed: {reply.value}")
                    return False
                if reply.value.get("misses"):
                    missing[router] = reply.value["misses"]
                else:
                    self.set(router, PENDING, verified=len(reply.value.get("checked", [])))
            if not missing:
                return True
            left = deadline - check.clock()
            if left <= 0:
                for router, misses in sorted(missing.items()):
                    quoted = "; ".join(miss["line"] for miss in misses[:QUOTED_MISSES])
                    more = f" (and {len(misses) - QUOTED_MISSES} more)" if len(misses) > QUOTED_MISSES else ""
                    self.set(router, PENDING, step="effect", misses=misses,
                             error=f"traffic did not move within {check.budget_s:g}s: {quoted}{more}")
                return False
            self.report("effect", {"waiting": sorted(missing), "left_s": round(left, 1),
                                   "first": next(iter(missing.values()))[0]["line"]})
            check.sleep(min(check.interval_s, left))
            replies = self.each(sorted(missing), "traffic.effect", self.effect_kwargs())

    def pending_failures(self) -> list[str]:
        """Failed routers that still hold a pending commit (apply failed after its commit)."""
        failed = [r for r, o in self.outcomes.items() if o["outcome"] == FAILED]
        if not failed:
            return []
        return sorted(r for r, reply in self.each(failed, "traffic.pending", {}).items()
                      if reply.ok and reply.value.get("pending"))

    def self_reverted(self, routers: Sequence[str]) -> list[str]:
        """Of `routers` (committed in this run, not confirmed), those that hold no pending commit any more and
        do not run this run's intents: the router reverted the commit by itself (reboot, expired timer)."""
        if not routers:
            return []
        gone = [r for r, reply in self.each(routers, "traffic.pending", {}).items()
                if reply.ok and not reply.value.get("pending")]
        if not gone:
            return []
        return sorted(r for r, reply in self.each(gone, "traffic.current", {}).items()
                      if reply.ok and any(intent_drift(self.params["intents"], reply.value.get("intents", []), r)))

    def roll_back(self) -> bool:
        # A commit the router already reverted must not be "rolled back" again: NAPALM's Junos rollback loads
        # rollback 1, which after an auto-revert is the reverted change itself, and commits it for good.
        pending = sorted(r for r, o in self.outcomes.items() if o["outcome"] == PENDING)
        for router in self.self_reverted(pending):
            self.set(router, REVERTED_BY_ROUTER,
                     note="no commit pending and the running config is not this run's: the router reverted it "
                          "by itself (rebooted, or its timer expired); nothing to roll back")
        targets = sorted({r for r, o in self.outcomes.items() if o["outcome"] in (PENDING, CONFIRMED)}
                         | set(self.pending_failures()))
        if not targets:
            return True
        clean = True
        for router, reply in self.each(targets, "traffic.rollback", {}).items():
            failed_here = self.outcomes[router]["outcome"] == FAILED
            if reply.ok:
                if failed_here:  # keep the failure as its result, and say it was undone
                    self.outcomes[router]["rolled_back"] = True
                else:
                    self.set(router, ROLLED_BACK)
            else:
                clean = False
                note = f"rollback failed ({reply.value}); the router reverts by itself after {self.revert_in}s"
                if failed_here:
                    self.outcomes[router]["rollback_error"] = note
                else:
                    self.set(router, ROLLBACK_FAILED, rollback_error=note)
        return clean

    def result(self, status: str) -> RolloutResult:
        return RolloutResult(status, self.outcomes, self.effect_s)

    def finish_failed(self) -> RolloutResult:
        clean = self.roll_back()
        return self.result(ROLLED_BACK_RUN if clean else FAILED_RUN)


def rollout(call: Caller, routers: Sequence[str], *, intents: list[dict], drained_sites: Sequence[str] = (),
            canary: int = 1, batch_size: int = 2, revert_in: int = 600, notify: Notify = _ignore,
            effect: EffectCheck | None = None) -> RolloutResult:
    """Bring `routers` to `intents` (the whole plan's intent dicts; each router renders its own) in stages;
    all-or-nothing (module docstring). `notify(kind, data)` sees "stage", "router" and "effect" progress.
    `effect`: check that traffic moved before confirming (None: the read-back alone)."""
    params = {"intents": list(intents), "drained_sites": sorted(drained_sites)}
    run = _Run(call, params, revert_in, notify, effect)
    plan = stages(routers, canary, batch_size)
    for number, stage in enumerate(plan, start=1):
        run.report("stage", {"stage": number, "of": len(plan), "routers": stage})
        if not run.stage(stage):
            for later in plan[number:]:
                for router in later:
                    run.outcomes[router] = {"outcome": NOT_ATTEMPTED}
            return run.finish_failed()
    pending = sorted(r for r, o in run.outcomes.items() if o["outcome"] == PENDING)
    if not pending:
        return run.result(NO_CHANGE)
    # a router that rebooted since its health check has dropped the commit; a confirm would then commit
    # whatever it runs now (NAPALM's Junos confirm is a plain commit) and the run would claim a change it lacks
    reverted = run.self_reverted(pending)
    if reverted:
        for router in reverted:
            run.set(router, REVERTED_BY_ROUTER, step="confirm",
                    error="the commit was no longer pending at confirm: the router reverted it by itself "
                          "(rebooted, or its timer expired)")
        return run.finish_failed()
    confirmed_ok = True
    for router, reply in run.each(pending, "traffic.confirm", {}).items():
        if reply.ok:
            run.set(router, CONFIRMED)
        else:
            run.set(router, PENDING, step="confirm", error=str(reply.value))
            confirmed_ok = False
    if not confirmed_ok:
        return run.finish_failed()
    return run.result(APPLIED)


def _took(reply: dict, key: str) -> dict:
    """{key: seconds} when the router's reply timed its step (`apply_s`, `verify_s`), else nothing."""
    return {key: reply[key]} if isinstance(reply.get(key), (int, float)) else {}


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def summary(result: RolloutResult) -> str:
    """One line for the operator: the run's status, the router and step that failed and why, and where every
    changed router ended up."""
    outcomes = result.outcomes
    if result.status == APPLIED:
        return f"applied: {', '.join(r for r in result.changed if outcomes[r]['outcome'] == CONFIRMED)} confirmed"
    if result.status == NO_CHANGE:
        return "no change: every router already runs the plan"
    failures = []
    for router, outcome in sorted(outcomes.items()):
        if "error" not in outcome:
            continue
        error = _one_line(outcome["error"]).removeprefix("ERROR: ")  # how Salt returns a module's error
        failures.append(error if error.startswith(f"{router}: ") else
                        f"{router}: {outcome.get('step', 'apply')} failed: {error}")
    parts = [f"{result.status}: {failures[0] if failures else 'a step failed'}"]
    if len(failures) > 1:
        parts.append(f"also {len(failures) - 1} more: {'; '.join(failures[1:])}")
    rolled = sorted(r for r, o in outcomes.items() if o["outcome"] == ROLLED_BACK or o.get("rolled_back"))
    reverted = sorted(r for r, o in outcomes.items() if o["outcome"] == REVERTED_BY_ROUTER)
    stuck = sorted(r for r, o in outcomes.items() if o["outcome"] == ROLLBACK_FAILED or o.get("rollback_error"))
    if rolled:
        parts.append(f"rolled back: {', '.join(rolled)}")
    if reverted:
        parts.append(f"reverted by the router itself: {', '.join(reverted)}")
    if stuck:
        parts.append(f"rollback failed on {', '.join(stuck)}: they revert by themselves when their commit-confirmed "
                     f"timer expires")
    else:
        parts.append("every router is on its previous config")
    return "; ".join(parts)
