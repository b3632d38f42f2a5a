"""trafficshift's own metrics for Prometheus (docs/operations.md has what each means and the alerts on them).

What the control loop does is told by the `trafficshift/*` events the runner fires (a plan computed, a cycle
skipped or applied, a router's outcome) and by the fleet store (the plan the fleet runs, the controls, the
lock). `LoopMetrics.observe` folds events into counters and the latest plan; `LoopMetrics.families` turns
that and a `FleetView` of the store into prometheus-client metric families. The master engine
`traffic_metrics` feeds and serves them; nothing here does I/O.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from trafficshift.fleet.rollout import APPLIED, NO_CHANGE
from trafficshift.model.plan import utilization

PLAN_STATUSES = ("ok", "partial", "fail-static", "frozen", "circuit-breaker", "refused")
CYCLE_OUTCOMES = ("applied", "unchanged", "held", "frozen", "busy", "failed")
#: cycles after which the loop is known to work: it planned, and applied or decided not to
SUCCESSFUL_CYCLES = ("applied", "unchanged", "held")
#: per-router outcomes of a run that count as an apply failure on that router
ROUTER_FAILURES = ("failed", "rolled-back", "unknown", "reverted-by-router")
INTENT_KINDS = ("detour", "prepend", "withdraw")


@dataclass(frozen=True)
class FleetView:
    """What the store says at scrape time."""

    active_plan: dict | None  # Plan.to_dict of the plan the fleet runs
    frozen: bool
    lock_held_s: float  # 0 when free
    rebalance_interval_s: float


def plan_event(plan: dict, load: dict, target: float, overload_threshold: float) -> dict:
    """The utilization part of a `plan/done` event: every link and site as [capacity, before, after] bit/s,
    each link's counter in the load it was planned from (`measured`), and the policy's bounds (the event is
    all the engine knows of a plan the fleet does not run)."""
    return {
        "target": target, "overload_threshold": overload_threshold,
        "links": {u["id"]: [u["capacity_bps"], u["before_bps"], u["after_bps"]] for u in plan.get("links", ())},
        "sites": {u["id"]: [u["capacity_bps"], u["before_bps"], u["after_bps"]] for u in plan.get("sites", ())},
        "measured": {link: counter["out_bps"] for link, counter in (load.get("links") or {}).items()},
    }


def cycle_outcome(data: dict) -> str:
    """A `rebalance/done` event's outcome (one of CYCLE_OUTCOMES)."""
    skipped = data.get("skipped")
    if data.get("error"):
        return "failed"
    if skipped:
        if skipped.startswith("frozen"):
            return "frozen"
        if skipped == "the fleet already runs this plan":
            return "unchanged"
        if skipped.startswith("plan status"):
            return "held"
        return "busy"  # another run holds the fleet lock
    return "applied" if data.get("run") and data.get("status") in (APPLIED, NO_CHANGE) else "failed"


def shifted_links(plan: dict) -> set[str]:
    """The links a plan's detours move traffic off or onto."""
    links = set()
    for intent in plan.get("intents", ()):
        if intent.get("kind") == "detour":
            links.add(f"{intent['router']}:{intent['link']}")
            links.add(intent["from_link"])
    return links


def projection_errors(measured: dict[str, float], active_plan: dict | None) -> dict[str, float]:
    """Per link the active plan shifts: utilization by the link's counter (`measured`, bit/s) minus what the
    active plan predicted for it (its `after`). Shared with the soak bench."""
    if not active_plan:
        return {}
    predicted = {u["id"]: u for u in active_plan.get("links", ())}
    errors = {}
    for link in sorted(shifted_links(active_plan)):
        counter, then = measured.get(link), predicted.get(link)
        if counter is None or then is None or not then["capacity_bps"]:
            continue  # no counter, gone, or failed (no capacity): no utilization to compare
        errors[link] = utilization(counter, then["capacity_bps"]) - utilization(then["after_bps"], then["capacity_bps"])
    return errors


