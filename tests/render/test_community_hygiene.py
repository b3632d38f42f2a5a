"""The marker community is the operator's own and stays inside the AS, on both vendors: no rendered config
(golden cases, the example pillar the demo runs) holds a well-known community, no export term adds one, and
every export term that lets a route through to the eBGP neighbor removes the marker."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from render_network import GOLDEN_ROUTER, NETWORK, construct, plan_of
from render_statements import eos_statements, junos_statements
from trafficshift.errors import RenderError
from trafficshift.model import DEFAULT_MARKER_VALUE
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.render import render_router
from trafficshift.validation import parse_network

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
COMMUNITY = re.compile(r"^(\d+):(\d+)$")


def communities(vendor: str, text: str) -> list[str]:
    """Every community value the config defines or sets."""
    if vendor == "junos":
        return [s.split()[-1] for s in junos_statements(text)
                if s.startswith("policy-options community ") and " members " in s]
    return [s.split("set community ", 1)[1].split()[0] for s in eos_statements(text) if "set community " in s]


def export_terms(vendor: str, text: str) -> dict[str, list[str]]:
    """The statements of each term / route-map entry of a TS-OUT policy, keyed by term."""
    terms: dict[str, list[str]] = {}
    if vendor == "junos":
        for statement in junos_statements(text):
            words = statement.split()
            if statement.startswith("policy-options policy-statement TS-OUT-") and words[3] == "term":
                terms.setdefault(" ".join(words[2:5]), []).append(" ".join(words[5:]))
    else:
        for statement in eos_statements(text):
            head, _, body = statement.partition(" :: ")
            if head.startswith("route-map TS-OUT-"):
                terms.setdefault(head, []).extend([body] if body else [])
    return terms


def assert_hygienic(vendor: str, text: str, marker: str) -> None:
    values = communities(vendor, text)
    assert values, "the marker community is always defined or set"
    for value in values:
        asn, local = (int(part) for part in COMMUNITY.fullmatch(value).groups())
        assert asn not in (0, 65535) and local <= 65535, value
    assert set(values) == {marker}
    terms = export_terms(vendor, text)
    assert terms
    for term, statements in terms.items():
        rejects = any(s in ("then reject", "reject") for s in statements) or " deny " in term
        assert not any("community add" in s or s.endswith(" additive") for s in statements), term
        if not rejects:
            removal = ("then community delete TS-MARKER" if vendor == "junos" else f"set community {marker} delete")
            assert removal in statements, (term, statements)


# the baseline files hold no managed block, hence no communities
@pytest.mark.parametrize("golden", sorted(p for p in GOLDEN.glob("*/*.conf") if not p.stem.endswith("baseline")),
                         ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_golden_configs_keep_the_marker_inside_the_as(golden):
    assert_hygienic(golden.parent.name, golden.read_text(), f"64500:{DEFAULT_MARKER_VALUE}")


def example_network():
    return parse_network(yaml.safe_load((REPO / "pillar" / "traffic" / "network.sls").read_text())["traffic"])


def busy_plan_intents(network, router_name: str) -> list:
    """A prepend and a detour on every link, a withdrawal of the site's other pools on the first link."""
    router = network.routers[router_name]
    pools = sorted(name for name, pool in network.pools.items() if router.site in pool.sites)
    intents = []
    for index, link in enumerate(sorted(router.links)):
        intents.append(Prepend(router_name, link, pools[0], 2))
        intents += [Withdraw(router_name, link, pool) for pool in pools[1:] if index == 0]
        intents.append(Detour(router_name, link, "100.64.0.0/24", None, 200))
    return intents


def test_example_pillar_routers_keep_the_marker_inside_the_as():
    network = example_network()
    asn = {router.asn for router in network.routers.values()}.pop()
    assert network.policy.marker_community is None  # the example relies on the derived default
    for name, router in sorted(network.routers.items()):
        text = render_router(network, name, plan_of(busy_plan_intents(network, name)))
        assert "community add TS-MARKER" in text or " additive" in text  # detours do tag on import
        assert_hygienic(router.vendor, text, f"{asn}:{DEFAULT_MARKER_VALUE}")


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_an_explicit_marker_is_rendered_as_given(vendor):
    network = construct(NETWORK, policy=construct(NETWORK.policy, marker_community="64500:100"))
    text = render_router(network, GOLDEN_ROUTER[vendor])
    assert_hygienic(vendor, text, "64500:100")


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
@pytest.mark.parametrize("marker", ["65535:666", "0:1", "65535:65281", "70000:1"])
def test_the_renderer_refuses_a_reserved_marker_that_bypassed_validation(vendor, marker):
    network = construct(NETWORK, policy=construct(NETWORK.policy, marker_community=marker))
    with pytest.raises(RenderError, match="policy.marker_community"):
        render_router(network, GOLDEN_ROUTER[vendor])


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_no_default_marker_without_one_16_bit_asn(vendor):
    router = NETWORK.routers[GOLDEN_ROUTER[vendor]]
    network = construct(NETWORK, routers={**NETWORK.routers, GOLDEN_ROUTER[vendor]: construct(router, asn=4200000000)})
    with pytest.raises(RenderError, match="no single 16-bit ASN"):
        render_router(network, GOLDEN_ROUTER[vendor])
