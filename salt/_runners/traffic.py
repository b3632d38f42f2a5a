"""Operator interface of trafficshift on the master: plan, staged apply, status, history, rollback, drain,
freeze, and the unattended rebalance (docs/salt-integration.md).

Salt glue over plain Python: the planner (trafficshift.planner), the rollout (trafficshift.rollout, which
calls the `traffic.*` execution module on the proxies through the LocalClient) and the store
(trafficshift.store, on Salt's master cache). Everything that changes routers holds the fleet lock; a second
run is refused with the holder and since when. Events go to the master bus under ``trafficshift/``.

Master config (all optional)::

    trafficshift:
      canary: 1              # routers in the first stage
      batch_size: 2          # routers per later stage
      revert_in: 600         # commit-confirmed timer, seconds (multiple of 60)
      timeout: 60            # seconds to wait for each proxy call
      pillar_minion: ams01-r1   # whose pillar has the network and the load (default: the master's id)
      rebalance_interval: 300   # periodic rebalance (the traffic_tick engine); 0: off
      provision_on_first_start: true   # highstate a proxy the first time it starts (reactor)
"""
import atexit
import logging
import os
import threading
import time

import salt.cache
import salt.client
import salt.pillar
import salt.utils.event

try:
    from trafficshift import planner, rollout
    from trafficshift.controls import Drain, Freeze, Undrain, control_from_dict, controls_from_list
    from trafficshift.controls import check_element, check_interval, check_limit, check_reason, check_run_id
    from trafficshift.errors import TrafficShiftError
    from trafficshift.plan import Plan
    from trafficshift.store import FleetLock, LockHeld, Store, new_run_id, read_holder
    from trafficshift.store import replay as store_replay
    from trafficshift.table import format_plan
    from trafficshift.validation import parse_load, parse_network

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

log = logging.getLogger(__name__)

__virtualname__ = "traffic"

DEFAULTS = {"canary": 1, "batch_size": 2, "revert_in": 600, "timeout": 60, "rebalance_interval": 300,
            "provision_on_first_start": True}


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic runner: the trafficshift package is not importable on the master"
    return __virtualname__


# -- Salt glue -------------------------------------------------------------------------------------------------
def _conf():
    return {**DEFAULTS, **(__opts__.get("trafficshift") or {})}


def _store():
    return Store(salt.cache.Cache(__opts__))


def _lock(who):
    return FleetLock(os.path.join(__opts__["cachedir"], "trafficshift", "fleet.lock"), who)


def _now():
    """Epoch seconds; with ``trafficshift: {clock: {anchor, monotonic, scale}}`` (the lab's accelerated
    device clock, tests and demo only) the time the routers and the load data live in."""
    clock = _conf().get("clock")
    if not clock:
        return time.time()
    return clock["anchor"] + (time.monotonic() - clock["monotonic"]) * clock["scale"]


# One master-bus connection and one LocalClient per thread of the process running the runner (salt-run, or a
# thread of the reactor's pool), reused by every call of a run: creating them took ~0.3 s each on a 2-core
# machine, and an apply fires 2-3 events per router and makes 6+ LocalClient calls (bench/apply.py profile).
_PER_THREAD = threading.local()
_OPEN = []


def _reused(name, make):
    key = (name, __opts__["sock_dir"])
    cache = _PER_THREAD.__dict__.setdefault("objects", {})
    if key not in cache:
        cache[key] = make()
        _OPEN.append(cache[key])
    return cache[key]


@atexit.register
def _close_reused():
    for obj in _OPEN:
        try:
            obj.destroy()
        except Exception:  # pylint: disable=broad-except
            pass


def _fire(tag, data):
    """An event on the master bus, plus a progress line for salt-run when a message is given."""
    bus = _reused("bus", lambda: salt.utils.event.get_master_event(__opts__, __opts__["sock_dir"], listen=False))
    bus.fire_event(data, f"trafficshift/{tag}")
    if "message" in data and "__jid_event__" in globals():
        try:
            __jid_event__.fire_event({"message": data["message"], "outputter": "traffic"}, "progress")
        except ReferenceError:  # run from the reactor's thread pool: no salt-run to print progress to
            log.debug("trafficshift: %s", data["message"])


