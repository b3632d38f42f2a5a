"""The render tests' network: three sites, five routers, both vendors, built with the model classes; and
the golden routers provisioned on a lab, for the tests that commit rendered config.

The IPv4 golden routers (`GOLDEN_ROUTER`, site ams01) have IPv4 sessions only (so their cases detour IPv4
prefixes only, and a dual-stack pool's shift renders its IPv4 terms only); the dual-stack golden routers
(`DUALSTACK_ROUTER`, site par01) have one link of each kind: an IPv4 session, an IPv4 and an IPv6 session
(`neighbor6`), an IPv6 session only. par01 announces an IPv4 pool (web), a dual-stack one (dns) and an
IPv6 one (v6web)."""
from __future__ import annotations

from contextlib import contextmanager

from napalm import get_network_driver

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift.model import Baseline, Link, Network, Pool, Router, Site
from trafficshift.model.plan import Detour, Plan, Prepend, Withdraw


def construct(model, **changes):
    """A copy of `model` with `changes`, bypassing every pydantic check."""
    return type(model).model_construct(**{**dict(model), **changes})


def _link(peer, neighbor, local, peer_as, kind, group, neighbor6=None, local6=None):
    return Link(peer=peer, neighbor=neighbor, local_address=local, peer_as=peer_as, kind=kind,
                capacity_bps=100e9, group=group, neighbor6=neighbor6, local_address6=local6)


NETWORK = Network(
    sites={"ams01": Site(ingress_capacity_bps=400e9, neighbors=("fra01",)),
           "fra01": Site(ingress_capacity_bps=400e9, neighbors=("ams01",)),
           "par01": Site(ingress_capacity_bps=400e9, neighbors=("ams01",))},
    routers={
        "ams01-r1": Router(site="ams01", vendor="junos", asn=64500, router_id="10.255.0.1", links={
            "et-0/0/0": _link("transit-a", "192.0.2.1", "192.0.2.0/31", 64601, "transit", "transit"),
            "et-0/0/1": _link("transit-b", "192.0.2.3", "192.0.2.2/31", 64602, "transit", "transit"),
            "xe-0/0/2:1": _link("peer-c", "192.0.2.5", "192.0.2.4/31", 64603, "private", "peering"),
        }),
        "ams01-r2": Router(site="ams01", vendor="eos", asn=64500, router_id="10.255.0.2", links={
            "Ethernet1": _link("transit-a", "192.0.2.9", "192.0.2.8/31", 64601, "transit", "transit"),
            "Ethernet2": _link("transit-b", "192.0.2.11", "192.0.2.10/31", 64602, "transit", "transit"),
            "Ethernet3/1": _link("ix-lan", "198.18.0.7", "198.18.0.2/24", 64604, "public-ix", "peering"),
        }),
        "fra01-r1": Router(site="fra01", vendor="eos", asn=64500, router_id="10.255.1.1", links={
            "Ethernet1": _link("transit-a", "192.0.2.13", "192.0.2.12/31", 64601, "transit", "transit"),
        }),
        "par01-r1": Router(site="par01", vendor="junos", asn=64500, router_id="10.255.2.1", links={
            "et-0/0/0": _link("transit-a", "192.0.2.17", "192.0.2.16/31", 64601, "transit", "transit"),
            "et-0/0/1": _link("transit-b", "192.0.2.19", "192.0.2.18/31", 64602, "transit", "transit",
                              "2001:db8:ffff:1::2", "2001:db8:ffff:1::1/126"),
            "xe-0/0/2:1": _link("peer-c", "2001:db8:ffff:2::2", "2001:db8:ffff:2::1/126", 64603, "private",
                                "peering"),
        }),
        "par01-r2": Router(site="par01", vendor="eos", asn=64500, router_id="10.255.2.2", links={
            "Ethernet1": _link("transit-a", "192.0.2.21", "192.0.2.20/31", 64601, "transit", "transit"),
            "Ethernet2": _link("transit-b", "192.0.2.23", "192.0.2.22/31", 64602, "transit", "transit",
                               "2001:db8:ffff:3::2", "2001:db8:ffff:3::1/126"),
            "Ethernet3/1": _link("ix-lan", "2001:db8:ffff:100::7", "2001:db8:ffff:100::2/64", 64604, "public-ix",
                                 "peering"),
        }),
    },
    pools={
        "dns": Pool(prefixes=("198.51.100.0/25", "2001:db8:53::/48", "198.51.100.128/25"), priority=10,
                    sites=("ams01", "fra01", "par01")),
        "web": Pool(prefixes=("203.0.113.0/24",), priority=20, sites=("ams01", "fra01", "par01")),
        "video": Pool(prefixes=("192.0.2.128/26",), priority=30, sites=("ams01",)),
        "v6web": Pool(prefixes=("2001:db8:80::/48", "2001:db8:81::/48"), priority=40, sites=("par01",)),
    },
    baseline=Baseline(domain_name="lab.example.net", ntp_servers=("192.0.2.200", "192.0.2.123"),
                      syslog_hosts=("192.0.2.50",)),
)

#: the router each vendor's golden files show
GOLDEN_ROUTER = {"junos": "ams01-r1", "eos": "ams01-r2"}
#: the router each vendor's dual-stack golden files (`dualstack-<case>.conf`) show
DUALSTACK_ROUTER = {"junos": "par01-r1", "eos": "par01-r2"}


def _links(vendor: str) -> list[str]:
    return sorted(NETWORK.routers[GOLDEN_ROUTER[vendor]].links)


