"""Properties over generated plans: whatever mix of intents the planner may emit for a router (IPv4 and
dual-stack routers; each intent of a family the link's sessions carry), the shift block is the same bytes in
any order, defines managed objects only, and carries every intent."""
from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from render_network import DUALSTACK_ROUTER, GOLDEN_ROUTER, NETWORK
from render_statements import STATEMENTS, split_managed
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.render import render_shift

ROUTERS = sorted((vendor, router) for routers in (GOLDEN_ROUTER, DUALSTACK_ROUTER) for vendor, router in routers.items())


@st.composite
def plans(draw, router):
    site = NETWORK.routers[router].site
    links = sorted(NETWORK.routers[router].links)
    pools = sorted(name for name, pool in NETWORK.pools.items() if site in pool.sites)
    intents = []
    for link in links:
        carried = set(NETWORK.routers[router].links[link].families)
        for pool in pools:
            if not carried & families(NETWORK.pools[pool].prefixes):
                continue
            action = draw(st.sampled_from(["none", "prepend", "withdraw"]))
            if action == "prepend":
                intents.append(Prepend(router=router, link=link, pool=pool, count=draw(st.integers(1, 3))))
            elif action == "withdraw":
                intents.append(Withdraw(router=router, link=link, pool=pool))
        prefixes = draw(st.sets(st.sampled_from(["100.64.0.0/16", "100.65.1.0/24", "2001:db8:8000::/48",
                                                 "198.18.128.0/17", "2001:db8:9::/48"]), max_size=5))
        intents += [Detour(router=router, link=link, prefix=p, from_link=f"{router}:{links[0]}", local_pref=200)
                    for p in prefixes if ipaddress.ip_network(p).version in carried]
    return intents, draw(st.permutations(intents))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_plan_renders_the_same_bytes_in_any_order_and_only_managed_objects(data):
    for vendor, router in ROUTERS:
        drained = (NETWORK.routers[router].site,)
        intents, shuffled = data.draw(plans(router))
        text = render_shift(NETWORK, router, intents, drained_sites=drained)
        assert render_shift(NETWORK, router, shuffled, drained_sites=drained) == text
        managed, rest = split_managed(STATEMENTS[vendor](text))
        assert rest == []
        joined = "\n".join(managed)
        for intent in intents:
            expected = intent.prefix if isinstance(intent, Detour) else f"-{intent.pool}"
            assert expected in joined
        # one AS-path prepend per prepend intent and address family of its pool the link carries, each `count`
        # ASNs long
        asn = str(NETWORK.routers[router].asn)
        assert sum(line.partition("prepend")[2].count(asn) for line in managed) == sum(
            i.count * len(families(NETWORK.pools[i.pool].prefixes) & set(NETWORK.routers[router].links[i.link].families))
            for i in intents if isinstance(i, Prepend))


def families(prefixes) -> set[int]:
    return {ipaddress.ip_network(p).version for p in prefixes}