def _call(routers, function, kwargs):
    """Run ``function`` on ``routers`` (proxy ids) at once -> {router: rollout.Reply}."""
    if not routers:
        return {}
    client = _reused("client", lambda: salt.client.LocalClient(mopts=__opts__))
    replies = client.cmd(list(routers), function, kwarg=kwargs, tgt_type="list", timeout=_conf()["timeout"],
                         full_return=True)
    result = {}
    for router, reply in replies.items():
        value = reply.get("ret") if isinstance(reply, dict) else reply
        ok = isinstance(reply, dict) and reply.get("retcode", 0) == 0 and isinstance(value, dict)
        result[router] = rollout.Reply(ok, value if ok else str(value))
    return result


def _pillar():
    minion = _conf().get("pillar_minion") or __opts__["id"]
    compiled = salt.pillar.get_pillar(__opts__, {}, minion, saltenv="base").compile_pillar()
    if "traffic" not in compiled:
        raise TrafficShiftError(f"no `traffic` network in the pillar of {minion}: {compiled.get('_errors')}")
    return compiled


def _for_humans(ret):
    """salt-run prints this return with the `traffic` outputter (salt/_output/traffic.py) unless --out is
    given; the Python API and the reactor get the same wrapper, as with Salt's own state.orchestrate."""
    return {"outputter": "traffic", "data": ret}


def _fail(message, **extra):
    # salt-run exits with a returned dict's "retcode"; __context__ marks the job unsuccessful (reactor, events)
    __context__["retcode"] = 1
    # one line for the operator, whatever the cause's own text holds (a YAML parser's error spans lines)
    return {"result": False, "retcode": 1, "error": " ".join(str(message).split()), **extra}


# -- planning --------------------------------------------------------------------------------------------------
def _drained_sites(controls):
    return sorted(c.name for c in controls if isinstance(c, Drain) and c.element == "site")


def _compute(store):
    """(plan, inputs snapshot, network, drained sites) from the pillar, the active plan and the controls."""
    pillar = _pillar()
    network = parse_network(pillar["traffic"])
    if "traffic_load" not in pillar:
        # the ext_pillar's own error (e.g. the load file's offending path) goes to the operator, not only the log
        why = " ".join("; ".join(str(e) for e in pillar.get("_errors") or []).split())[:600] or "load source down?"
        raise TrafficShiftError(f"no `traffic_load` in the pillar ({why}): nothing planned, "
                                "the fleet stays as it is")
    now = _now()
    previous = store.active().get("plan")
    active = Plan.from_dict(previous) if previous else None
    # the routers count traffic as the active plan routes it: check the counters against that plan
    check = parse_load(pillar["traffic_load"], network, now=now, active=active)
    controls = controls_from_list(store.controls())
    plan = planner.plan(network, check.load, active, controls, now, stale_reasons=check.reasons)
    inputs = {"network": pillar["traffic"], "load": pillar["traffic_load"], "previous": previous,
              "controls": store.controls(), "now": now}
    return plan, inputs, network, _drained_sites(controls)


def _summary(plan, network):
    return {"status": plan.status, "intents": plan.to_dict()["intents"], "routers": plan.routers(),
            "moved_bps": plan.moved_bps,
            "table": format_plan(plan, threshold=network.policy.target_utilization)}


# -- rollout and history ---------------------------------------------------------------------------------------
def _reconcile(store):
    """Runs left 'running' by a runner that died (we hold the lock now, so it is gone): say what became of
    their routers. A commit that was never confirmed reverts by itself when its timer expires."""
    for record in store.history(limit=20):
        if record.get("status") != "running":
            continue
        pending = sorted(r for r, o in record.get("outcomes", {}).items() if o.get("outcome") == rollout.PENDING)
        previous = (record.get("inputs", {}).get("previous") or {}).get("intents", [])
        still = [r for r, reply in _call(pending, "traffic.pending", {}).items() if not reply.ok or reply.value["pending"]]
        drifted = sorted(r for r, reply in _call(pending, "traffic.current", {}).items()
                         if not reply.ok or any(rollout.intent_drift(previous, reply.value["intents"], r)))
        if still:
            record["note"] = f"runner died before confirm; commits on {', '.join(still)} still pending (they revert " \
                             f"by themselves after {record.get('revert_in')}s)"
            record["status"] = "abandoned"
            store.record(record["id"], record)
            continue
        record["status"] = "reverted-by-routers" if not drifted else "abandoned"
        record["note"] = ("runner died before confirm; the routers reverted their unconfirmed commits by themselves"
                          if not drifted else f"runner died before confirm; {', '.join(drifted)} differ from the "
                                              f"previous plan")
        for router in pending:
            record["outcomes"][router]["outcome"] = "reverted-by-router" if router not in drifted else "unknown"
        store.record(record["id"], record)
        _fire("apply/reconciled", {"run": record["id"], "status": record["status"]})