def _detour(router, link, prefix, from_link):
    return Detour(router=router, link=link, prefix=prefix, from_link=f"{router}:{from_link}", local_pref=200)


def case_intents(vendor: str) -> dict[str, tuple]:
    """Golden case name -> (intents, drained_sites) for `vendor`'s golden router."""
    router = GOLDEN_ROUTER[vendor]
    first, second, third = _links(vendor)
    drain = tuple(Withdraw(router=name, link=link, pool=pool)
                  for name, r in sorted(NETWORK.routers.items()) if r.site == "ams01"
                  for link in sorted(r.links) for pool in ("dns", "video", "web"))
    return {
        "empty": ((), ()),
        "detour-single": ((_detour(router, second, "100.64.0.0/16", first),), ()),
        "detour-many": (tuple(_detour(router, link, f"100.{64 + n}.{n}.0/24", first)
                              for n in range(12) for link in (second, third) if n % 2 == (link == third)), ()),
        "prepend-1": ((Prepend(router=router, link=first, pool="web", count=1),), ()),
        "prepend-2": ((Prepend(router=router, link=first, pool="web", count=2),
                       Prepend(router=router, link=second, pool="dns", count=2)), ()),
        "prepend-3": ((Prepend(router=router, link=third, pool="video", count=3),), ()),
        "withdraw": ((Withdraw(router=router, link=first, pool="dns"),
                      Withdraw(router=router, link=first, pool="video")), ()),
        "drain": (drain, ("ams01",)),
        "mixed": ((_detour(router, second, "100.64.0.0/16", first),
                   _detour(router, second, "100.65.0.0/24", first),
                   Prepend(router=router, link=first, pool="web", count=2),
                   Withdraw(router=router, link=first, pool="dns"),
                   Prepend(router=router, link=third, pool="dns", count=1),
                   Withdraw(router=router, link=third, pool="video")), ()),
    }


def dualstack_case_intents(vendor: str) -> dict[str, tuple]:
    """Dual-stack golden case name -> (intents, drained_sites) for `vendor`'s dual-stack router: on its links
    (IPv4, dual-stack, IPv6), prepends and withdrawals of pools of either family and detours of either."""
    router = DUALSTACK_ROUTER[vendor]
    v4, dual, v6 = sorted(NETWORK.routers[router].links)
    return {
        "empty": ((), ()),
        "mixed": ((_detour(router, dual, "100.64.0.0/16", v4),
                   _detour(router, dual, "2001:db8:8000::/48", v4),
                   *(_detour(router, dual, f"2001:db8:{n:x}00::/40", v4) for n in (3, 1, 2)),
                   _detour(router, v6, "2001:db8:9000::/36", dual),
                   Prepend(router=router, link=v4, pool="web", count=1),
                   Prepend(router=router, link=dual, pool="dns", count=2),
                   Withdraw(router=router, link=dual, pool="v6web"),
                   Prepend(router=router, link=v6, pool="v6web", count=3),
                   Withdraw(router=router, link=v6, pool="dns")), ()),
    }


def plan_of(intents) -> Plan:
    return Plan(created=1_700_000_000.0, status="ok", intents=tuple(intents))


@contextmanager
def provisioned_golden_routers(baseline_config, routers=None):
    """A lab with the golden routers (`routers`, vendor -> router, default `GOLDEN_ROUTER`) and one open
    NAPALM driver per vendor, each router provisioned with `baseline_config(vendor, router)` (its baseline +
    empty shift block): yields {vendor: driver}."""
    with golden_lab(baseline_config, routers) as (_, opened):
        yield opened


@contextmanager
def golden_lab(baseline_config, routers=None):
    """`provisioned_golden_routers`, yielding (lab, {vendor: driver}) for tests that also use the lab's
    control API."""
    routers = GOLDEN_ROUTER if routers is None else routers
    with Lab([DeviceSpec(router, vendor) for vendor, router in sorted(routers.items())]) as lab:
        opened = {}
        try:
            for vendor, router in sorted(routers.items()):
                inv = lab.inventory()[router]
                driver = get_network_driver(vendor)(inv["host"], inv["username"], inv["password"],
                                                    optional_args=napalm_optional_args(inv))
                driver.open()
                opened[vendor] = driver
                driver.load_merge_candidate(config=baseline_config(vendor, router))
                driver.commit_config()
            yield lab, opened
        finally:
            for driver in opened.values():
                driver.close()


# -- on the lab: what both the IPv4 and the dual-stack golden routers are checked with ----------------------
def apply(driver, config: str) -> str:
    """Load, compare and commit `config`; the diff NAPALM showed."""
    driver.load_merge_candidate(config=config)
    diff = driver.compare_config()
    driver.commit_config()
    return diff


def assert_reapplies_empty(driver, config: str) -> None:
    """What the router committed is what was rendered: loading it again changes nothing."""
    driver.load_merge_candidate(config=config)
    assert driver.compare_config().strip() == ""
    driver.discard_config()


def assert_removing_shifts_restores(driver, network, router: str, intents, baseline_running: str) -> None:
    """Shifts on, then all off: the running config is the baseline again, byte for byte."""
    from trafficshift.render import render_shift

    apply(driver, render_shift(network, router, intents))
    assert driver.get_config(retrieve="running")["running"] != baseline_running
    apply(driver, render_shift(network, router, ()))
    assert driver.get_config(retrieve="running")["running"] == baseline_running
