"""What the routers would count while a plan is applied, for the lab (which forwards no traffic): the demo,
the soak and the benchmarks replay demand "as it is with no shift in place" and move it the way the planner
predicts the active plan moves it."""
from __future__ import annotations

import msgspec

from trafficshift.model import LinkCounter, Load, Network, SiteLoad
from trafficshift.model.plan import Detour, Plan
from trafficshift.model.projection import expected_link_load


def measure(network: Network, natural: Load, active: Plan | None, actual_egress: bool = False) -> Load:
    """What the routers would count while `active` is applied. The scenario files hold the demand as it is
    with no shift in place; the lab forwards no traffic, so the demo moves it the way the planner predicts.

    `actual_egress`: the demands are reported on the link they actually leave by (a flow collector's view),
    so a prefix detoured whole shows on its detour's link; by default each stays on its preferred link, as
    if no override existed (the routing-table view the load schema describes)."""
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
    update = {"links": links, "sites": sites}
    if actual_egress:
        moved = {d.prefix: (d.from_link, f"{d.router}:{d.link}") for d in active.intents if isinstance(d, Detour)}
        update["egress"] = [msgspec.structs.replace(demand, link=moved[demand.prefix][1])
                            if moved.get(demand.prefix, (None,))[0] == demand.link else demand
                            for demand in natural.egress]
    return natural.model_copy(update=update)