@dataclass
class LoopMetrics:
    """Counters and the latest plan, from the events (thread-safe: the engine observes while scrapes read)."""

    cycles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CYCLE_OUTCOMES, 0))
    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    router_failures: dict[str, int] = field(default_factory=dict)
    router_seconds: dict[tuple[str, str], float] = field(default_factory=dict)  # (router, step) -> last
    last_success: float | None = None
    latest: dict | None = None  # the last plan/done event's data
    projection_error: dict[str, float] = field(default_factory=dict)
    projected_run: str | None = None  # the active run whose prediction projection_error measures
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def observe(self, tag: str, data: dict, when: float, active: Callable[[], dict | None]) -> None:
        """One event (`tag` without the `trafficshift/` prefix) seen at Unix time `when`; `active()` reads the
        store's active record ({"run", "plan"}), only for a plan/done. The projection error is the first plan's
        after a run became active: its prediction against the next measurement, not against hours of drift."""
        run_kind, _, step = tag.partition("/")
        with self._lock:
            if tag == "plan/done":
                self.latest = data
                record = active()
                if record and record.get("run") != self.projected_run:
                    self.projected_run = record.get("run")
                    self.projection_error = projection_errors(data.get("measured", {}), record.get("plan"))
            elif tag == "rebalance/done":
                outcome = cycle_outcome(data)
                self.cycles[outcome] += 1
                if outcome in SUCCESSFUL_CYCLES:
                    self.last_success = when
            elif run_kind not in ("apply", "rollback"):
                return
            elif step in ("done", "failed") and "run" in data:
                key = (run_kind, str(data.get("status")))
                self.runs[key] = self.runs.get(key, 0) + 1
            elif step == "start":
                for router in data.get("routers", ()):  # each router's failures counted from 0
                    self.router_failures.setdefault(str(router), 0)
            elif step == "router":
                router = str(data.get("router"))
                if data.get("outcome") in ROUTER_FAILURES:
                    self.router_failures[router] = self.router_failures.get(router, 0) + 1
                for step in ("apply", "verify"):
                    if isinstance(data.get(f"{step}_s"), (int, float)):
                        self.router_seconds[(router, step)] = float(data[f"{step}_s"])


    def families(self, fleet: FleetView) -> Iterator[Metric]:
        with self._lock:
            latest, cycles, runs = self.latest, dict(self.cycles), dict(self.runs)
            failures, last_success, errors = dict(self.router_failures), self.last_success, dict(self.projection_error)
            seconds = dict(self.router_seconds)
        usage = GaugeMetricFamily("trafficshift_utilization_ratio", "Utilization of each link and site in the "
                                  "latest plan: as measured (before) and as the plan predicts (planned)",
                                  labels=["kind", "element", "stage"])
        status = GaugeMetricFamily("trafficshift_plan_status", "1 for the status of the latest plan",
                                   labels=["status"])
        if latest is not None:
            for kind in ("links", "sites"):
                for element, (capacity, before, after) in sorted(latest[kind].items()):
                    if capacity:  # a failed link has no utilization
                        usage.add_metric([kind[:-1], element, "before"], utilization(before, capacity))
                        usage.add_metric([kind[:-1], element, "planned"], utilization(after, capacity))
            for name in PLAN_STATUSES:
                status.add_metric([name], 1.0 if latest.get("status") == name else 0.0)
            yield GaugeMetricFamily("trafficshift_target_utilization_ratio", "The policy's target utilization",
                                    value=latest["target"])
            yield GaugeMetricFamily("trafficshift_overload_threshold_ratio", "The policy's high watermark: "
                                    "elements above it are relieved", value=latest["overload_threshold"])
        yield usage
        yield status
        intents = GaugeMetricFamily("trafficshift_active_intents", "Intents of the plan the fleet runs",
                                    labels=["kind"])
        plan = fleet.active_plan or {}
        for kind in INTENT_KINDS:
            intents.add_metric([kind], float(sum(1 for i in plan.get("intents", ()) if i.get("kind") == kind)))
        yield intents
        yield GaugeMetricFamily("trafficshift_frozen", "1 while an operator freeze is in force",
                                value=1.0 if fleet.frozen else 0.0)
        yield GaugeMetricFamily("trafficshift_lock_held_seconds", "How long the fleet lock has been held "
                                "(0 when free)", value=fleet.lock_held_s)
        yield GaugeMetricFamily("trafficshift_rebalance_interval_seconds", "The loop's interval (0: off)",
                                value=fleet.rebalance_interval_s)
        if last_success is not None:
            yield GaugeMetricFamily("trafficshift_last_successful_cycle_timestamp_seconds", "When the last "
                                    "rebalance cycle ended without error", value=last_success)
        counted = CounterMetricFamily("trafficshift_cycles", "Rebalance cycles by outcome", labels=["outcome"])
        for outcome in CYCLE_OUTCOMES:
            counted.add_metric([outcome], float(cycles[outcome]))
        yield counted
        fleet_runs = CounterMetricFamily("trafficshift_runs", "Fleet runs by kind and final status",
                                         labels=["kind", "status"])
        for (kind, final), count in sorted(runs.items()):
            fleet_runs.add_metric([kind, final], float(count))
        yield fleet_runs
        router_failures = CounterMetricFamily("trafficshift_router_apply_failures", "Applies that failed or "
                                              "were rolled back on a router", labels=["router"])
        for router, count in sorted(failures.items()):
            router_failures.add_metric([router], float(count))
        yield router_failures
        took = GaugeMetricFamily("trafficshift_router_step_seconds", "The last run's seconds per router on the "
                                 "proxy: apply (render, load, compare, commit confirmed) and verify (read-back "
                                 "and effect check)", labels=["router", "step"])
        for (router, step), value in sorted(seconds.items()):
            took.add_metric([router, step], value)
        yield took
        projection = GaugeMetricFamily("trafficshift_projection_error_ratio", "Per link the active plan shifts: "
                                       "measured minus predicted utilization", labels=["link"])
        for link, error in sorted(errors.items()):
            projection.add_metric([link], error)
        yield projection
