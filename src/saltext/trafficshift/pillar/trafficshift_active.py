"""Salt ext_pillar: the fleet's active shift state under `trafficshift_active`, from the traffic runner's store.

A proxy that is provisioned (highstate, `traffic.provision`) converges to what the rest of the fleet runs:
``{"trafficshift_active": {"intents": [intent dicts], "drained_sites": [...]}}``; both empty before the
first `traffic.apply`. The store is Salt's master cache (docs/salt-integration.md).

Master config::

    ext_pillar:
      - trafficshift_active: {}
"""

try:
    from saltext.trafficshift.master import store_for

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

__virtualname__ = "trafficshift_active"


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "trafficshift_active ext_pillar: the trafficshift package is not importable on the master"
    return __virtualname__


def ext_pillar(minion_id, pillar, **options):  # pylint: disable=unused-argument
    """Return the active plan's intents and drained sites (plain lists)."""
    active = store_for(__opts__).active()
    intents = (active.get("plan") or {}).get("intents", [])
    return {"trafficshift_active": {"intents": intents, "drained_sites": active.get("drained_sites", [])}}
