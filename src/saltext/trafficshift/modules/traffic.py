"""Traffic-shift operations on the router behind a NAPALM proxy minion (saltext-napalm's `proxytype: napalm`).

Thin adapter over trafficshift.device.router: the network comes from this minion's `traffic` pillar, the NAPALM
driver is the proxy's own always-open connection (`napalm.get_device`), so the session a commit confirmed
opens is still there for the `traffic.confirm` job that follows (the proxy runs jobs as threads,
`multiprocessing: False`). Every driver call holds the device's lock, so jobs never interleave on the
connection. Errors become CommandExecutionError "router: step failed: reason". docs/salt-integration.md
describes the contract the `traffic` runner relies on.
"""
from contextlib import contextmanager

from salt.exceptions import CommandExecutionError

try:
    from trafficshift.device import router as ops
    from trafficshift.errors import TrafficShiftError

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

__virtualname__ = "traffic"
__proxyenabled__ = ["napalm"]


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic: the trafficshift package is not installed"
    if __opts__.get("proxy", {}).get("proxytype") != "napalm":
        return False, "traffic: runs on NAPALM proxy minions only"
    return __virtualname__


def _router():
    # A deltaproxy's sub-proxies share one module object and with it `__opts__`, which names whichever
    # sub-proxy loaded the module last (salt#70144), and a module refresh rebuilds their loader context; their
    # own pillar is right, and its `proxy:` block names the router (trafficshift_lab.saltenv.subproxy_pillar).
    return __pillar__.get("proxy", {}).get("router") or __opts__["id"]


@contextmanager
def _driver():
    """The proxy's open NAPALM driver, held under the device lock; domain errors -> CommandExecutionError."""
    device = __proxy__["napalm.get_device"]()
    if not device.get("UP"):
        raise CommandExecutionError(f"{_router()}: connect failed: the proxy has no open NAPALM connection")
    with device["LOCK"]:
        _reopen_if_dropped(device["DRIVER"])
        with _errors():
            yield device["DRIVER"]


def _reopen_if_dropped(driver):
    """A session the router dropped (it rebooted, the connection broke) is opened again for this job, instead
    of every job failing until Salt's proxy keep-alive reconnects (up to a minute later). NAPALM's EOS driver
    is stateless HTTP and always reports alive; the Junos driver reports its NETCONF session."""
    try:
        alive = driver.is_alive().get("is_alive", True)
    except Exception:  # pylint: disable=broad-except
        alive = False
    if alive:
        return
    if getattr(driver, "locked", False):
        # the config lock belonged to the dropped session and went with it; NAPALM's Junos driver would
        # otherwise skip the next lock and fail its unlock ("not locked by this session")
        driver.locked = False
    try:
        driver.open()
    except Exception as exc:  # pylint: disable=broad-except
        reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        raise CommandExecutionError(f"{_router()}: connect failed: {reason}") from None


@contextmanager
def _errors():
    try:
        yield
    except TrafficShiftError as exc:
        raise CommandExecutionError(str(exc)) from None
    except ValueError as exc:
        raise CommandExecutionError(f"{_router()}: {exc}") from None


def _network():
    with _errors():
        return ops.network_from_pillar(_router(), __pillar__)


def render(intents=None, drained_sites=None):
    """
    Render this router's managed traffic-shift block for ``intents`` (intent dicts of the plan; other
    routers' are ignored; none: the pass-through baseline policy).

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.render intents='[{"kind": "withdraw", "router": "ams01-r1", "link": "et-0/0/1", "pool": "web"}]'
    """
    network = _network()
    with _errors():
        return ops.render(network, _router(), intents, drained_sites)


def diff(intents=None, drained_sites=None):
    """
    Load the shift block for ``intents``, return the device's diff and discard it: nothing changes.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.diff intents='[]'
    """
    network = _network()
    with _driver() as driver:
        return ops.diff(driver, network, _router(), intents, drained_sites)