def _roll(store, kind, trigger, plan_dict, drained_sites, routers, inputs, extra=None):
    """Apply `plan_dict` fleet-wide (caller holds the lock); history record written as the run goes."""
    conf = _conf()
    run_id = new_run_id()
    record = {"kind": kind, "trigger": trigger, "started": time.time(), "status": "running",
              "revert_in": conf["revert_in"], "inputs": inputs, "plan": plan_dict, "drained_sites": drained_sites,
              "drained_sites_before": store.active().get("drained_sites", []), "outcomes": {}, **(extra or {})}
    store.record(run_id, record)
    intents = plan_dict.get("intents", []) if plan_dict else []
    _fire(f"{kind}/start", {"run": run_id, "trigger": trigger, "routers": routers, "intents": len(intents),
                            "message": f"{kind} {run_id}: {len(intents)} intent(s) over {len(routers)} router(s)"})

    def notify(what, data):
        if what == "router":
            record["outcomes"][data["router"]] = {k: v for k, v in data.items() if k != "router"}
            store.record(run_id, record)  # a runner that dies mid-run leaves what it committed on record
            _fire(f"{kind}/router", {"run": run_id, "router": data["router"], "outcome": data["outcome"],
                                     "step": data.get("step"),
                                     "message": f"  {data['router']}: {data['outcome']}"})
        else:
            _fire(f"{kind}/stage", {"run": run_id, **data,
                                    "message": f"stage {data['stage']}/{data['of']}: {', '.join(data['routers'])}"})

    active = store.active()
    same_plan = bool(active) and (active.get("plan") or {}).get("intents") == intents \
        and active.get("drained_sites", []) == list(drained_sites)
    result = rollout.rollout(_call, routers, intents=intents, drained_sites=drained_sites, canary=conf["canary"],
                             batch_size=conf["batch_size"], revert_in=conf["revert_in"], notify=notify)
    message = f"{kind} {run_id}: {rollout.summary(result)}"
    if result.ok and same_plan and result.changed:
        # the store says the fleet already ran this plan: these routers had been changed by hand since
        record["drift_corrected"] = result.changed
        message += (f"; {', '.join(result.changed)} had drifted from the active plan (changed by hand?) and run "
                    f"it again")
    record.update(result.to_dict(), finished=time.time(), message=message)
    store.record(run_id, record)
    if result.ok:
        store.set_active(run_id, plan_dict, drained_sites)  # the fleet runs it, changed now or already
        _fire(f"{kind}/done", {"run": run_id, "status": result.status, "changed": result.changed,
                               "message": message})
    else:
        _fire(f"{kind}/failed", {"run": run_id, "status": result.status,
                                 "outcomes": {r: o["outcome"] for r, o in result.outcomes.items()},
                                 "message": message})
        __context__["retcode"] = 1
    return {"run": run_id, "result": result.ok, **({} if result.ok else {"retcode": 1}), **result.to_dict(),
            "message": message}


def _locked(who, quiet=False):
    """Acquire the fleet lock or return the refusal dict."""
    lock = _lock(who)
    try:
        lock.acquire()
    except LockHeld as exc:
        if quiet:
            log.debug("trafficshift: %s skipped: %s", who, exc)
            return None, {"result": True, "skipped": str(exc), "holder": exc.holder}
        return None, _fail(str(exc), holder=exc.holder)
    return lock, None


