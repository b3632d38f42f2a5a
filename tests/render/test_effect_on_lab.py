"""Every golden case routes on the lab as its plan says (issue 15): with each link's neighbor sending the
detoured prefixes (the preferred link the shorter path) and the site's pools originated, the router's best
paths and what it sends each neighbor after the commit meet every intent of the case (the effect check finds
no miss), and after the shifts are removed they are the baseline's again: each prefix via its preferred
neighbor with the default local preference, each pool sent to every neighbor with no prepend."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from render_network import GOLDEN_ROUTER, NETWORK, apply, case_intents, golden_lab
from trafficshift.device import router as ops
from trafficshift.model.plan import Detour, intent_to_dict

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = [case for case in case_intents("junos") if case != "empty"]
VENDORS = sorted(GOLDEN_ROUTER)
ORIGIN_AS = 64511


def golden(vendor: str, case: str) -> str:
    return (GOLDEN / vendor / f"{case}.conf").read_text()


@pytest.fixture(scope="module")
def lab_and_drivers():
    with golden_lab(lambda vendor, router: golden(vendor, "baseline") + golden(vendor, "empty")) as opened:
        yield opened


def neighbor_of(router: str, interface: str, prefix: str) -> tuple[str, int]:
    link = NETWORK.routers[router].links[interface]
    version = ipaddress.ip_network(prefix).version
    return next(address for family, address, _ in link.sessions() if family == version), link.peer_as


def seed(control, router: str, intents) -> dict[str, str]:
    """Neighbors send every detoured prefix, the preferred link's the shorter path; the site's pools are the
    router's own. Returns prefix -> the preferred neighbor."""
    sent: dict[tuple[str, int], list[dict]] = {}
    preferred = {}
    for detour in (i for i in intents if isinstance(i, Detour)):
        main = neighbor_of(router, detour.from_link.split(":", 1)[1], detour.prefix)
        alternate = neighbor_of(router, detour.link, detour.prefix)
        sent.setdefault(main, []).append({"prefix": detour.prefix, "as_path": [main[1], ORIGIN_AS]})
        sent.setdefault(alternate, []).append({"prefix": detour.prefix,
                                               "as_path": [alternate[1], alternate[1], ORIGIN_AS]})
        preferred[detour.prefix] = main[0]
    for interface, link in NETWORK.routers[router].links.items():
        for _, address, _ in link.sessions():
            control.receive(address, link.peer_as, sent.get((address, link.peer_as), []))
    site = NETWORK.routers[router].site
    control.originate([prefix for pool in NETWORK.pools.values() if site in pool.sites for prefix in pool.prefixes])
    return preferred


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_golden_case_routes_as_planned_and_unwinding_restores_the_baseline_routes(vendor, case, lab_and_drivers):
    lab, drivers = lab_and_drivers
    router, driver = GOLDEN_ROUTER[vendor], drivers[vendor]
    control = lab.control(router)
    intents, _ = case_intents(vendor)[case]
    preferred = seed(control, router, intents)
    apply(driver, golden(vendor, case))
    try:
        result = ops.effect(driver, NETWORK, router, [intent_to_dict(intent) for intent in intents])
        # every intent of this router is looked at on the router (a pool's every prefix, every neighbor concerned)
        assert result["misses"] == [] and len(result["checked"]) >= len([i for i in intents if i.router == router])
    finally:
        apply(driver, golden(vendor, "empty"))
    rib = control.rib()
    for prefix, neighbor in preferred.items():
        assert (rib[prefix]["neighbor"], rib[prefix]["local_pref"]) == (neighbor, 100), prefix
    site = NETWORK.routers[router].site
    pools = sorted(prefix for pool in NETWORK.pools.values() if site in pool.sites for prefix in pool.prefixes)
    asn = NETWORK.routers[router].asn
    for interface, link in sorted(NETWORK.routers[router].links.items()):
        for family, address, _ in link.sessions():
            sent = control.advertised(address)
            expected = {prefix: [asn] for prefix in pools if ipaddress.ip_network(prefix).version == family}
            assert {prefix: sent[prefix]["as_path"] for prefix in expected if prefix in sent} == expected, address
