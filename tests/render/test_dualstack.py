"""IPv6 BGP sessions and interface addresses, on both vendors.

- The model: a link carries an IPv4 session, an IPv6 one, or both (`neighbor6`); family mistakes are
  refused at the field that makes them.
- The dual-stack golden routers (an IPv4, a dual-stack and an IPv6-only link each) commit on the router lab
  through the real NAPALM drivers, hold every rendered statement, re-apply to an empty diff, read back as
  their intents, and return to the baseline byte for byte when the shifts go.
- Announcements, read from the committed config as the router would apply it (announcements.py): every
  session announces exactly its own family's pools, so no IPv6 pool reaches an IPv4-only session and no
  IPv4 pool an IPv6-only one; an EOS IPv4 neighbor never appears under `address-family ipv6`. The same holds
  for generated networks and plans, without a lab.
"""
from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from announcements import (ANNOUNCEMENTS, eos_address_family_neighbors, eos_announcements,
                           expected_announcements)
from render_network import (apply, assert_reapplies_empty, assert_removing_shifts_restores,
                            DUALSTACK_ROUTER, GOLDEN_ROUTER, NETWORK, dualstack_case_intents,
                            provisioned_golden_routers)
from render_statements import STATEMENTS, split_managed
from trafficshift.errors import RenderError, ValidationError
from trafficshift.model import Link, Network, Pool, Router, Site
from trafficshift.model.plan import Detour, Prepend, Withdraw, sort_intents
from trafficshift.render import render_baseline, render_router, render_shift
from trafficshift.render.readback import read_intents
from trafficshift.validation import parse_network

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
VENDORS = sorted(DUALSTACK_ROUTER)
SHIFT_CASES = sorted(dualstack_case_intents("junos"))


def golden(vendor: str, case: str) -> str:
    return (GOLDEN / vendor / f"dualstack-{case}.conf").read_text()


# -- the model -----------------------------------------------------------------------------------------------
LINK = {"peer": "transit-a", "peer_as": 64601, "kind": "transit", "capacity_bps": 100e9, "group": "transit"}


def test_a_link_carries_ipv4_ipv6_or_both_sessions_ipv4_first():
    v4 = Link(**LINK, neighbor="192.0.2.1", local_address="192.0.2.0/31")
    v6 = Link(**LINK, neighbor="2001:DB8::2", local_address="2001:db8::1/126")
    dual = Link(**LINK, neighbor="192.0.2.1", local_address="192.0.2.0/31", neighbor6="2001:db8::2",
                local_address6="2001:db8:0::1/126")
    assert v4.sessions() == ((4, "192.0.2.1", "192.0.2.0/31"),) and v4.families == (4,)
    assert v6.sessions() == ((6, "2001:db8::2", "2001:db8::1/126"),) and v6.families == (6,)
    assert dual.sessions() == ((4, "192.0.2.1", "192.0.2.0/31"), (6, "2001:db8::2", "2001:db8::1/126"))
    assert dual.families == (4, 6)
    assert Link(**LINK, neighbor="192.0.2.1", neighbor6="2001:db8::2").sessions()[1] == (6, "2001:db8::2", None)


def _pillar(**link) -> dict:
    return {"sites": {"par01": {"ingress_capacity_bps": 1e11}},
            "routers": {"par01-r1": {"site": "par01", "vendor": "junos", "asn": 64500, "router_id": "10.255.2.1",
                                     "links": {"et-0/0/1": {**LINK, **link}}}}}


P = "traffic:routers:par01-r1:links:et-0/0/1"


@pytest.mark.parametrize("link, expected", [
    ({"neighbor": "192.0.2.1", "neighbor6": "192.0.2.5"},
     f"{P}:neighbor6: must be an IPv6 address; 192.0.2.5 is IPv4 (an IPv4 session's address goes in neighbor)"),
    ({"neighbor": "2001:db8::2", "neighbor6": "2001:db8::6"},
     f"{P}:neighbor6: not allowed when neighbor is IPv6 (2001:db8::2): neighbor6 adds the IPv6 session of a link "
     f"whose neighbor is IPv4"),
    ({"neighbor": "192.0.2.1", "local_address6": "2001:db8::1/126"},
     f"{P}:local_address6: only with neighbor6 (the IPv6 session this address is for)"),
    ({"neighbor": "192.0.2.1", "neighbor6": "2001:db8::2", "local_address6": "192.0.2.0/31"},
     f"{P}:local_address6: must be an IPv6 interface address; 192.0.2.0/31 is IPv4 (that goes in local_address)"),
    ({"neighbor": "192.0.2.1", "neighbor6": "fe80::1"},
     f"{P}:neighbor6: fe80::1 is a link-local address, not a usable host address"),
    ({"neighbor": "192.0.2.1", "neighbor6": "2001:db8::2", "local_address6": "2001:db8::1/0"},
     f"{P}:local_address6: 2001:db8::1/0 has length /0: an interface address needs its subnet, like 192.0.2.0/31"),
    # a neighbor of the other family than local_address is outside its subnet, reported once, at neighbor
    ({"neighbor": "2001:db8::2", "local_address": "192.0.2.0/31"},
     f"{P}:neighbor: outside the subnet of local_address 192.0.2.0/31, got '2001:db8::2'"),
    ({"neighbor": "192.0.2.1", "local_address": "2001:db8::1/126"},
     f"{P}:neighbor: outside the subnet of local_address 2001:db8::1/126, got '192.0.2.1'"),
])
def test_family_mistakes_are_refused_at_their_field(link, expected):
    with pytest.raises(ValidationError) as caught:
        parse_network(_pillar(**link))
    assert caught.value.problems == [expected]


