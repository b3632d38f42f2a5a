"""States for the router behind a NAPALM proxy: its traffic-shift policy and its provisioning.

Both call the `traffic` execution module through __salt__. `shift_policy` commits confirmed, checks that the
router still answers with the commit pending, then confirms; if the check fails it rolls back, and if the
router is unreachable the commit reverts by itself after `revert_in` seconds (so a state run that cuts the
management session off cannot leave the change behind). `baseline` goes the same way inside the module
(`traffic.provision`: commit confirmed, read back, confirm or roll back). Without explicit intents, `shift_policy` enforces the active plan the
`traffic` runner keeps in pillar `trafficshift_active` ({"intents": [...], "drained_sites": [...]}); absent,
the plan is empty: the pass-through baseline policy.
"""
from salt.exceptions import CommandExecutionError

__virtualname__ = "traffic"
__proxyenabled__ = ["napalm"]

ACTIVE_PILLAR = "trafficshift_active"


def __virtual__():
    if "traffic.apply" not in __salt__:
        return False, "traffic: the traffic execution module is not available"
    return __virtualname__


def _ret(name):
    return {"name": name, "changes": {}, "result": False, "comment": ""}


def shift_policy(name, intents=None, drained_sites=None, revert_in=600):
    """
    Ensure the router's managed traffic-shift block matches ``intents`` (intent dicts; other routers' are
    ignored). Without ``intents`` and ``drained_sites``, the active plan from pillar ``trafficshift_active``.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 state.single traffic.shift_policy name=shift test=True

    .. code-block:: yaml

        traffic_shift_policy:
          traffic.shift_policy
    """
    ret = _ret(name)
    if intents is None and drained_sites is None:
        active = __pillar__.get(ACTIVE_PILLAR) or {}
        intents, drained_sites = active.get("intents") or [], active.get("drained_sites") or []
    try:
        if __opts__["test"]:
            diff = __salt__["traffic.diff"](intents=intents, drained_sites=drained_sites)["diff"]
            return _tested(ret, diff, "shift policy")
        applied = __salt__["traffic.apply"](intents=intents, drained_sites=drained_sites, revert_in=revert_in)
        if not applied["changed"]:
            return {**ret, "result": True, "comment": "shift policy already in place"}
        ret["changes"] = {"diff": applied["diff"]}
        _check_and_confirm()
    except CommandExecutionError as exc:
        return {**ret, "comment": str(exc)}
    return {**ret, "result": True, "comment": "shift policy committed and confirmed"}


def _check_and_confirm():
    """The router must still answer, with the commit pending, before it is confirmed; otherwise undo."""
    try:
        still_pending = __salt__["traffic.pending"]()["pending"]
    except CommandExecutionError:
        try:
            __salt__["traffic.rollback"]()
        except CommandExecutionError:
            pass  # the router reverts by itself when the confirm does not come
        raise
    if not still_pending:
        # already reverted (or confirmed by someone else): a rollback now would undo the commit before it
        raise CommandExecutionError(f"{__opts__['id']}: health-check failed: the commit is no longer pending")
    __salt__["traffic.confirm"]()


def baseline(name, revert_in=600):
    """
    Provision the router: merge the baseline config (system, interfaces, BGP, pool prefix-lists) and the
    shift block it runs now, so provisioning never undoes an active shift.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 state.single traffic.baseline name=baseline test=True

    .. code-block:: yaml

        traffic_baseline:
          traffic.baseline
    """
    ret = _ret(name)
    try:
        if __opts__["test"]:
            return _tested(ret, __salt__["traffic.provision"](test=True)["diff"], "baseline")
        provisioned = __salt__["traffic.provision"](revert_in=revert_in)
    except CommandExecutionError as exc:
        return {**ret, "comment": str(exc)}
    if not provisioned["changed"]:
        return {**ret, "result": True, "comment": "baseline already in place"}
    return {**ret, "result": True, "changes": {"diff": provisioned["diff"]},
            "comment": "baseline committed and confirmed"}


def _tested(ret, diff, what):
    if not diff:
        return {**ret, "result": True, "comment": f"{what} already in place"}
    return {**ret, "result": None, "changes": {"diff": diff}, "comment": f"{what} would change (test mode)"}
