"""readback.read_intents undoes render_shift: every golden case rendered, committed on a lab router through
the real NAPALM driver and read back from its running config gives the same intents (from_link aside, which
the router never holds); plus the parser on its own against config shapes the lab does not produce."""
from __future__ import annotations

import dataclasses

import pytest

from render_network import GOLDEN_ROUTER, NETWORK, case_intents, provisioned_golden_routers
from trafficshift.device import deploy
from trafficshift.model.plan import Detour, Prepend, Withdraw, sort_intents
from trafficshift.render.readback import ReadbackError, read_intents, read_present_objects
from trafficshift.render import render_router, render_shift

VENDORS = sorted(GOLDEN_ROUTER)
CASES = sorted(case_intents("junos"))


@pytest.fixture(scope="module")
def drivers():
    with provisioned_golden_routers(lambda vendor, router: render_router(NETWORK, router)) as opened:
        yield opened


def without_from_link(intents):
    return sort_intents(dataclasses.replace(i, from_link=None) if isinstance(i, Detour) else i for i in intents)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_committed_shift_block_reads_back_as_its_intents(vendor, case, drivers):
    router, driver = GOLDEN_ROUTER[vendor], drivers[vendor]
    intents, drained = case_intents(vendor)[case]
    deploy.stage(driver, router, render_shift(NETWORK, router, intents, drained))
    deploy.commit(driver, router)
    running = deploy.running_config(driver, router)
    mine = [i for i in intents if i.router == router]
    assert read_intents(NETWORK, router, running) == without_from_link(mine)


@pytest.mark.parametrize("vendor", VENDORS)
def test_read_back_intents_render_the_running_block_again(vendor, drivers):
    # what provisioning relies on: re-rendering the read-back intents changes nothing on the router
    router, driver = GOLDEN_ROUTER[vendor], drivers[vendor]
    intents, _ = case_intents(vendor)["mixed"]
    deploy.stage(driver, router, render_shift(NETWORK, router, intents))
    deploy.commit(driver, router)
    again = read_intents(NETWORK, router, deploy.running_config(driver, router))
    assert deploy.diff(driver, router, render_shift(NETWORK, router, again)) == ""


JUNOS_BLOCK = """
policy-options {
    /* a comment */
    policy-statement TS-IN-et-0-0-1 {
        term DETOUR { from { route-filter 100.64.0.0/16 exact; route-filter 100.65.0.0/24 exact; }
                      then { local-preference 250; community add TS-MARKER; } }
        term PASS { then next policy; }
    }
    policy-statement TS-OUT-et-0-0-0 {
        term PREPEND-web { from prefix-list POOL-web; then { as-path-prepend "64500 64500"; } }
        term WITHDRAW-dns { from prefix-list POOL-dns; then reject; }
        term WITHDRAW6-dns { from prefix-list POOL6-dns; then reject; }
        term PASS { then next policy; }
    }
    policy-statement TS-OUT-et-9-9-9 { term WITHDRAW-web { from prefix-list POOL-web; then reject; } }
    policy-statement ANYCAST-OUT { term REJECT { then reject; } }
}
"""


def test_junos_parser_reads_block_and_inline_clauses_and_skips_unknown_links():
    assert read_intents(NETWORK, "ams01-r1", JUNOS_BLOCK) == sort_intents([
        Detour("ams01-r1", "et-0/0/1", "100.64.0.0/16", None, 250),
        Detour("ams01-r1", "et-0/0/1", "100.65.0.0/24", None, 250),
        Prepend("ams01-r1", "et-0/0/0", "web", 2),
        Withdraw("ams01-r1", "et-0/0/0", "dns"),
    ])


