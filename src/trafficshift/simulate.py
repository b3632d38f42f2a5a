"""What the routers would count while a plan is applied, for the lab (which forwards no traffic): the demo,
the soak and the benchmarks replay demand "as it is with no shift in place" and move it the way the planner
predicts the active plan moves it."""
from __future__ import annotations

from trafficshift.model import LinkCounter, Load, Network, SiteLoad
from trafficshift.model.plan import Plan
from trafficshift.model.projection import expected_link_load


def measure(network: Network, natural: Load, active: Plan | None) -> Load:
    """What the routers would count while `active` is applied. The scenario files hold the demand as it is
    with no shift in place; the lab forwards no traffic, so the demo moves it the way the planner predicts."""
    if active is None or not active.intents:
        return natural
    unshifted = expected_link_load(network, natural, None)
    shifted = expected_link_load(network, natural, active)
    links = {lid: LinkCounter(out_bps=max(0.0, counter.out_bps + shifted.get(lid, 0.0) - unshifted.get(lid, 0.0)))
             for lid, counter in natural.links.items()}
    sites = {}
    for name, site in natural.sites.items():
        delta = active.ingress_delta.get(name, {})
        sites[name] = SiteLoad(ingress_bps=max(0.0, site.ingress_bps + sum(delta.values())),
                               pools={pool: max(0.0, bps + delta.get(pool, 0.0)) for pool, bps in site.pools.items()})
    return natural.model_copy(update={"links": links, "sites": sites})
