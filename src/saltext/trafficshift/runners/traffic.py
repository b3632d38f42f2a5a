"""Operator interface of trafficshift on the master: plan, staged apply, status, history, rollback, drain,
freeze, and the unattended rebalance (docs/salt-integration.md).

A thin adapter: every decision is in trafficshift.fleet.runs (unit-tested without daemons); this module
builds its ports from Salt (the LocalClient calling the `traffic.*` execution module on the proxies, the
master bus under ``trafficshift/``, the compiled pillar, the store on Salt's master cache, the fleet lock in
the master cachedir) and hands the returns to the `traffic` outputter. Everything that changes routers holds
the fleet lock; a second run is refused with the holder and since when. Master config: the optional
`trafficshift:` key (canary, batch_size, revert_in, timeout, pillar_minion, rebalance_interval,
provision_on_first_start), docs/salt-integration.md.
"""
import atexit
import contextlib
import logging
import os
import threading

import salt.client
import salt.pillar
import salt.utils.event

try:
    from saltext.trafficshift.master import lock_path, store_for
    from trafficshift.fleet import rollout
    from trafficshift.fleet.runs import DEFAULTS, Fleet, Ports, clock
    from trafficshift.fleet.store import FleetLock, read_holder

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

log = logging.getLogger(__name__)

__virtualname__ = "traffic"


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic runner: the trafficshift package is not importable on the master"
    return __virtualname__


# -- Salt glue -------------------------------------------------------------------------------------------------
def _conf():
    return {**DEFAULTS, **(__opts__.get("trafficshift") or {})}


def _state_dir():
    return os.path.join(__opts__["cachedir"], "trafficshift")


def _lock(who):
    return FleetLock(lock_path(__opts__), who)


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
        with contextlib.suppress(Exception):  # closing at exit: nothing left to tell
            obj.destroy()


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
    return salt.pillar.get_pillar(__opts__, {}, minion, saltenv="base").compile_pillar()


def _fleet():
    conf = _conf()
    ports = Ports(store=store_for(__opts__), call=_call, fire=_fire, pillar=_pillar, lock=_lock, now=clock(conf),
                  settings={**conf, "pillar_minion": conf.get("pillar_minion") or __opts__["id"],
                            "state_dir": _state_dir()})
    return Fleet(ports)


def _done(ret, human=True):
    """A fleet return as salt-run shows it: a failure marks the job failed (salt-run's exit code, the
    reactor's events); `human` returns go through the `traffic` outputter (saltext/trafficshift/output/traffic.py) unless
    --out is given, as with Salt's own state.orchestrate."""
    if isinstance(ret, dict) and ret.get("retcode"):
        __context__["retcode"] = ret["retcode"]
    return {"outputter": "traffic", "data": ret} if human else ret


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
    return _done(_fleet().plan())


def apply():
    """
    Plan and roll out: canary router(s), then batches; commit confirmed, health check (session up, config
    read back equals the intent), confirm. Any failure rolls back every router changed in this run. Stores
    the plan as active and a history record (inputs snapshot, per-router outcomes).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.apply
    """
    return _done(_fleet().apply())


def rebalance(trigger="operator"):
    """
    What the periodic tick and the load alert run: plan, and apply when the guard rails allow and the
    plan differs from the fleet's. Does nothing while frozen; a tick finding another run in progress is
    skipped quietly.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.rebalance
    """
    return _done(_fleet().rebalance(trigger))


def status():
    """
    Active shifts, operator controls, the lock holder, pending confirms, drift between the active plan and
    the routers, and the last runs.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.status
    """
    return _done(_fleet().status(), human=False)


def history(limit=20):
    """
    The last runs, newest first: id, kind, trigger, status, times.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.history limit=5
    """
    return _done(_fleet().history(limit))


def show(run_id):
    """
    One run in full: inputs snapshot (network, load, previous plan, controls, now), plan, per-router outcomes.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.show 20261127T041500.123456-4242
    """
    return _done(_fleet().show(run_id), human=False)


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
    return _done(_fleet().report(run_id, path))


def replay(run_id):
    """
    Plan again from a run's recorded inputs (network, load, previous plan, controls, now) and compare with
    the plan it applied; changes nothing.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.replay 20261127T041500.123456-4242
    """
    return _done(_fleet().replay(run_id), human=False)


def rollback(run_id):
    """
    Revert a past run fleet-wide: re-apply the plan that was active before it (staged, like apply).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.rollback 20261127T041500.123456-4242
    """
    return _done(_fleet().rollback(str(run_id)))


def drain(element, name):
    """
    Drain a site, router or link gradually: stored as an operator control; every apply/rebalance moves at
    most the policy's drain step off it.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.drain site ams01
        salt-run traffic.drain link ams01-r1:et-0/0/0
    """
    return _done(_fleet().drain(element, name), human=False)


def undrain(element, name):
    """
    Bring a drained site, router or link back, one drain step per apply/rebalance.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.undrain site ams01
    """
    return _done(_fleet().undrain(element, name), human=False)


def freeze(reason="operator freeze"):
    """
    Kill switch: remove every override on every router now and stop automation until traffic.unfreeze.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.freeze reason="incident 1234"
    """
    return _done(_fleet().freeze(reason))


def unfreeze():
    """
    Lift the kill switch: automation resumes at the next rebalance.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.unfreeze
    """
    return _done(_fleet().unfreeze(), human=False)


def schedule(interval):
    """
    Set the periodic rebalance interval in seconds (0 stops it) without restarting the master; the
    traffic_tick engine reads it every second.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.schedule 300
    """
    return _done(_fleet().schedule(interval), human=False)


def first_start(minion_id):
    """
    Reactor for ``salt/minion/*/start``: the first time a proxy starts, highstate it so it converges to the
    baseline and the fleet's active shift state (``provision_on_first_start``). Later starts do nothing.

    CLI Example:

    .. code-block:: bash

        salt-run traffic.first_start ams01-r1
    """
    return _done(_fleet().first_start(
        str(minion_id), lambda minion: salt.client.LocalClient(mopts=__opts__).cmd_async(minion, "state.apply")),
        human=False)


def lock_holder():
    """
    Who holds the fleet lock and since when ({} when free).

    CLI Example:

    .. code-block:: bash

        salt-run traffic.lock_holder
    """
    return read_holder(lock_path(__opts__))
