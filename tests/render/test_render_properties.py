"""Properties over generated plans: whatever mix of intents the planner may emit for a router, the shift
block is the same bytes in any order, defines managed objects only, and carries every intent."""
from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from render_network import GOLDEN_ROUTER, NETWORK
from render_statements import STATEMENTS, split_managed
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.render import render_shift

POOLS = sorted(name for name, pool in NETWORK.pools.items() if "ams01" in pool.sites)  # the golden routers' site


@st.composite
def plans(draw, vendor):
    router = GOLDEN_ROUTER[vendor]
    links = sorted(NETWORK.routers[router].links)
    intents = []
    for link in links:
        for pool in POOLS:
            action = draw(st.sampled_from(["none", "prepend", "withdraw"]))
            if action == "prepend":
                intents.append(Prepend(router=router, link=link, pool=pool, count=draw(st.integers(1, 3))))
            elif action == "withdraw":
                intents.append(Withdraw(router=router, link=link, pool=pool))
        prefixes = draw(st.sets(st.sampled_from(["100.64.0.0/16", "100.65.1.0/24", "2001:db8:8000::/48",
                                                 "198.18.128.0/17", "2001:db8:9::/48"]), max_size=5))
        intents += [Detour(router=router, link=link, prefix=p, from_link=f"{router}:{links[0]}", local_pref=200)
                    for p in prefixes]
    return intents, draw(st.permutations(intents))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_any_plan_renders_the_same_bytes_in_any_order_and_only_managed_objects(data):
    for vendor in sorted(GOLDEN_ROUTER):
        intents, shuffled = data.draw(plans(vendor))
        text = render_shift(NETWORK, GOLDEN_ROUTER[vendor], intents, drained_sites=("ams01",))
        assert render_shift(NETWORK, GOLDEN_ROUTER[vendor], shuffled, drained_sites=("ams01",)) == text
        managed, rest = split_managed(STATEMENTS[vendor](text))
        assert rest == []
        joined = "\n".join(managed)
        for intent in intents:
            expected = intent.prefix if isinstance(intent, Detour) else f"-{intent.pool}"
            assert expected in joined
        # one AS-path prepend per prepend intent and address family of its pool, each `count` ASNs long
        asn = str(NETWORK.routers[GOLDEN_ROUTER[vendor]].asn)
        assert sum(line.partition("prepend")[2].count(asn) for line in managed) == sum(
            i.count * len(families(NETWORK.pools[i.pool].prefixes)) for i in intents if isinstance(i, Prepend))


def families(prefixes) -> set[int]:
    return {ipaddress.ip_network(p).version for p in prefixes}
