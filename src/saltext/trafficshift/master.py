"""What the master's loader modules of the extension share (the runner, the traffic_tick engine, the
trafficshift_active ext_pillar): the runner's state on this master's Salt cache."""
import os

import salt.cache

from trafficshift.fleet.store import Store


def store_for(opts) -> Store:
    """The runner's store on Salt's master cache (localfs under the cachedir by default, or the configured
    cache backend, which several masters can share)."""
    return Store(salt.cache.Cache(opts))


def lock_path(opts) -> str:
    """The fleet lock's file (trafficshift.fleet.store.FleetLock) on this master."""
    return os.path.join(opts["cachedir"], "trafficshift", "fleet.lock")
