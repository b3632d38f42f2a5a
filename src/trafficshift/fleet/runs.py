"""Everything the `traffic` runner decides, over small injected ports, so it runs in a unit test with fakes
and the Salt runner (saltext/trafficshift/runners/traffic.py) only builds the ports and wraps the returns.

The ports (`Ports`): `call(routers, function, kwargs)` runs an execution-module function on proxies and
returns `{router: rollout.Reply}`; `fire(tag, data)` puts an event on the master bus (a `message` in the data
is also a progress line for the operator); `pillar()` is the compiled pillar holding `traffic` and
`traffic_load`; `store` is the runner's state (trafficshift.fleet.store); `lock(who)` is the fleet lock
(`acquire()` raising `LockHeld`, `release()`); `now()` is the clock the routers and the load data live in;
`wall()` stamps the history records; `settings` are the master's `trafficshift:` options with defaults, plus
`state_dir` (where reports are written by default) and `pillar_minion`.

Returns are plain dicts as `salt-run` shows them. A refusal or failure is ``{"result": False, "retcode": 1,
"error": "<one line>"}`` plus context; the runner marks the job failed when a return carries a retcode.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

from trafficshift import planner
from trafficshift.fleet import rollout
from trafficshift.model.controls import Drain, Freeze, Undrain, control_from_dict, controls_from_list
from trafficshift.validation.arguments import check_element, check_interval, check_limit, check_reason, check_run_id
from trafficshift.errors import TrafficShiftError
from trafficshift.model import Policy
from trafficshift.model.plan import Detour, Plan
from trafficshift.model.routes import RouteFacts
from trafficshift.fleet.store import LockHeld, Store, new_run_id
from trafficshift.fleet.store import replay as store_replay
from trafficshift.present.metrics import plan_event
from trafficshift.present.report import write_report
from trafficshift.present.table import format_plan
from trafficshift.validation import parse_load, parse_network

log = logging.getLogger(__name__)

#: the master's `trafficshift:` options and their defaults (docs/salt-integration.md)
#: planning rounds that ask the routers about the routes the plan's detours depend on (each round asks only
#: about detours not asked yet; a detour a last re-plan adds is left to the effect check after its commit)
ROUTE_CHECK_ROUNDS = 3

DEFAULTS = {"canary": 1, "batch_size": 2, "revert_in": 600, "timeout": 60, "rebalance_interval": 300,
            "provision_on_first_start": True}


class Lock(Protocol):
    def acquire(self) -> Any: ...
    def release(self) -> None: ...


Caller = Callable[[Sequence[str], str, dict], "dict[str, rollout.Reply]"]


@dataclass
class Ports:
    store: Store
    call: Caller
    fire: Callable[[str, dict], None]
    pillar: Callable[[], dict]
    lock: Callable[[str], Lock]
    now: Callable[[], float]
    settings: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    wall: Callable[[], float] = time.time


def clock(settings: Mapping[str, Any]) -> Callable[[], float]:
    """Epoch seconds; with ``clock: {anchor, monotonic, scale}`` in the settings (the lab's accelerated device
    clock, tests and demo only) the time the routers and the load data live in."""
    lab = settings.get("clock")
    if not lab:
        return time.time
    return lambda: lab["anchor"] + (time.monotonic() - lab["monotonic"]) * lab["scale"]


def fail(message: object, **extra: Any) -> dict:
    """A refusal or failure: one line for the operator, whatever the cause's own text holds (a YAML
    parser's error spans lines)."""
    return {"result": False, "retcode": 1, "error": " ".join(str(message).split()), **extra}


def guarded(function: Callable[..., dict]) -> Callable[..., dict]:
    """A library error raised by `function` becomes its failure return."""
    def run(*args: Any, **kwargs: Any) -> dict:
        try:
            return function(*args, **kwargs)
        except TrafficShiftError as exc:
            return fail(exc)
    run.__name__, run.__doc__ = function.__name__, function.__doc__
    return run


def effect_check(policy: Policy, plan_dict: dict | None) -> rollout.EffectCheck | None:
    """How the rollout checks that traffic moved (None: it does not, `verify_effect: false`): every detour off
    a link the plan still predicts above target, plus the policy's sample per router."""
    if not policy.verify_effect:
        return None
    hot = sorted(link["id"] for link in (plan_dict or {}).get("links", [])
                 if link.get("capacity_bps") and link["after_bps"] / link["capacity_bps"] > policy.target_utilization)
    return rollout.EffectCheck(budget_s=policy.effect_budget_s, hot_links=tuple(hot))