def _plan_and_apply(who, kind, trigger, quiet=False, skip_unless_ok=False):
    lock, refused = _locked(who, quiet)
    if refused:
        return refused
    try:
        store = _store()
        _reconcile(store)
        plan, inputs, network, drained = _compute(store)
        summary = _summary(plan, network)
        _fire("plan/done", {"trigger": trigger, "status": plan.status, "intents": len(plan.intents),
                            "routers": plan.routers()})
        refusals = "; ".join(a.reason for a in plan.actions if a.verb == "refuse")
        if skip_unless_ok and not plan.applies_new_shifts:
            return {"result": True, "skipped": f"plan status {plan.status}: guard rails hold the fleet ({refusals})",
                    "plan": summary}
        if plan.status == "fail-static":  # stale or inconsistent load: an operator's apply says so and does nothing
            return _fail(f"plan status fail-static, nothing applied: {refusals}", plan=summary)
        active = store.active()
        if skip_unless_ok and active and active["plan"]["intents"] == plan.to_dict()["intents"] \
                and active.get("drained_sites", []) == drained:
            return {"result": True, "skipped": "the fleet already runs this plan", "plan": summary}
        ret = _roll(store, kind, trigger, plan.to_dict(), drained, sorted(network.routers), inputs)
        ret["plan"] = summary
        return ret
    except TrafficShiftError as exc:
        return _fail(str(exc))
    finally:
        lock.release()


# -- public functions ------------------------------------------------------------------------------------------
def plan():
    """
    Compute the plan from the pillar's network and load, the active plan and the operator controls; show
    utilization before/after and each router's diff (read from the routers, then discarded). Changes nothing.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.plan
        salt-run traffic.plan --out=json
    """
    store = _store()
    try:
        result, _, network, drained = _compute(store)
    except TrafficShiftError as exc:
        return _for_humans(_fail(str(exc)))
    diffs = {}
    params = {"intents": result.to_dict()["intents"], "drained_sites": drained}
    for router, reply in sorted(_call(sorted(network.routers), "traffic.diff", params).items()):
        diffs[router] = reply.value["diff"] if reply.ok else f"ERROR: {reply.value}"
    for router in sorted(set(network.routers) - set(diffs)):
        diffs[router] = "ERROR: no return"
    _fire("plan/done", {"trigger": "operator", "status": result.status, "intents": len(result.intents),
                        "routers": result.routers(), "changing": sorted(r for r, d in diffs.items() if d)})
    return _for_humans({"result": True, **_summary(result, network), "drained_sites": drained, "diffs": diffs})


def apply():
    """
    Plan and roll out: canary router(s), then batches; commit confirmed, health check (session up, config
    read back equals the intent), confirm. Any failure rolls back every router changed in this run. Stores
    the plan as active and a history record (inputs snapshot, per-router outcomes).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.apply
    """
    return _for_humans(_plan_and_apply("traffic.apply", "apply", "operator"))


def rebalance(trigger="operator"):
    """
    What the periodic tick and the load alert run: plan, and apply when the guard rails allow and the
    plan differs from the fleet's. Does nothing while frozen; a tick finding another run in progress is
    skipped quietly.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.rebalance
    """
    store = _store()
    if any(isinstance(c, Freeze) for c in controls_from_list(store.controls())):
        return _for_humans({"result": True, "skipped": "frozen (traffic.unfreeze resumes automation)"})
    ret = _plan_and_apply(f"traffic.rebalance ({trigger})", "apply", trigger, quiet=trigger != "operator",
                          skip_unless_ok=True)
    # the reactor has no terminal: this event is where an unattended run's failure or refusal is told
    _fire("rebalance/done", {"trigger": trigger, "skipped": ret.get("skipped"), "run": ret.get("run"),
                             "status": ret.get("status"), "error": ret.get("error"),
                             "message": ret.get("message") or ret.get("error") or ret.get("skipped")})
    return _for_humans(ret)