@pytest.mark.parametrize("link", [
    {"neighbor": "192.0.2.1", "local_address": "192.0.2.0/31"},
    {"neighbor": "2001:db8::2", "local_address": "2001:db8::1/126"},
    {"neighbor": "192.0.2.1", "local_address": "192.0.2.0/31", "neighbor6": "2001:db8::2",
     "local_address6": "2001:db8::1/126"},
    {"neighbor": "192.0.2.1", "neighbor6": "2001:db8::2"},
])
def test_each_kind_of_link_validates(link):
    parse_network(_pillar(**link))


# -- on the lab --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drivers():
    """One open driver per vendor, its dual-stack router provisioned from the golden files."""
    with provisioned_golden_routers(lambda vendor, router: golden(vendor, "baseline") + golden(vendor, "empty"),
                                    DUALSTACK_ROUTER) as opened:
        yield opened


@pytest.fixture(scope="module")
def baseline_running(drivers):
    return {vendor: driver.get_config(retrieve="running")["running"] for vendor, driver in drivers.items()}


@pytest.mark.parametrize("vendor", VENDORS)
def test_dualstack_baseline_commits_every_statement_and_reapplies_empty(vendor, drivers, baseline_running):
    statements, driver = STATEMENTS[vendor], drivers[vendor]
    running = statements(baseline_running[vendor])
    text = golden(vendor, "baseline") + golden(vendor, "empty")
    assert [s for s in statements(text) if s not in running] == []
    assert text == render_router(NETWORK, DUALSTACK_ROUTER[vendor])
    assert_reapplies_empty(driver, text)