def test_eos_parser_reads_ipv6_lists_and_deny_entries():
    running = "\n".join([
        "ipv6 prefix-list TS-DETOUR6-Ethernet2",
        "   seq 10 permit 2001:db8:100::/40",
        "!",
        "route-map TS-IN-Ethernet2 permit 10",
        "   match ipv6 address prefix-list TS-DETOUR6-Ethernet2",
        "   set local-preference 200",
        "!",
        "route-map TS-IN-Ethernet2 permit 20",
        "route-map TS-OUT-Ethernet1 deny 10",
        "   match ip address prefix-list POOL-video",
        "route-map TS-OUT-Ethernet1 permit 20",
        "   match ip address prefix-list POOL-web",
        "   set as-path prepend 64500 64500 64500",
        "   set community 65535:666 additive",
        "route-map OTHER permit 10",
        "   set local-preference 50",
    ])
    assert read_intents(NETWORK, "ams01-r2", running) == sort_intents([
        Detour("ams01-r2", "Ethernet2", "2001:db8:100::/40", None, 200),
        Withdraw("ams01-r2", "Ethernet1", "video"),
        Prepend("ams01-r2", "Ethernet1", "web", 3),
    ])


def test_unbalanced_junos_config_is_a_readback_error():
    with pytest.raises(ReadbackError, match="unterminated"):
        read_intents(NETWORK, "ams01-r1", "policy-options { policy-statement TS-IN-et-0-0-1 {")


def test_eos_prefix_lists_read_back_in_either_form():
    # what we render (one line per entry) and what EOS 4.32 shows (a block of `seq` entries; the lab prints
    # that form, so the committed cases above read it) give the same intents
    router = GOLDEN_ROUTER["eos"]
    intents, _ = case_intents("eos")["detour-many"]
    one_line = render_router(NETWORK, router) + render_shift(NETWORK, router, intents)
    assert "ip prefix-list TS-DETOUR-Ethernet2 seq 10 permit" in one_line
    lines, block, previous = [], [], None
    for line in one_line.splitlines():
        words = line.split()
        if words[:2] == ["ip", "prefix-list"] and words[3:4] == ["seq"]:
            if words[2] != previous:
                block.append(f"ip prefix-list {words[2]}")
            block.append("   " + " ".join(words[3:]))
            previous = words[2]
        else:
            lines.append(line)
    block_form = "\n".join(block + ["!"] + lines) + "\n"
    assert read_intents(NETWORK, router, block_form) == read_intents(NETWORK, router, one_line) == \
        without_from_link(intents)


JUNOS_CHAINS = """
protocols {
    bgp {
        import GLOBAL-IN;
        group transit {
            export [ G-OUT-1 G-OUT-2 ];
            neighbor 100.64.0.1 {
                import [ TS-IN-et-0-0-0 N-IN ];
            }
            neighbor 2001:DB8::1 {
                export N-OUT;
            }
        }
        group empty {
            neighbor 100.64.0.9;
        }
    }
}
"""


def test_junos_chains_follow_the_override_order_neighbor_group_global():
    chains = read_present_objects("junos", JUNOS_CHAINS).chains
    assert chains == {
        "100.64.0.1": (("TS-IN-et-0-0-0", "N-IN"), ("G-OUT-1", "G-OUT-2")),
        "2001:db8::1": (("GLOBAL-IN",), ("N-OUT",)),  # addresses normalised: the pillar may spell them otherwise
        "100.64.0.9": (("GLOBAL-IN",), ()),
    }


def test_eos_chains_inherit_from_the_peer_group_unless_the_neighbor_has_its_own():
    running = """router bgp 64512
   neighbor transit peer group
   neighbor transit route-map G-IN in
   neighbor transit prefix-list G-PL out
   neighbor 100.64.1.1 peer group transit
   neighbor 100.64.1.1 route-map N-IN in
   neighbor 100.64.1.3 peer group transit
   address-family ipv6
      neighbor 2001:db8::1 activate
      neighbor 2001:db8::1 prefix-list ANYCAST6-OUT out
"""
    assert read_present_objects("eos", running).chains == {
        "100.64.1.1": (("N-IN",), ("G-PL",)),
        "100.64.1.3": (("G-IN",), ("G-PL",)),
        "2001:db8::1": ((), ("ANYCAST6-OUT",)),
    }