def status():
    """
    Active shifts, operator controls, the lock holder, pending confirms, drift between the active plan and
    the routers, and the last runs.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.status
    """
    store = _store()
    lock, refused = _locked("traffic.status", quiet=True)
    if lock:
        try:
            _reconcile(store)
        finally:
            lock.release()
    active = store.active()
    plan_dict = active.get("plan") or {"intents": []}
    try:
        routers = sorted(_pillar()["traffic"]["routers"])
    except TrafficShiftError as exc:
        return _fail(str(exc))
    pending = {r: (reply.value["pending"] if reply.ok else f"ERROR: {reply.value}")
               for r, reply in sorted(_call(routers, "traffic.pending", {}).items())}
    drift = {}
    for router, reply in sorted(_call(routers, "traffic.current", {}).items()):
        if not reply.ok:
            drift[router] = f"ERROR: {reply.value}"
            continue
        missing, unexpected = rollout.intent_drift(plan_dict["intents"], reply.value["intents"], router)
        if missing or unexpected:
            drift[router] = {"missing": missing, "unexpected": unexpected}
    return {
        "result": True,
        "active": {"run": active.get("run"), "status": plan_dict.get("status"), "intents": plan_dict["intents"],
                   "drained_sites": active.get("drained_sites", [])},
        "controls": store.controls(),
        "frozen": any(c.get("kind") == "freeze" for c in store.controls()),
        "lock": refused["holder"] if refused else {},
        "pending": {r: p for r, p in pending.items() if p},
        "drift": drift,
        "last_runs": [_brief(r) for r in store.history(limit=5)],
    }


def _brief(record):
    return {k: record.get(k) for k in ("id", "kind", "trigger", "status", "started", "finished", "note")}


def history(limit=20):
    """
    The last runs, newest first: id, kind, trigger, status, times.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.history limit=5
    """
    try:
        limit = check_limit("traffic.history", limit)
    except TrafficShiftError as exc:
        return _fail(str(exc))
    return _for_humans([_brief(r) for r in _store().history(limit=limit)])


def show(run_id):
    """
    One run in full: inputs snapshot (network, load, previous plan, controls, now), plan, per-router outcomes.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.show 20261127T041500.123456-4242
    """
    try:
        return _store().run(check_run_id("traffic.show", run_id))
    except TrafficShiftError as exc:
        return _fail(str(exc))


def report(run_id=None, path=None):
    """
    Write a self-contained HTML report of run ID, or, without an ID (or with ``plan``), of the plan
    traffic.plan would show now with each router's diff: utilization before/after per link and per site as
    a chart with the target-utilization line, the planner's actions with reasons and guard rails, each
    router's outcome and diff. Changes nothing on the routers. Written to ``path``, by default
    ``<master cachedir>/trafficshift/reports/<id>.html``.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.report 20261127T041500.123456-4242
        salt-run traffic.report 20261127T041500.123456-4242 path=/tmp/run.html
        salt-run traffic.report
    """
    from trafficshift.report import write_report

    try:
        record = _plan_record() if run_id in (None, "", "plan") else \
            _store().run(check_run_id("traffic.report", run_id))
    except TrafficShiftError as exc:
        return _for_humans(_fail(str(exc)))
    target = os.path.abspath(str(path)) if path else \
        os.path.join(__opts__["cachedir"], "trafficshift", "reports", f"{record['id']}.html")
    try:
        written = write_report(record, target)
    except OSError as exc:
        return _for_humans(_fail(f"traffic.report: cannot write {target}: {exc}"))
    return _for_humans({"result": True, "path": written, "run": record["id"]})


def _plan_record():
    """traffic.plan's computation and router diffs as a report record (trafficshift.report.plan_record)."""
    from trafficshift.report import plan_record

    result, inputs, network, drained = _compute(_store())
    replies = _call(sorted(network.routers), "traffic.diff",
                    {"intents": result.to_dict()["intents"], "drained_sites": drained})
    diffs = {r: reply.value["diff"] for r, reply in replies.items() if reply.ok}
    errors = {r: str(replies[r].value) if r in replies else "no return" for r in network.routers if r not in diffs}
    return plan_record(result.to_dict(), diffs=diffs, errors=errors, inputs=inputs, drained_sites=drained)


def replay(run_id):
    """
    Plan again from a run's recorded inputs (network, load, previous plan, controls, now) and compare with
    the plan it applied; changes nothing.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.replay 20261127T041500.123456-4242
    """
    try:
        record = _store().run(check_run_id("traffic.replay", run_id))
        again = store_replay(record)
    except TrafficShiftError as exc:
        return _fail(str(exc))
    return {"result": True, "same": again.to_dict() == record["plan"], "plan": again.to_dict()}


def rollback(run_id):
    """
    Revert a past run fleet-wide: re-apply the plan that was active before it (staged, like apply).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.rollback 20261127T041500.123456-4242
    """
    return _for_humans(_rollback(str(run_id)))


