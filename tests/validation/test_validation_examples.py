"""Every example pillar file validates cleanly and each load scenario shows what its name says."""
from __future__ import annotations

import pytest

from trafficshift.validation import SAFE_TEXT, parse_load

from validation_examples import SCENARIOS, example_load


def overloaded(network, load) -> tuple[list[str], list[str]]:
    """Links and sites above the policy's overload threshold, computed from counters and capacities."""
    threshold = network.policy.overload_threshold
    links = [link for link, counter in load.links.items() if counter.out_bps / network.link(link).capacity_bps > threshold]
    sites = [site for site, site_load in load.sites.items() if site_load.ingress_bps / network.sites[site].ingress_capacity_bps > threshold]
    return sorted(links), sorted(sites)


def test_example_network_is_the_documented_demo(network):
    assert len(network.sites) == 6 and len(network.routers) == 12
    for site in network.sites:
        vendors = sorted(router.vendor for router in network.routers.values() if router.site == site)
        assert vendors == ["eos", "junos"], site
    kinds = {link.kind for router in network.routers.values() for link in router.links.values()}
    assert kinds == {"transit", "private", "public-ix"}
    assert all(64512 <= router.asn <= 65534 for router in network.routers.values())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_example_load_validates_cleanly(network, scenario):
    data = example_load(scenario)
    check = parse_load(data, network, now=data["timestamp"] + 1)
    assert check.reasons == () and check.stale is False
    assert len(check.load.egress) == len(data["egress"]) and set(check.load.links) == set(network.link_ids())


def test_normal_has_nothing_overloaded(network):
    data = example_load("normal")
    links, sites = overloaded(network, parse_load(data, network, now=data["timestamp"]).load)
    assert (links, sites) == ([], [])


def test_egress_overload_has_exactly_one_link_overloaded(network):
    data = example_load("egress-overload")
    links, sites = overloaded(network, parse_load(data, network, now=data["timestamp"]).load)
    assert len(links) == 1 and sites == []


def test_site_overload_has_exactly_one_site_overloaded(network):
    data = example_load("site-overload")
    links, sites = overloaded(network, parse_load(data, network, now=data["timestamp"]).load)
    assert links == [] and len(sites) == 1


def test_every_string_in_the_example_network_is_config_safe(network):
    def strings(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    found = list(strings(network.model_dump()))
    assert len(found) > 200
    assert [text for text in found if not SAFE_TEXT.fullmatch(text)] == []