def _drained_sites(controls) -> list[str]:
    return sorted(c.name for c in controls if isinstance(c, Drain) and c.element == "site")


def _brief(record: dict) -> dict:
    return {k: record.get(k) for k in ("id", "kind", "trigger", "status", "started", "finished", "note")}


class Fleet:
    """The runner's operations on one set of ports."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.store = ports.store
        self.settings = {**DEFAULTS, **dict(ports.settings)}

    # -- planning ------------------------------------------------------------------------------------------
    def pillar(self) -> dict:
        pillar = self.ports.pillar()
        if "traffic" not in pillar:
            raise TrafficShiftError(f"no `traffic` network in the pillar of {self.settings.get('pillar_minion')}: "
                                    f"{pillar.get('_errors')}")
        return pillar

    def compute(self) -> tuple[Plan, dict, Any, list[str]]:
        """(plan, inputs snapshot, network, drained sites) from the pillar, the active plan and the controls."""
        pillar = self.pillar()
        network = parse_network(pillar["traffic"])
        if "traffic_load" not in pillar:
            # the ext_pillar's own error (e.g. the load file's offending path) goes to the operator, not only the log
            why = " ".join("; ".join(str(e) for e in pillar.get("_errors") or []).split())[:600] or "load source down?"
            raise TrafficShiftError(f"no `traffic_load` in the pillar ({why}): nothing planned, "
                                    "the fleet stays as it is")
        now = self.ports.now()
        previous = self.store.active().get("plan")
        active = Plan.from_dict(previous) if previous else None
        # the routers count traffic as the active plan routes it: check the counters against that plan
        check = parse_load(pillar["traffic_load"], network, now=now, active=active)
        controls = controls_from_list(self.store.controls())
        facts = RouteFacts()
        result = planner.plan(network, check.load, active, controls, now, stale_reasons=check.reasons)
        if network.policy.check_detour_routes and not check.reasons:
            asked: set[Detour] = set()
            for _ in range(ROUTE_CHECK_ROUNDS):
                fresh = {i for i in result.intents if isinstance(i, Detour)} - asked
                if not fresh:
                    break
                asked |= fresh
                found = self.detour_route_facts(fresh)
                if not found:
                    break
                facts = facts.merged(found)
                result = planner.plan(network, check.load, active, controls, now, routes=facts)
        inputs = {"network": pillar["traffic"], "load": pillar["traffic_load"], "previous": previous,
                  "controls": self.store.controls(), "now": now, "route_facts": facts.to_dict()}
        return result, inputs, network, _drained_sites(controls)

    def detour_route_facts(self, detours: set[Detour]) -> RouteFacts:
        """What the routers concerned say about the routes `detours` depend on (traffic.detour_routes): the
        alternates' routers whether their neighbors send the prefixes (and which sessions are down), the
        sources' routers which more-specifics their neighbors keep. A router that does not answer is asked
        nothing more: its detours stand, and the effect check after their commit judges them."""
        asked = [{"router": d.router, "link": d.link, "prefix": d.prefix, "from_link": d.from_link}
                 for d in sorted(detours)]
        routers = sorted({d.router for d in detours} | {d.from_link.partition(":")[0] for d in detours if d.from_link})
        replies = self.ports.call(routers, "traffic.detour_routes", {"detours": asked})
        not_sent, down, kept = set(), set(), set()
        for router in routers:
            reply = replies.get(router)
            if reply is None or not reply.ok:
                log.warning("traffic: %s did not say what routes the planned detours would find: %s",
                            router, reply.value if reply is not None else "no return")
                continue
            not_sent |= {(route["prefix"], f"{router}:{route['link']}") for route in reply.value["routes"]
                         if not route["sent"]}
            down |= {f"{router}:{link}" for link in reply.value.get("sessions_down", [])}
            kept |= {(item["prefix"], f"{router}:{item['link']}", item["more_specific"])
                     for item in reply.value.get("more_specifics", [])}
        return RouteFacts(frozenset(not_sent), frozenset(down), frozenset(kept))

    @staticmethod
    def summary(result: Plan, network) -> dict:
        return {"status": result.status, "intents": result.to_dict()["intents"], "routers": result.routers(),
                "moved_bps": result.moved_bps,
                "table": format_plan(result, threshold=network.policy.target_utilization)}

    def diffs(self, result: Plan, network, drained: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """Each router's diff for `result` (read from the router, then discarded), and the routers' errors."""
        params = {"intents": result.to_dict()["intents"], "drained_sites": drained}
        replies = self.ports.call(sorted(network.routers), "traffic.diff", params)
        diffs = {r: reply.value["diff"] for r, reply in sorted(replies.items()) if reply.ok}
        errors = {r: str(replies[r].value) if r in replies else "no return"
                  for r in sorted(network.routers) if r not in diffs}
        return diffs, errors

    def plan_done(self, trigger: str, result: Plan, inputs: dict, network, **extra: Any) -> None:
        """The `plan/done` event: status and intents, and every link's and site's utilization and counter for
        the metrics engine (trafficshift.present.metrics)."""
        policy = network.policy
        self.ports.fire("plan/done", {"trigger": trigger, "status": result.status, "intents": len(result.intents),
                                      "routers": result.routers(), **extra,
                                      **plan_event(result.to_dict(), inputs.get("load") or {},
                                                   policy.target_utilization, policy.overload_threshold)})

    @guarded
    def plan(self) -> dict:
        """traffic.plan: the plan with each router's diff; changes nothing."""
        result, inputs, network, drained = self.compute()
        diffs, errors = self.diffs(result, network, drained)
        shown = {**diffs, **{r: f"ERROR: {e}" for r, e in errors.items()}}
        self.plan_done("operator", result, inputs, network, changing=sorted(r for r, d in shown.items() if d))
        return {"result": True, **self.summary(result, network), "drained_sites": drained,
                "diffs": dict(sorted(shown.items()))}

    def plan_record(self) -> dict:
        """traffic.plan's computation and router diffs as a report record (trafficshift.present.report.plan_record)."""
        from trafficshift.present.report import plan_record

        result, inputs, network, drained = self.compute()
        diffs, errors = self.diffs(result, network, drained)
        return plan_record(result.to_dict(), diffs=diffs, errors=errors, inputs=inputs, drained_sites=drained)

    # -- the fleet lock ------------------------------------------------------------------------------------
    def locked(self, who: str, quiet: bool = False) -> tuple[Lock | None, dict | None]:
        """The fleet lock acquired, or the refusal (a quiet one is a skip: the periodic tick's case)."""
        lock = self.ports.lock(who)
        try:
            lock.acquire()
        except LockHeld as exc:
            if quiet:
                log.debug("trafficshift: %s skipped: %s", who, exc)
                return None, {"result": True, "skipped": str(exc), "holder": exc.holder}
            return None, fail(exc, holder=exc.holder)
        return lock, None

    # -- rollout and history -------------------------------------------------------------------------------
    def reconcile(self) -> None:
        """Runs left 'running' by a runner that died (we hold the lock now, so it is gone): say what became
        of their routers. A commit that was never confirmed reverts by itself when its timer expires."""
        call = self.ports.call
        for record in self.store.history(limit=20):
            if record.get("status") != "running":
                continue
            pending = sorted(r for r, o in record.get("outcomes", {}).items() if o.get("outcome") == rollout.PENDING)
            previous = (record.get("inputs", {}).get("previous") or {}).get("intents", [])
            still = [r for r, reply in call(pending, "traffic.pending", {}).items()
                     if not reply.ok or reply.value["pending"]]
            drifted = sorted(r for r, reply in call(pending, "traffic.current", {}).items()
                             if not reply.ok or any(rollout.intent_drift(previous, reply.value["intents"], r)))
            if still:
                record["note"] = f"runner died before confirm; commits on {', '.join(still)} still pending (they " \
                                 f"revert by themselves after {record.get('revert_in')}s)"
                record["status"] = "abandoned"
                self.store.record(record["id"], record)
                continue
            record["status"] = "reverted-by-routers" if not drifted else "abandoned"
            record["note"] = ("runner died before confirm; the routers reverted their unconfirmed commits by "
                              "themselves" if not drifted else
                              f"runner died before confirm; {', '.join(drifted)} differ from the previous plan")
            for router in pending:
                record["outcomes"][router]["outcome"] = "reverted-by-router" if router not in drifted else "unknown"
            self.store.record(record["id"], record)
            self.ports.fire("apply/reconciled", {"run": record["id"], "status": record["status"]})

    def roll(self, kind: str, trigger: str, plan_dict: dict, drained_sites: Sequence[str], routers: Sequence[str],
             inputs: dict, policy: Policy, extra: dict | None = None) -> dict:
        """Apply `plan_dict` fleet-wide (the caller holds the lock); the history record is written as the run
        goes, so a runner that dies mid-run leaves what it committed on record. `policy` says whether and how
        long the effect is checked before the confirm."""
        store, fire, conf = self.store, self.ports.fire, self.settings
        run_id = new_run_id(self.ports.wall())
        record = {"kind": kind, "trigger": trigger, "started": self.ports.wall(), "status": "running",
                  "revert_in": conf["revert_in"], "inputs": inputs, "plan": plan_dict,
                  "drained_sites": list(drained_sites), "drained_sites_before": store.active().get("drained_sites", []),
                  "outcomes": {}, **(extra or {})}
        store.record(run_id, record)
        intents = plan_dict.get("intents", []) if plan_dict else []
        fire(f"{kind}/start", {"run": run_id, "trigger": trigger, "routers": list(routers), "intents": len(intents),
                               "message": f"{kind} {run_id}: {len(intents)} intent(s) over {len(routers)} router(s)"})

        def notify(what: str, data: dict) -> None:
            if what == "router":
                record["outcomes"][data["router"]] = {k: v for k, v in data.items() if k != "router"}
                store.record(run_id, record)
                fire(f"{kind}/router", {"run": run_id, "router": data["router"], "outcome": data["outcome"],
                                        "step": data.get("step"), "message": f"  {data['router']}: {data['outcome']}",
                                        **{k: data[k] for k in ("apply_s", "verify_s") if k in data}})
            elif what == "effect":
                fire(f"{kind}/effect", {"run": run_id, **data,
                                        "message": f"  waiting for traffic to move on {', '.join(data['waiting'])} "
                                                   f"({data['left_s']:g}s left): {data['first']}"})
            else:
                fire(f"{kind}/stage", {"run": run_id, **data,
                                       "message": f"stage {data['stage']}/{data['of']}: {', '.join(data['routers'])}"})

        active = store.active()
        same_plan = bool(active) and (active.get("plan") or {}).get("intents") == intents \
            and active.get("drained_sites", []) == list(drained_sites)
        result = rollout.rollout(self.ports.call, routers, intents=intents, drained_sites=drained_sites,
                                 canary=conf["canary"], batch_size=conf["batch_size"], revert_in=conf["revert_in"],
                                 notify=notify, effect=effect_check(policy, plan_dict))
        message = f"{kind} {run_id}: {rollout.summary(result)}"
        if result.ok and same_plan and result.changed:
            # the store says the fleet already ran this plan: these routers had been changed by hand since
            record["drift_corrected"] = result.changed
            message += (f"; {', '.join(result.changed)} had drifted from the active plan (changed by hand?) and "
                        f"run it again")
        record.update(result.to_dict(), finished=self.ports.wall(), message=message)
        store.record(run_id, record)
        if result.ok:
            store.set_active(run_id, plan_dict, list(drained_sites))  # the fleet runs it, changed now or already
            fire(f"{kind}/done", {"run": run_id, "status": result.status, "changed": result.changed,
                                  "message": message})
        else:
            fire(f"{kind}/failed", {"run": run_id, "status": result.status,
                                    "outcomes": {r: o["outcome"] for r, o in result.outcomes.items()},
                                    "message": message})
        return {"run": run_id, "result": result.ok, **({} if result.ok else {"retcode": 1}), **result.to_dict(),
                "message": message}

    def plan_and_apply(self, who: str, kind: str, trigger: str, quiet: bool = False,
                       skip_unless_ok: bool = False) -> dict:
        """Plan and roll out under the lock. `skip_unless_ok` (the rebalance): skip when a guard rail holds the
        fleet or the fleet already runs this plan."""
        lock, refused = self.locked(who, quiet)
        if refused:
            return refused
        try:
            self.reconcile()
            result, inputs, network, drained = self.compute()
            summary = self.summary(result, network)
            self.plan_done(trigger, result, inputs, network)
            refusals = "; ".join(a.reason for a in result.actions if a.verb == "refuse")
            if skip_unless_ok and not result.applies_new_shifts:
                return {"result": True, "skipped": f"plan status {result.status}: guard rails hold the fleet "
                                                   f"({refusals})", "plan": summary}
            if result.status == "fail-static":  # stale or inconsistent load: an operator's apply does nothing
                return fail(f"plan status fail-static, nothing applied: {refusals}", plan=summary)
            active = self.store.active()
            if skip_unless_ok and active and active["plan"]["intents"] == result.to_dict()["intents"] \
                    and active.get("drained_sites", []) == drained:
                return {"result": True, "skipped": "the fleet already runs this plan", "plan": summary}
            ret = self.roll(kind, trigger, result.to_dict(), drained, sorted(network.routers), inputs, network.policy)
            ret["plan"] = summary
            return ret
        except TrafficShiftError as exc:
            return fail(exc)
        finally:
            lock.release()

    def apply(self) -> dict:
        return self.plan_and_apply("traffic.apply", "apply", "operator")

    def frozen(self) -> bool:
        return any(isinstance(c, Freeze) for c in controls_from_list(self.store.controls()))

    def rebalance(self, trigger: str = "operator") -> dict:
        """Plan, and apply when the guard rails allow and the plan differs from the fleet's; nothing while
        frozen; a tick finding another run in progress is skipped quietly."""
        if self.frozen():
            return {"result": True, "skipped": "frozen (traffic.unfreeze resumes automation)"}
        ret = self.plan_and_apply(f"traffic.rebalance ({trigger})", "apply", trigger, quiet=trigger != "operator",
                                  skip_unless_ok=True)
        # the reactor has no terminal: this event is where an unattended run's failure or refusal is told
        self.ports.fire("rebalance/done", {"trigger": trigger, "skipped": ret.get("skipped"), "run": ret.get("run"),
                                           "status": ret.get("status"), "error": ret.get("error"),
                                           "message": ret.get("message") or ret.get("error") or ret.get("skipped")})
        return ret

    @guarded
    def rollback(self, run_id: object) -> dict:
        """Re-apply, staged, the plan that was active before run `run_id`."""
        run_id = check_run_id("traffic.rollback", run_id)
        lock, refused = self.locked("traffic.rollback")
        if refused:
            return refused
        try:
            self.reconcile()
            target = self.store.run(run_id)
            previous = target.get("inputs", {}).get("previous") or {"version": 1, "status": "ok", "intents": [],
                                                                         "created": self.ports.now()}
            network = parse_network(self.pillar()["traffic"])
            return self.roll("rollback", "operator", previous, target.get("drained_sites_before", []),
                             sorted(network.routers), {"previous": self.store.active().get("plan"),
                                                       "controls": self.store.controls(), "now": self.ports.now()},
                             network.policy, extra={"reverts": run_id})
        finally:
            lock.release()

    # -- what the fleet runs -------------------------------------------------------------------------------
    @guarded
    def status(self) -> dict:
        """Active shifts, controls, the lock holder, pending confirms, drift between the active plan and the
        routers, and the last runs."""
        lock, refused = self.locked("traffic.status", quiet=True)
        if lock:
            try:
                self.reconcile()
            finally:
                lock.release()
        active = self.store.active()
        plan_dict = active.get("plan") or {"intents": []}
        routers = sorted(self.pillar()["traffic"]["routers"])
        pending = {r: (reply.value["pending"] if reply.ok else f"ERROR: {reply.value}")
                   for r, reply in sorted(self.ports.call(routers, "traffic.pending", {}).items())}
        drift = {}
        for router, reply in sorted(self.ports.call(routers, "traffic.current", {}).items()):
            if not reply.ok:
                drift[router] = f"ERROR: {reply.value}"
                continue
            missing, unexpected = rollout.intent_drift(plan_dict["intents"], reply.value["intents"], router)
            unknown = reply.value.get("unknown_objects", [])
            if missing or unexpected or unknown:
                drift[router] = {"missing": missing, "unexpected": unexpected,
                                 **({"unknown_objects": unknown} if unknown else {})}
        return {
            "result": True,
            "active": {"run": active.get("run"), "status": plan_dict.get("status"), "intents": plan_dict["intents"],
                       "drained_sites": active.get("drained_sites", [])},
            "controls": self.store.controls(),
            "frozen": any(c.get("kind") == "freeze" for c in self.store.controls()),
            "lock": refused["holder"] if refused else {},
            "pending": {r: p for r, p in pending.items() if p},
            "drift": drift,
            "last_runs": [_brief(r) for r in self.store.history(limit=5)],
        }

    @guarded
    def history(self, limit: object = 20) -> list[dict] | dict:
        limit = check_limit("traffic.history", limit)
        return [_brief(r) for r in self.store.history(limit=limit)]

    @guarded
    def show(self, run_id: object) -> dict:
        return self.store.run(check_run_id("traffic.show", run_id))

    def report_record(self, run_id: object = None) -> dict:
        """The record traffic.report draws: a run's, or without an id (or ``plan``) the current plan's."""
        if run_id in (None, "", "plan"):
            return self.plan_record()
        return self.store.run(check_run_id("traffic.report", run_id))

    @guarded
    def report(self, run_id: object = None, path: object = None) -> dict:
        """Write the HTML report of run `run_id` (or of the current plan) to `path`, by default
        ``<state_dir>/reports/<id>.html``."""
        record = self.report_record(run_id)
        target = os.path.abspath(str(path)) if path else \
            os.path.join(self.settings["state_dir"], "reports", f"{record['id']}.html")
        try:
            written = write_report(record, target)
        except OSError as exc:
            return fail(f"traffic.report: cannot write {target}: {exc}")
        return {"result": True, "path": written, "run": record["id"]}

    @guarded
    def replay(self, run_id: object) -> dict:
        record = self.store.run(check_run_id("traffic.replay", run_id))
        again = store_replay(record)
        return {"result": True, "same": again.to_dict() == record["plan"], "plan": again.to_dict()}

    # -- operator controls ---------------------------------------------------------------------------------
    def set_control(self, add=None, remove=()) -> list[dict]:
        """Store the controls with `add` added and `remove` removed; the next plan acts on them."""
        kept = [c for c in self.store.controls()
                if control_from_dict(c) not in remove and c != (add.to_dict() if add else None)]
        controls = sorted(kept + ([add.to_dict()] if add else []), key=lambda c: sorted(c.items()))
        self.store.set_controls(controls)
        self.ports.fire("controls", {"controls": controls})
        return controls

    @guarded
    def drain(self, element: object, name: object) -> dict:
        element, name = check_element("traffic.drain", element, name, parse_network(self.pillar()["traffic"]))
        return {"result": True, "controls": self.set_control(Drain(element, name), remove=(Undrain(element, name),))}

    @guarded
    def undrain(self, element: object, name: object) -> dict:
        element, name = check_element("traffic.undrain", element, name, parse_network(self.pillar()["traffic"]))
        return {"result": True, "controls": self.set_control(Undrain(element, name), remove=(Drain(element, name),))}

    def _freezes(self) -> tuple[Freeze, ...]:
        return tuple(Freeze(c["reason"]) for c in self.store.controls() if c.get("kind") == "freeze")

    @guarded
    def freeze(self, reason: object = "operator freeze") -> dict:
        """Kill switch: every override removed now (an apply of the frozen plan), automation stopped."""
        reason = check_reason("traffic.freeze", reason)
        self.set_control(Freeze(reason), remove=self._freezes())
        return self.plan_and_apply("traffic.freeze", "apply", "freeze")

    def unfreeze(self) -> dict:
        return {"result": True, "controls": self.set_control(remove=self._freezes())}

    @guarded
    def schedule(self, interval: object) -> dict:
        interval = check_interval("traffic.schedule", interval)
        settings = self.store.update_settings(rebalance_interval=interval)
        return {"result": True, "rebalance_interval": settings["rebalance_interval"]}

    def first_start(self, minion_id: str, highstate: Callable[[str], str]) -> dict:
        """The first start of a proxy: `highstate(minion_id)` (returns a job id) when provisioning is on."""
        if not self.store.mark_seen(minion_id, self.ports.wall()):
            return {"result": True, "first_start": False}
        if not self.settings["provision_on_first_start"]:
            return {"result": True, "first_start": True, "provisioned": False}
        jid = highstate(minion_id)
        self.ports.fire("provision/start", {"router": minion_id, "jid": jid})
        return {"result": True, "first_start": True, "provisioned": True, "jid": jid}