@pytest.mark.parametrize("case", SHIFT_CASES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_dualstack_case_commits_exactly_its_statements_and_reapplies_empty(vendor, case, drivers, baseline_running):
    driver, statements, router = drivers[vendor], STATEMENTS[vendor], DUALSTACK_ROUTER[vendor]
    text = golden(vendor, case)
    diff = apply(driver, text)
    assert (diff.strip() == "") == (case == "empty")
    running = driver.get_config(retrieve="running")["running"]
    managed, rest = split_managed(statements(running))
    assert managed == split_managed(statements(text))[0]
    assert rest == split_managed(statements(baseline_running[vendor]))[1]
    intents, _ = dualstack_case_intents(vendor)[case]
    assert read_intents(NETWORK, router, running) == sort_intents(
        dataclasses.replace(i, from_link=None) if isinstance(i, Detour) else i for i in intents)
    assert_reapplies_empty(driver, text)


@pytest.mark.parametrize("vendor", VENDORS)
def test_removing_all_shifts_restores_the_dualstack_baseline(vendor, drivers, baseline_running):
    assert_removing_shifts_restores(drivers[vendor], NETWORK, DUALSTACK_ROUTER[vendor], dualstack_case_intents(vendor)["mixed"][0],
                                    baseline_running[vendor])


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_committed_session_announces_exactly_its_own_familys_pools(vendor, baseline_running):
    router = DUALSTACK_ROUTER[vendor]
    announced = ANNOUNCEMENTS[vendor](baseline_running[vendor])
    expected = expected_announcements(NETWORK, router)
    assert announced == expected
    # the golden router has a session of each kind, and pools of each family
    families = {ipaddress.ip_address(n).version: n for n in expected}
    assert expected[families[4]] and expected[families[6]]
    assert all(ipaddress.ip_network(p).version == 4 for p in expected[families[4]])


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_withdrawal_stops_only_its_pool_on_its_link(vendor, drivers, baseline_running):
    router, driver = DUALSTACK_ROUTER[vendor], drivers[vendor]
    v4, dual, v6 = sorted(NETWORK.routers[router].links)
    intents = (Withdraw(router, dual, "dns"), Withdraw(router, v6, "v6web"))
    apply(driver, render_shift(NETWORK, router, intents))
    try:
        announced = ANNOUNCEMENTS[vendor](driver.get_config(retrieve="running")["running"])
    finally:
        apply(driver, render_shift(NETWORK, router, ()))
    expected = expected_announcements(NETWORK, router)
    links = NETWORK.routers[router].links
    dns, v6web = (set(NETWORK.pools[name].prefixes) for name in ("dns", "v6web"))
    for family, neighbor, _ in links[dual].sessions():
        expected[neighbor] -= dns
    expected[links[v6].neighbor] -= v6web
    assert announced == expected


@pytest.mark.parametrize("running_or_golden", ["running", "golden"])
def test_an_eos_ipv4_neighbor_never_appears_under_address_family_ipv6(running_or_golden, baseline_running):
    texts = [golden("eos", "baseline"), (GOLDEN / "eos" / "baseline.conf").read_text()] \
        if running_or_golden == "golden" else [baseline_running["eos"]]
    for text in texts:
        named = eos_address_family_neighbors(text)
        assert not [n for n in named[6] if ipaddress.ip_address(n).version == 4]
    v6_neighbors = {n for n in expected_announcements(NETWORK, DUALSTACK_ROUTER["eos"])
                    if ipaddress.ip_address(n).version == 6}
    assert eos_address_family_neighbors(texts[0])[6] == v6_neighbors


def test_eos_shows_ipv6_sessions_activated_for_ipv6_and_deactivated_for_ipv4(baseline_running):
    running = baseline_running["eos"]
    for neighbor in ("2001:db8:ffff:3::2", "2001:db8:ffff:100::7"):
        assert f"      no neighbor {neighbor} activate\n" in running.split("address-family ipv6")[0]
        assert f"      neighbor {neighbor} activate\n" in running.split("address-family ipv6")[1]
    assert "   ipv6 address 2001:db8:ffff:100::2/64\n" in running


def test_junos_sessions_each_configure_their_one_family_with_its_prefix_limit(baseline_running):
    statements = STATEMENTS["junos"](baseline_running["junos"])
    families = {s.split(" family ")[0].split()[-1]: s.split(" family ")[1].split()[0]
                for s in statements if s.startswith("protocols bgp ") and " family " in s}
    assert families == {"192.0.2.17": "inet", "192.0.2.19": "inet", "2001:db8:ffff:1::2": "inet6",
                        "2001:db8:ffff:2::2": "inet6"}
    # transit sessions get the full-table limit, the private peer the peering one (model.network.PREFIX_LIMITS)
    assert "protocols bgp group transit neighbor 2001:db8:ffff:1::2 family inet6 unicast prefix-limit maximum " \
           "400000" in statements
    assert "protocols bgp group peering neighbor 2001:db8:ffff:2::2 family inet6 unicast prefix-limit maximum " \
           "150000" in statements
    assert "protocols bgp group transit neighbor 192.0.2.17 family inet unicast prefix-limit teardown 80 " \
           "idle-timeout 30" in statements
    assert "interfaces et-0/0/1 unit 0 family inet6 address 2001:db8:ffff:1::1/126" in statements


@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_the_ipv4_golden_routers_announce_no_ipv6_pool(vendor):
    text = (GOLDEN / vendor / "baseline.conf").read_text() + (GOLDEN / vendor / "empty.conf").read_text()
    assert ANNOUNCEMENTS[vendor](text) == expected_announcements(NETWORK, GOLDEN_ROUTER[vendor])
    assert all(ipaddress.ip_network(p).version == 4 for prefixes in ANNOUNCEMENTS[vendor](text).values()
               for p in prefixes)


# -- generated networks ----------------------------------------------------------------------------------------
POOL_PREFIXES = {4: ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.128/25"],
                 6: ["2001:db8:53::/48", "2001:db8:80::/48", "2001:db8:81::/48"]}
INTERFACES = {"junos": ["et-0/0/0", "et-0/0/1", "xe-0/0/2:1", "ae0"], "eos": ["Ethernet1", "Ethernet2", "Ethernet3/1",
                                                                            "Port-Channel10"]}


def _generated_link(index: int, kind: str, group: str) -> Link:
    v4 = {"neighbor": f"192.0.2.{2 * index + 1}", "local_address": f"192.0.2.{2 * index}/31"}
    v6 = {"neighbor": f"2001:db8:ffff:{index}::2", "local_address": f"2001:db8:ffff:{index}::1/126"}
    addresses = {"v4": v4, "v6": v6,
                 "dual": {**v4, "neighbor6": v6["neighbor"], "local_address6": v6["local_address"]}}[kind]
    return Link(peer=f"peer-{index}", peer_as=64601 + index, kind="transit", capacity_bps=1e10, group=group,
                **addresses)


@st.composite
def networks(draw, vendor):
    kinds = draw(st.lists(st.sampled_from(["v4", "v6", "dual"]), min_size=1, max_size=4))
    links = {INTERFACES[vendor][i]: _generated_link(i, kind, draw(st.sampled_from(["transit", "peering"])))
             for i, kind in enumerate(kinds)}
    pools = {}
    for index, family in enumerate(draw(st.lists(st.sampled_from(["4", "6", "46"]), min_size=1, max_size=3))):
        pools[f"pool{index}"] = Pool(prefixes=tuple(POOL_PREFIXES[int(f)][index] for f in family), priority=index,
                                     sites=("par01",))
    network = Network(sites={"par01": Site(ingress_capacity_bps=1e11)}, pools=pools, routers={
        "par01-r1": Router(site="par01", vendor=vendor, asn=64500, router_id="10.255.2.1", links=links)})
    intents = []
    for link in sorted(links):
        for pool in sorted(pools):
            if not set(links[link].families) & set(pools[pool].families):
                continue  # nothing to shift: the renderer refuses it (test below)
            action = draw(st.sampled_from(["none", "prepend", "withdraw"]))
            if action == "prepend":
                intents.append(Prepend("par01-r1", link, pool, draw(st.integers(1, 3))))
            elif action == "withdraw":
                intents.append(Withdraw("par01-r1", link, pool))
    return network, intents


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_generated_sessions_announce_only_their_own_familys_pools(data):
    for vendor in VENDORS:
        network, intents = data.draw(networks(vendor))
        text = render_baseline(network, "par01-r1") + render_shift(network, "par01-r1", intents, ("par01",))
        expected = expected_announcements(network, "par01-r1")
        for intent in intents:
            if isinstance(intent, Withdraw):
                for _, neighbor, _ in network.routers["par01-r1"].links[intent.link].sessions():
                    expected[neighbor] -= set(network.pools[intent.pool].prefixes)
        assert ANNOUNCEMENTS[vendor](text) == expected
        if vendor == "eos":
            named = eos_address_family_neighbors(text)
            assert all(ipaddress.ip_address(n).version == 6 for n in named[4] | named[6])
            assert not any(p.startswith("UNFILTERED") for ps in eos_announcements(text).values() for p in ps)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_shift_on_a_link_without_a_session_of_its_family_is_refused(vendor):
    router = DUALSTACK_ROUTER[vendor]
    v4, _, v6 = sorted(NETWORK.routers[router].links)
    refusals = {
        Detour(router, v4, "2001:db8:8000::/48", f"{router}:{v6}", 200): f"{v4} has no IPv6 session to learn the prefix from",
        Detour(router, v6, "100.64.0.0/16", f"{router}:{v4}", 200): f"{v6} has no IPv4 session to learn the prefix from",
        Prepend(router, v4, "v6web", 1): f"{v4} has no session of pool v6web's address families \\(IPv6\\)",
        Withdraw(router, v6, "web"): f"{v6} has no session of pool web's address families \\(IPv4\\)",
    }
    for intent, message in refusals.items():
        with pytest.raises(RenderError, match=message):
            render_shift(NETWORK, router, (intent,))


def test_a_links_prefix_limits_come_from_the_pillar_or_its_kinds_default():
    v4, dual, v6 = sorted(NETWORK.routers["par01-r2"].links)
    links = dict(NETWORK.routers["par01-r2"].links)
    links[dual] = links[dual].model_copy(update={"max_prefixes_v4": 1234, "max_prefixes_v6": 567})
    router = NETWORK.routers["par01-r2"].model_copy(update={"links": links})
    network = NETWORK.model_copy(update={"routers": {**NETWORK.routers, "par01-r2": router}})
    text = render_baseline(network, "par01-r2")
    assert "neighbor 192.0.2.23 maximum-routes 1234" in text  # the dual-stack link's IPv4 session
    assert "neighbor 2001:db8:ffff:3::2 maximum-routes 567" in text  # and its IPv6 one
    assert "neighbor 192.0.2.21 maximum-routes 1500000" in text  # transit default
    assert "neighbor 2001:db8:ffff:100::7 maximum-routes 150000" in text  # public-ix default
