"""Defence in depth: model objects built WITHOUT validation (`model_construct`) and intents carrying hostile
strings must never reach the output. Each case renders the whole router; the renderer has to raise
RenderError (so nothing is rendered) for every hostile value in every field that reaches a template."""
from __future__ import annotations

import pytest

from render_network import GOLDEN_ROUTER, NETWORK, case_intents, construct, plan_of
from trafficshift.errors import RenderError
from trafficshift.model import Network
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.render import render_baseline, render_router

HOSTILE = [
    "x\ny", "x\r\ny", "x\ry", "x\u2028y", "x\x00y", "x\ty", "x y",
    "x;", "x; }", "x}", "x{", "} system {", 'x"y', "'x'", "x#y", "#x", "x!y", "!x", "x[y]",
    "end\n", "x\nend", "\nend\n", "exit\nend",
    "еnd", "ｅｎｄ", "pe\u0435r-a", "x\u200by", "１",  # Cyrillic e, fullwidth, zero-width space, fullwidth 1
    "a" * 97, "a" * 10_000, "", " ", "-x", "/x", ":x",
]


def _with_router(vendor, **changes) -> Network:
    name = GOLDEN_ROUTER[vendor]
    return construct(NETWORK, routers={**NETWORK.routers, name: construct(NETWORK.routers[name], **changes)})


def _with_link(vendor, **changes) -> Network:
    router = NETWORK.routers[GOLDEN_ROUTER[vendor]]
    interface, link = sorted(router.links.items())[0]
    return _with_router(vendor, links={**router.links, interface: construct(link, **changes)})


def _with_baseline(**changes) -> Network:
    return construct(NETWORK, baseline=construct(NETWORK.baseline, **changes))


def _with_interface(vendor, value) -> Network:
    router = NETWORK.routers[GOLDEN_ROUTER[vendor]]
    (first, link), *rest = sorted(router.links.items())
    return _with_router(vendor, links={value: link, **dict(rest)})


def _renamed_router(vendor, value):
    routers = dict(NETWORK.routers)
    routers[value] = routers.pop(GOLDEN_ROUTER[vendor])
    return construct(NETWORK, routers=routers), value, ()


def _first_link(vendor) -> str:
    return sorted(NETWORK.routers[GOLDEN_ROUTER[vendor]].links)[0]


def _intent(vendor, cls, **fields):
    router = GOLDEN_ROUTER[vendor]
    defaults = {"router": router, "link": _first_link(vendor)}
    if cls is Detour:
        defaults |= {"prefix": "100.64.0.0/16", "from_link": f"{router}:x", "local_pref": 200}
    elif cls is Prepend:
        defaults |= {"pool": "web", "count": 2}
    else:
        defaults |= {"pool": "web"}
    return NETWORK, router, (cls(**(defaults | fields)),)


#: field -> (vendor, hostile value) -> (network, router name, intents); fields of the network are rendered
#: with the vendor's "mixed" plan so that every one of them reaches a template
FIELDS = {
    "router name (hostname)": _renamed_router,
    "router site": lambda v, x: (_with_router(v, site=x), GOLDEN_ROUTER[v], ()),
    "router asn": lambda v, x: (_with_router(v, asn=x), GOLDEN_ROUTER[v], ()),
    "router router_id": lambda v, x: (_with_router(v, router_id=x), GOLDEN_ROUTER[v], ()),
    "interface name": lambda v, x: (_with_interface(v, x), GOLDEN_ROUTER[v], ()),
    "link peer": lambda v, x: (_with_link(v, peer=x), GOLDEN_ROUTER[v], ()),
    "link kind": lambda v, x: (_with_link(v, kind=x), GOLDEN_ROUTER[v], ()),
    "link group": lambda v, x: (_with_link(v, group=x), GOLDEN_ROUTER[v], ()),
    "link neighbor": lambda v, x: (_with_link(v, neighbor=x), GOLDEN_ROUTER[v], ()),
    "link local_address": lambda v, x: (_with_link(v, local_address=x), GOLDEN_ROUTER[v], ()),
    "link neighbor6": lambda v, x: (_with_link(v, neighbor6=x), GOLDEN_ROUTER[v], ()),
    "link local_address6": lambda v, x: (_with_link(v, neighbor6="2001:db8:ffff::2", local_address6=x),
                                         GOLDEN_ROUTER[v], ()),
    "link peer_as": lambda v, x: (_with_link(v, peer_as=x), GOLDEN_ROUTER[v], ()),
    "baseline domain_name": lambda v, x: (_with_baseline(domain_name=x), GOLDEN_ROUTER[v], ()),
    "baseline ntp_servers": lambda v, x: (_with_baseline(ntp_servers=(x,)), GOLDEN_ROUTER[v], ()),
    "baseline syslog_hosts": lambda v, x: (_with_baseline(syslog_hosts=(x,)), GOLDEN_ROUTER[v], ()),
    "pool name": lambda v, x: (construct(NETWORK, pools={**NETWORK.pools, x: NETWORK.pools["web"]}),
                               GOLDEN_ROUTER[v], ()),
    "pool prefixes": lambda v, x: (construct(NETWORK, pools={
        **NETWORK.pools, "web": construct(NETWORK.pools["web"], prefixes=(x,))}), GOLDEN_ROUTER[v], ()),
    "policy marker_community": lambda v, x: (construct(NETWORK, policy=construct(NETWORK.policy, marker_community=x)),
                                             GOLDEN_ROUTER[v], ()),
    "detour link": lambda v, x: _intent(v, Detour, link=x),
    "detour prefix": lambda v, x: _intent(v, Detour, prefix=x),
    "detour local_pref": lambda v, x: _intent(v, Detour, local_pref=x),
    "prepend pool": lambda v, x: _intent(v, Prepend, pool=x),
    "prepend count": lambda v, x: _intent(v, Prepend, count=x),
    "withdraw link": lambda v, x: _intent(v, Withdraw, link=x),
    "withdraw pool": lambda v, x: _intent(v, Withdraw, pool=x),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_no_hostile_value_reaches_the_output(vendor, field):
    escaped = []
    for value in HOSTILE:
        network, router, intents = FIELDS[field](vendor, value)
        intents = intents or case_intents(vendor)["mixed"][0]
        try:
            text = render_router(network, router, plan_of(intents))
        except RenderError:
            continue
        escaped.append((value, text))
    assert [value for value, _ in escaped] == []


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_output_filter_refusal_names_the_template_line_and_variable(vendor):
    # the domain name is checked by nothing but the output filter, so this is the last line of defence
    network = construct(NETWORK, baseline=construct(NETWORK.baseline, domain_name="lab.net;\n}"))
    with pytest.raises(RenderError) as caught:
        render_baseline(network, GOLDEN_ROUTER[vendor])
    message = str(caught.value)
    assert f"{vendor}/baseline.j2:" in message and "{{ cfg.domain_name }}" in message
    assert repr("lab.net;\n}") in message


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_a_keyword_as_a_name_stays_an_argument(vendor):
    # `end` is a valid peer name; it must never become a line of its own (napalm's EOS loader stops there)
    text = render_router(_with_link(vendor, peer="end"), GOLDEN_ROUTER[vendor])
    assert "end" not in [line.strip(" ;") for line in text.splitlines()]
    assert "transit end" in text