def apply(intents=None, drained_sites=None, revert_in=600):
    """
    Load the shift block for ``intents``; if it changes anything, commit confirmed: the router reverts
    after ``revert_in`` seconds (a multiple of 60) unless ``traffic.confirm`` follows. No diff: nothing is
    committed and ``changed`` is False.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.apply intents='[...]' revert_in=600
    """
    network = _network()
    with _driver() as driver:
        return ops.apply(driver, network, _router(), intents, drained_sites, int(revert_in))


def effect(intents=None, hot_links=None):
    """
    Whether this router routes as its intents among ``intents`` say: for each detoured prefix checked
    (every one off a link in ``hot_links``, plus the pillar policy's ``effect_sample``), the active path
    must come from the alternate's neighbor with the detour's local preference, and so must every
    more-specific inside it; each prepend and withdrawal must show in what the neighbors are sent. Returns
    what was ``checked`` and the ``misses``, each with a one-line ``line``; changes nothing.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.effect intents='[{"kind": "detour", "router": "ams01-r1", "link": "et-0/0/1", "prefix": "198.51.100.0/24", "from_link": "ams01-r1:et-0/0/0", "local_pref": 200}]'
    """
    network = _network()
    with _driver() as driver:
        return ops.effect(driver, network, _router(), intents, hot_links)


def detour_routes(detours=None):
    """
    What this router says about the routes planned detours depend on. ``detours`` are the plan's
    ``{router, link, prefix, from_link}``: for each one onto a link of this router, whether the link's
    neighbor sends exactly that prefix (``routes``: a path from it, active or not); for each one off a link
    of this router, the more-specific of the prefix whose best path still comes from that link's neighbor
    (``more_specifics``); when a prefix is not sent, the links whose BGP sessions are all down
    (``sessions_down``). The runner asks before a plan is final and plans no detour these say would move
    nothing. Changes nothing.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.detour_routes detours='[{"router": "ams01-r1", "link": "et-0/0/1", "prefix": "198.51.100.0/24", "from_link": "ams01-r1:et-0/0/0"}]'
    """
    network = _network()
    with _driver() as driver:
        return ops.detour_routes(driver, network, _router(), detours)


def verify(intents=None, hot_links=None):
    """
    The check of a pending ``traffic.apply`` in one job: ``traffic.current`` (the intents the running config
    carries) and ``traffic.effect`` (whether the detours among ``intents`` moved traffic) together, plus
    ``effect_s``, the seconds the route lookups took. Changes nothing.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.verify intents='[...]'
    """
    network = _network()
    with _driver() as driver:
        return ops.verify(driver, network, _router(), intents, hot_links)


def confirm():
    """
    Confirm the pending commit of ``traffic.apply``.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.confirm
    """
    with _driver() as driver:
        return ops.confirm(driver, _router())


def rollback():
    """
    Undo the last commit (a pending confirmed one included): back to the config before the change.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.rollback
    """
    with _driver() as driver:
        return ops.rollback(driver, _router())


def pending():
    """
    Whether a confirmed commit waits for its confirm on this router.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.pending
    """
    with _driver() as driver:
        return ops.pending(driver, _router())


def current():
    """
    The shift intents this router's running config carries (``from_link`` of detours is not kept on
    the router and reads back as None), and ``unknown_objects``: the ``TS-`` objects it holds that the
    pillar does not render for it (a removed link's policies), which ``traffic.status`` shows as drift.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.current
    """
    network = _network()
    with _driver() as driver:
        return ops.current(driver, network, _router())


def provision(test=False, revert_in=600):
    """
    Merge the baseline config and the shift block the router runs now: committed confirmed, read back,
    confirmed (rolled back when the read-back differs). ``test=True``: return the diff, commit nothing.

    CLI Example:

    .. code-block:: bash

        salt ams01-r1 traffic.provision test=True
    """
    network = _network()
    with _driver() as driver:
        return ops.provision(driver, network, _router(), test=bool(test), revert_in=int(revert_in))
