"""The baseline's neighbor chains next to the operator's (issue 19), rendered from what the router holds
(`PresentObjects`, as `readback.read_present_objects` gives it): ours first, the operator's after in their
order, the announce policy that leaves the operator's exports alone, no stale ANNOUNCE policy, and a vendor
that cannot chain refusing instead of replacing. The same on a lab router: tests/unit_router/test_coexistence.py."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trafficshift.errors import RenderError
from trafficshift.render import baseline_chains, render_baseline
from trafficshift.render.structure import PresentObjects
from trafficshift.validation import parse_network

NETWORK = parse_network(yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "salt" / "pillar" / "traffic" / "network.sls").read_text())["traffic"])
JUNOS, EOS = "ams01-r1", "ams01-r2"


def test_ours_go_first_and_the_operators_follow_in_their_order():
    present = PresentObjects(chains={
        "100.64.0.1": (("OP-IN", "TS-IN-et-0-0-0", "OP-IN-2"), ("ANYCAST-OUT", "OP-OUT")),
        "100.64.0.3": (("TS-IN-et-0-0-1",), ("TS-OUT-et-0-0-1", "ANYCAST-OUT")),
    })
    text = render_baseline(NETWORK, JUNOS, present=present)
    assert "import [ TS-IN-et-0-0-0 OP-IN OP-IN-2 ];" in text
    assert "export [ TS-OUT-et-0-0-0 ANYCAST-ANNOUNCE OP-OUT ];" in text
    # a neighbor with nothing of the operator's: our announce policy decides everything it is sent
    assert "import TS-IN-et-0-0-1;" in text and "export [ TS-OUT-et-0-0-1 ANYCAST-OUT ];" in text
    assert baseline_chains(NETWORK, JUNOS, present) == {
        "100.64.0.1": (("TS-IN-et-0-0-0", "OP-IN", "OP-IN-2"), ("TS-OUT-et-0-0-0", "ANYCAST-ANNOUNCE", "OP-OUT")),
        "100.64.0.3": (("TS-IN-et-0-0-1",), ("TS-OUT-et-0-0-1", "ANYCAST-OUT")),
    }


def policy(text: str, name: str) -> str:
    start = text.index(f"    policy-statement {name} {{")
    return text[start:text.index("\n    }\n", start) + 6]


def test_the_shared_announce_policy_accepts_the_pools_and_leaves_the_rest_to_the_operator():
    text = render_baseline(NETWORK, JUNOS, present=PresentObjects(chains={"100.64.0.1": ((), ("OP-OUT",))}))
    shared, exclusive = policy(text, "ANYCAST-ANNOUNCE"), policy(text, "ANYCAST-OUT")
    assert "prefix-list ANYCAST-OUT;" in shared and "then accept;" in shared
    assert "reject" not in shared and "term REJECT" in exclusive
    assert shared.replace("ANYCAST-ANNOUNCE", "ANYCAST-OUT") == exclusive.replace(
        "        term REJECT {\n            then reject;\n        }\n", "")


def test_an_announce_policy_no_chain_uses_is_deleted_unless_a_neighbor_outside_the_pillar_uses_it():
    stale = PresentObjects(policies=("ANYCAST-ANNOUNCE", "OP-OUT"))
    assert "delete:\n    policy-statement ANYCAST-ANNOUNCE;" in render_baseline(NETWORK, JUNOS, present=stale)
    kept = PresentObjects(policies=("ANYCAST-ANNOUNCE",),
                          chains={"100.64.9.9": ((), ("TS-OUT-et-0-0-7", "ANYCAST-ANNOUNCE", "OP-OUT"))})
    text = render_baseline(NETWORK, JUNOS, present=kept)
    assert "policy-statement ANYCAST-ANNOUNCE" not in text  # neither rendered nor deleted: still referenced
    assert "OP-OUT" not in text  # another neighbor's operator policies are not ours to chain


@pytest.mark.parametrize("chain", [(("OP-IN",), ()), ((), ("TS-OUT-Ethernet1", "ANYCAST-OUT", "OP-PL"))])
def test_eos_refuses_a_neighbor_with_operator_policies_rather_than_replace_them(chain):
    with pytest.raises(RenderError, match=r"router ams01-r2: BGP neighbor 100\.64\.1\.1 \(cogent\) already applies "
                                          r"the operator's OP-.*nothing was changed"):
        render_baseline(NETWORK, EOS, present=PresentObjects(chains={"100.64.1.1": chain}))
    # ours alone, as an earlier baseline left them, are fine
    render_baseline(NETWORK, EOS, present=PresentObjects(chains={"100.64.1.1": (("TS-IN-Ethernet1",),
                                                                                ("TS-OUT-Ethernet1", "ANYCAST-OUT"))}))


def test_a_departed_links_policies_pass_everything_while_a_neighbor_applies_them_else_they_are_deleted():
    # et-0/0/9 is not a link of ams01-r1 in the pillar; its session 100.64.9.9 is still on the router
    present = PresentObjects(policies=("OP-OUT", "TS-IN-et-0-0-0", "TS-IN-et-0-0-9", "TS-OUT-et-0-0-9",
                                       "TS-OUT-xe-0-0-7"),
                             chains={"100.64.9.9": (("TS-IN-et-0-0-9",), ("TS-OUT-et-0-0-9", "ANYCAST-OUT"))})
    text = render_baseline(NETWORK, JUNOS, present=present)
    assert policy(text, "TS-IN-et-0-0-9") == ("    policy-statement TS-IN-et-0-0-9 {\n        term PASS {\n"
                                              "            then next policy;\n        }\n    }")
    assert "community delete TS-MARKER;\n                next policy;" in policy(text, "TS-OUT-et-0-0-9")
    assert "delete:\n    policy-statement TS-OUT-xe-0-0-7;" in text  # nobody applies it: gone
    assert "TS-IN-et-0-0-0;" in text and "delete:\n    policy-statement TS-IN-et-0-0-0" not in text  # a current link's

    eos = render_baseline(NETWORK, EOS, present=PresentObjects(
        policies=("TS-IN-Ethernet1", "TS-IN-Ethernet7", "TS-OUT-Ethernet7"), detour_lists=("TS-DETOUR6-Ethernet7",),
        chains={"100.64.1.9": (("TS-IN-Ethernet7",), ())}))
    assert "no route-map TS-IN-Ethernet7\nroute-map TS-IN-Ethernet7 permit 10\n!\n" in eos
    assert "no route-map TS-OUT-Ethernet7\nno ipv6 prefix-list TS-DETOUR6-Ethernet7\n" in eos
    assert "no route-map TS-IN-Ethernet1" not in eos
