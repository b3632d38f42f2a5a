"""Master engine: fire `trafficshift/tick` every `rebalance_interval` seconds; the reactor
(saltext/trafficshift/reactor/tick.sls) maps it to `traffic.rebalance trigger=tick`.

Salt 3008.4's master `schedule:` fails every run with RecursionError (docs/salt-notes.md), hence this engine.
The interval comes from `traffic.schedule` (the store, read every second, so it changes without a master
restart), else from the master config `trafficshift: {rebalance_interval: 300}`; 0 stops the ticks. A tick
never starts a second rebalance: the runner's fleet lock refuses it (quietly, for ticks).

Master config::

    engines:
      - traffic_tick: {}
"""
import logging
import time

import salt.utils.event

try:
    from saltext.trafficshift.master import store_for

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

log = logging.getLogger(__name__)

__virtualname__ = "traffic_tick"
DEFAULT_INTERVAL_S = 300


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic_tick engine: the trafficshift package is not importable on the master"
    return __virtualname__


def _interval(store):
    configured = (__opts__.get("trafficshift") or {}).get("rebalance_interval", DEFAULT_INTERVAL_S)
    return float(store.settings().get("rebalance_interval", configured))


def start(poll=1.0):
    """Engine entry point: runs for the master's lifetime."""
    store = store_for(__opts__)
    last = time.monotonic()
    with salt.utils.event.get_master_event(__opts__, __opts__["sock_dir"], listen=False) as bus:
        while True:
            time.sleep(poll)
            try:
                interval = _interval(store)
            except Exception:  # pylint: disable=broad-except
                log.exception("traffic_tick: cannot read the rebalance interval; next try in %ss", poll)
                continue
            if interval > 0 and time.monotonic() - last >= interval:
                last = time.monotonic()
                bus.fire_event({"interval": interval, "at": time.time()}, "trafficshift/tick")
            elif interval <= 0:
                last = time.monotonic()