def _rollback(run_id):
    try:
        run_id = check_run_id("traffic.rollback", run_id)
    except TrafficShiftError as exc:
        return _fail(str(exc))
    lock, refused = _locked("traffic.rollback")
    if refused:
        return refused
    try:
        store = _store()
        _reconcile(store)
        target = store.run(str(run_id))
        previous = target.get("inputs", {}).get("previous") or {"version": 1, "status": "ok", "intents": [],
                                                                     "created": _now()}
        routers = sorted(_pillar()["traffic"]["routers"])
        return _roll(store, "rollback", "operator", previous, target.get("drained_sites_before", []), routers,
                     {"previous": store.active().get("plan"), "controls": store.controls(), "now": _now()},
                     extra={"reverts": str(run_id)})
    except TrafficShiftError as exc:
        return _fail(str(exc))
    finally:
        lock.release()


def _set_control(add=None, remove=()):
    store = _store()
    kept = [c for c in store.controls() if control_from_dict(c) not in remove and c != (add.to_dict() if add else None)]
    controls = sorted(kept + ([add.to_dict()] if add else []), key=lambda c: sorted(c.items()))
    store.set_controls(controls)
    _fire("controls", {"controls": controls})
    return controls


def drain(element, name):
    """
    Drain a site, router or link gradually: stored as an operator control; every apply/rebalance moves at
    most the policy's drain step off it.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.drain site ams01
        salt-run traffic.drain link ams01-r1:et-0/0/0
    """
    try:
        element, name = check_element("traffic.drain", element, name, parse_network(_pillar()["traffic"]))
    except TrafficShiftError as exc:
        return _fail(str(exc))
    return {"result": True, "controls": _set_control(Drain(element, name), remove=(Undrain(element, name),))}


def undrain(element, name):
    """
    Bring a drained site, router or link back, one drain step per apply/rebalance.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.undrain site ams01
    """
    try:
        element, name = check_element("traffic.undrain", element, name, parse_network(_pillar()["traffic"]))
    except TrafficShiftError as exc:
        return _fail(str(exc))
    return {"result": True, "controls": _set_control(Undrain(element, name), remove=(Drain(element, name),))}


def freeze(reason="operator freeze"):
    """
    Kill switch: remove every override on every router now and stop automation until traffic.unfreeze.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.freeze reason="incident 1234"
    """
    try:
        reason = check_reason("traffic.freeze", reason)
    except TrafficShiftError as exc:
        return _fail(str(exc))
    store = _store()
    frozen = [Freeze(c["reason"]) for c in store.controls() if c.get("kind") == "freeze"]
    _set_control(Freeze(reason), remove=tuple(frozen))
    return _for_humans(_plan_and_apply("traffic.freeze", "apply", "freeze"))


def unfreeze():
    """
    Lift the kill switch: automation resumes at the next rebalance.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.unfreeze
    """
    frozen = [Freeze(c["reason"]) for c in _store().controls() if c.get("kind") == "freeze"]
    return {"result": True, "controls": _set_control(remove=tuple(frozen))}


def schedule(interval):
    """
    Set the periodic rebalance interval in seconds (0 stops it) without restarting the master; the
    traffic_tick engine reads it every second.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.schedule 300
    """
    try:
        interval = check_interval("traffic.schedule", interval)
    except TrafficShiftError as exc:
        return _fail(str(exc))
    settings = _store().update_settings(rebalance_interval=interval)
    return {"result": True, "rebalance_interval": settings["rebalance_interval"]}


def first_start(minion_id):
    """
    Reactor for ``salt/minion/*/start``: the first time a proxy starts, highstate it so it converges to the
    baseline and the fleet's active shift state (``provision_on_first_start``). Later starts do nothing.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.first_start ams01-r1
    """
    if not _store().mark_seen(str(minion_id), time.time()):
        return {"result": True, "first_start": False}
    if not _conf()["provision_on_first_start"]:
        return {"result": True, "first_start": True, "provisioned": False}
    jid = salt.client.LocalClient(mopts=__opts__).cmd_async(str(minion_id), "state.apply")
    _fire("provision/start", {"router": str(minion_id), "jid": jid})
    return {"result": True, "first_start": True, "provisioned": True, "jid": jid}


def lock_holder():
    """
    Who holds the fleet lock and since when ({} when free).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.lock_holder
    """
    return read_holder(os.path.join(__opts__["cachedir"], "trafficshift", "fleet.lock"))
