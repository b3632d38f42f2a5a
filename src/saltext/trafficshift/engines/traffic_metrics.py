"""Master engine: trafficshift's own metrics for Prometheus on http://127.0.0.1:9811/metrics by default
(docs/operations.md: what each means, the alert rules in monitoring/alerts.yml).

It listens to the `trafficshift/*` events on the master bus (a plan computed, a rebalance cycle's outcome, a
run's and each router's outcome) and reads the fleet store at each scrape (the plan the fleet runs, a
freeze, the lock); `trafficshift.present.metrics` turns both into metric families. Counters start at 0
when the master starts, as Prometheus expects of a restarted process.

Master config::

    engines:
      - traffic_metrics:
          port: 9811          # 0: no endpoint
          host: 127.0.0.1     # loopback by default: the endpoint has no authentication
"""
import logging
import time

import salt.utils.event

try:
    from prometheus_client import CollectorRegistry, start_http_server

    from saltext.trafficshift.master import lock_path, store_for
    from trafficshift.fleet.store import read_holder
    from trafficshift.present.metrics import FleetView, LoopMetrics

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

log = logging.getLogger(__name__)

__virtualname__ = "traffic_metrics"
DEFAULT_PORT = 9811
PREFIX = "trafficshift/"


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic_metrics engine: trafficshift or prometheus_client is not importable on the master"
    return __virtualname__


class _Collector:
    """The registry's view: the events folded so far and the store as it is now."""

    def __init__(self, loop, store, opts):
        self.loop, self.store, self.opts = loop, store, opts

    def collect(self):
        controls = self.store.controls()
        holder = read_holder(lock_path(self.opts))
        configured = (self.opts.get("trafficshift") or {}).get("rebalance_interval", 300)
        fleet = FleetView(
            active_plan=self.store.active().get("plan"),
            frozen=any(c.get("kind") == "freeze" for c in controls),
            lock_held_s=max(0.0, time.time() - holder["since"]) if holder.get("since") else 0.0,
            rebalance_interval_s=float(self.store.settings().get("rebalance_interval", configured)),
        )
        return self.loop.families(fleet)


def start(port=DEFAULT_PORT, host="127.0.0.1"):
    """Engine entry point: serve the metrics and fold the events for the master's lifetime."""
    store = store_for(__opts__)
    loop = LoopMetrics()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(loop, store, __opts__))
    if port:
        start_http_server(int(port), addr=str(host), registry=registry)
        log.info("traffic_metrics: serving http://%s:%s/metrics", host, port)
    with salt.utils.event.get_master_event(__opts__, __opts__["sock_dir"], listen=True) as bus:
        while True:
            event = bus.get_event(wait=1, tag=PREFIX, full=True)
            if not event:
                continue
            try:
                loop.observe(event["tag"][len(PREFIX):], event.get("data") or {}, time.time(), store.active)
            except Exception:  # pylint: disable=broad-except
                log.exception("traffic_metrics: cannot fold event %s", event.get("tag"))
