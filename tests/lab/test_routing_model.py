"""The lab's routing model (issue 15), on its own: BGP best-path selection and longest-prefix match
(routerlab.bgp), Junos policy chains (routerlab.junos.policy) and EOS neighbor route-maps and prefix-lists
(routerlab.eos.policy) evaluated on the lab's configuration trees, on the policies trafficshift renders and
an operator's beside them; and on lab devices, routes sent through the control API and the RIB their
committed import policies give."""
from __future__ import annotations

import ipaddress

import pytest

from routerlab import DeviceSpec, Lab
from routerlab.bgp import Route, best_path, longest_match, losing_step, ranked
from routerlab.control import ControlError
from routerlab.eos.config import Config
from routerlab.eos.policy import evaluate as eos_evaluate
from routerlab.eos.policy import prefix_list_permits
from routerlab.junos.config import parse_text
from routerlab.junos.policy import evaluate


def route(prefix="203.0.113.0/24", neighbor="100.64.0.1", peer_as=1299, **attributes) -> Route:
    return Route.learned(prefix, neighbor, peer_as, **attributes)


# -- best path -----------------------------------------------------------------------------------------------------
def test_local_preference_beats_a_shorter_as_path():
    short, preferred = route(), route(neighbor="100.64.0.3", peer_as=3320, as_path=(3320, 1, 2), local_pref=200)
    assert best_path([short, preferred]) is preferred


def test_a_shorter_as_path_then_the_lower_origin_win():
    two, one = route(as_path=(1299, 1)), route(neighbor="100.64.0.3", peer_as=3320)
    assert best_path([two, one]) is one
    igp, incomplete = route(), route(neighbor="100.64.0.3", peer_as=3320, origin="incomplete")
    assert best_path([incomplete, igp]) is igp


def test_med_is_compared_only_between_routes_from_the_same_neighboring_as():
    high, low = route(med=50), route(neighbor="100.64.0.9", med=10)
    assert best_path([high, low]) is low
    # another AS's lower MED does not count: the lower peer address decides
    other = route(neighbor="100.64.0.3", peer_as=3320, med=0)
    assert best_path([route(med=50), other]) == route(med=50)


def test_ebgp_beats_ibgp_and_the_lower_router_id_then_peer_address_break_ties():
    internal = route(neighbor="10.0.0.1", ebgp=False)
    external = route(neighbor="100.64.0.9")
    assert best_path([internal, external]) is external
    a = route(neighbor="100.64.0.9", peer_router_id="192.0.2.1")
    b = route(neighbor="100.64.0.1", peer_router_id="192.0.2.7")
    assert best_path([b, a]) is a
    assert best_path([route(neighbor="100.64.0.9"), route(neighbor="100.64.0.1")]).neighbor == "100.64.0.1"
    assert best_path([]) is None


def test_forwarding_uses_the_most_specific_prefix():
    rib = {r.prefix: r for r in (route("203.0.112.0/22"), route("203.0.113.0/24", neighbor="100.64.0.3", peer_as=3320))}
    assert longest_match(rib, "203.0.113.7").neighbor == "100.64.0.3"
    assert longest_match(rib, "203.0.114.1").prefix == ipaddress.ip_network("203.0.112.0/22")
    assert longest_match(rib, "198.51.100.1") is None and longest_match(rib, "2001:db8::1") is None


# -- Junos policy chains ---------------------------------------------------------------------------------------------
CONFIG = """
policy-options {
    prefix-list POOL-web {
        203.0.113.0/24;
    }
    prefix-list OP-MARTIANS {
        10.0.0.0/8;
    }
    policy-statement TS-IN-et-0-0-1 {
        term DETOUR {
            from {
                route-filter 198.51.100.0/24 exact;
            }
            then {
                local-preference 200;
                community add TS-MARKER;
            }
        }
        term PASS {
            then next policy;
        }
    }
    policy-statement TS-OUT-et-0-0-1 {
        term PREPEND-web {
            from {
                prefix-list POOL-web;
            }
            then {
                community delete TS-MARKER;
                as-path-prepend "64512 64512";
            }
        }
        term PASS {
            then {
                community delete TS-MARKER;
                next policy;
            }
        }
    }
    policy-statement TS-OUT-et-0-0-0 {
        term WITHDRAW-web {
            from {
                prefix-list POOL-web;
            }
            then reject;
        }
        term PASS {
            then next policy;
        }
    }
    policy-statement ANYCAST-OUT {
        term ANYCAST-OUT {
            from {
                prefix-list POOL-web;
            }
            then accept;
        }
        term REJECT {
            then reject;
        }
    }
    policy-statement OP-BOGONS {
        term MARTIANS {
            from {
                prefix-list-filter OP-MARTIANS orlonger;
            }
            then reject;
        }
    }
    policy-statement OP-PREFER {
        term PREFER {
            from community OP-CUSTOMER;
            then {
                local-preference 150;
                accept;
            }
        }
    }
    community TS-MARKER members 64512:4242;
    community OP-CUSTOMER members 64512:100;
}
"""
TREE = parse_text(CONFIG).tree


def test_a_detour_term_sets_local_preference_and_the_marker_and_falls_through_to_the_default_accept():
    learned = route("198.51.100.0/24", neighbor="100.64.0.3", peer_as=3320)
    kept = evaluate(TREE, ["TS-IN-et-0-0-1"], learned, direction="import")
    assert kept.local_pref == 200 and kept.communities == {"64512:4242"}
    other = route("192.0.2.0/24", neighbor="100.64.0.3", peer_as=3320)
    assert evaluate(TREE, ["TS-IN-et-0-0-1"], other, direction="import") == other


def test_the_operators_policy_after_ours_still_decides_and_a_later_local_preference_overrides_ours():
    chain = ["TS-IN-et-0-0-1", "OP-BOGONS", "OP-PREFER"]
    martian = route("10.1.0.0/16", neighbor="100.64.0.3", peer_as=3320)
    assert evaluate(TREE, chain, martian, direction="import") is None
    customer = route("198.51.100.0/24", neighbor="100.64.0.3", peer_as=3320, communities=frozenset({"64512:100"}))
    # Junos carries modifications along the chain: the operator's later local-preference wins over the detour's
    assert evaluate(TREE, chain, customer, direction="import").local_pref == 150


def test_export_prepends_or_withdraws_a_pool_and_announces_only_the_pools():
    pool = Route(ipaddress.ip_network("203.0.113.0/24"), protocol="aggregate", communities=frozenset({"64512:4242"}))
    sent = evaluate(TREE, ["TS-OUT-et-0-0-1", "ANYCAST-OUT"], pool, direction="export")
    assert sent.as_path == (64512, 64512) and sent.communities == frozenset()
    assert evaluate(TREE, ["TS-OUT-et-0-0-0", "ANYCAST-OUT"], pool, direction="export") is None
    transit = route("192.0.2.0/24")
    assert evaluate(TREE, ["TS-OUT-et-0-0-1", "ANYCAST-OUT"], transit, direction="export") is None
    # without a policy deciding, BGP's default export sends active BGP routes only, never a local aggregate
    assert evaluate(TREE, [], transit, direction="export") == transit
    assert evaluate(TREE, [], pool, direction="export") is None


@pytest.mark.parametrize(("how", "prefix", "matches"), [
    ("exact", "10.0.0.0/8", True), ("exact", "10.1.0.0/16", False),
    ("orlonger", "10.0.0.0/8", True), ("orlonger", "10.1.0.0/16", True), ("orlonger", "11.0.0.0/8", False),
    ("longer", "10.0.0.0/8", False), ("longer", "10.1.0.0/16", True),
    ("upto /16", "10.1.0.0/16", True), ("upto /16", "10.1.1.0/24", False),
    ("prefix-length-range /12-/20", "10.1.0.0/16", True), ("prefix-length-range /12-/20", "10.0.0.0/8", False),
])
def test_route_filter_match_types(how, prefix, matches):
    tree = parse_text(f"policy-options {{ policy-statement F {{ term T {{ from {{ route-filter 10.0.0.0/8 {how}; }}"
                      f" then reject; }} }} }}").tree
    assert (evaluate(tree, ["F"], route(prefix), direction="import") is None) is matches


# -- EOS route-maps and prefix-lists --------------------------------------------------------------------------------
EOS_CONFIG = """
ip prefix-list ANYCAST-OUT
   seq 10 permit 203.0.113.0/24
!
ip prefix-list OP-SHORT
   seq 10 permit 0.0.0.0/0 le 24
!
ip prefix-list POOL-web
   seq 10 permit 203.0.113.0/24
!
ip prefix-list TS-DETOUR-Ethernet2
   seq 10 permit 198.51.100.0/24
!
ip community-list OP-CUSTOMER permit 64512:100
!
route-map OP-IN permit 10
   match ip address prefix-list OP-SHORT
   set local-preference 120
!
route-map TS-IN-Ethernet2 permit 10
   match ip address prefix-list TS-DETOUR-Ethernet2
   set local-preference 200
   set community 64512:4242 additive
!
route-map TS-IN-Ethernet2 permit 20
!
route-map TS-OUT-Ethernet1 deny 10
   match ip address prefix-list POOL-web
!
route-map TS-OUT-Ethernet1 permit 20
   set community 64512:4242 delete
!
route-map TS-OUT-Ethernet2 permit 10
   match ip address prefix-list POOL-web
   set as-path prepend 64512 64512
   set community 64512:4242 delete
!
route-map TS-OUT-Ethernet2 permit 20
   set community 64512:4242 delete
!
router bgp 64512
   neighbor transit peer group
   neighbor transit route-map OP-IN in
   neighbor 100.64.1.1 peer group transit
   neighbor 100.64.1.1 remote-as 174
   neighbor 100.64.1.1 route-map TS-OUT-Ethernet1 out
   neighbor 100.64.1.1 prefix-list ANYCAST-OUT out
   neighbor 100.64.1.3 remote-as 3320
   neighbor 100.64.1.3 route-map TS-IN-Ethernet2 in
   neighbor 100.64.1.3 route-map TS-OUT-Ethernet2 out
   neighbor 100.64.1.3 prefix-list ANYCAST-OUT out
!
"""


@pytest.fixture(scope="module")
def eos_config():
    return Config.from_text(EOS_CONFIG)


def test_eos_detour_entry_sets_local_preference_and_the_marker_and_other_routes_pass(eos_config):
    learned = route("198.51.100.0/24", neighbor="100.64.1.3", peer_as=3320)
    kept = eos_evaluate(eos_config, "100.64.1.3", learned, direction="import")
    assert kept.local_pref == 200 and kept.communities == {"64512:4242"}
    other = route("192.0.2.0/24", neighbor="100.64.1.3", peer_as=3320)
    assert eos_evaluate(eos_config, "100.64.1.3", other, direction="import") == other


def test_eos_peer_group_policy_applies_to_its_member_with_the_implicit_deny(eos_config):
    short = route("192.0.2.0/24", neighbor="100.64.1.1", peer_as=174)
    assert eos_evaluate(eos_config, "100.64.1.1", short, direction="import").local_pref == 120
    too_long = route("192.0.2.0/25", neighbor="100.64.1.1", peer_as=174)
    assert eos_evaluate(eos_config, "100.64.1.1", too_long, direction="import") is None


def test_eos_export_withdraws_or_prepends_a_pool_and_the_prefix_list_sends_only_pools(eos_config):
    pool = Route(ipaddress.ip_network("203.0.113.0/24"), protocol="aggregate", communities=frozenset({"64512:4242"}))
    assert eos_evaluate(eos_config, "100.64.1.1", pool, direction="export") is None
    sent = eos_evaluate(eos_config, "100.64.1.3", pool, direction="export")
    assert sent.as_path == (64512, 64512) and sent.communities == frozenset()
    transit = route("192.0.2.0/24")
    assert eos_evaluate(eos_config, "100.64.1.3", transit, direction="export") is None


@pytest.mark.parametrize(("entry", "prefix", "permits"), [
    ("10.0.0.0/8", "10.0.0.0/8", True), ("10.0.0.0/8", "10.1.0.0/16", False),
    ("10.0.0.0/8 le 16", "10.1.0.0/16", True), ("10.0.0.0/8 le 16", "10.1.1.0/24", False),
    ("10.0.0.0/8 ge 16", "10.0.0.0/8", False), ("10.0.0.0/8 ge 16", "10.1.1.1/32", True),
    ("10.0.0.0/8 ge 16 le 24", "10.1.1.0/24", True), ("10.0.0.0/8 ge 16 le 24", "10.1.1.0/25", False),
])
def test_eos_prefix_list_length_bounds(entry, prefix, permits):
    config = Config.from_text(f"ip prefix-list L\n   seq 10 permit {entry}\n!\n")
    assert prefix_list_permits(config, "L", ipaddress.ip_network(prefix)) is permits
    assert prefix_list_permits(config, "NONE", ipaddress.ip_network(prefix)) is False


# -- on lab devices: routes sent through the control API, the RIB after the committed import policies ---------------
JUNOS_SESSIONS = """
protocols {
    bgp {
        group transit {
            import OP-BOGONS;
            neighbor 100.64.0.1 {
                peer-as 1299;
            }
        }
        group pni {
            neighbor 100.64.0.3 {
                import [ TS-IN-et-0-0-1 OP-PREFER ];
                peer-as 3320;
            }
        }
    }
}
"""


@pytest.fixture(scope="module")
def routing_lab():
    specs = [DeviceSpec("r-junos", "junos", initial_config=CONFIG + JUNOS_SESSIONS),
             DeviceSpec("r-eos", "eos", initial_config=EOS_CONFIG)]
    with Lab(specs) as lab:
        yield lab


def test_the_junos_rib_holds_the_best_path_after_each_neighbors_import_chain(routing_lab):
    control = routing_lab.control("r-junos")
    control.receive("100.64.0.1", 1299, [{"prefix": "198.51.100.0/24"}, {"prefix": "10.0.0.0/8"}])
    control.receive("100.64.0.3", 3320, [{"prefix": "198.51.100.0/24", "as_path": [3320, 64999]}])
    control.receive("100.64.0.9", 65009, [{"prefix": "192.0.2.0/24"}])  # no session with it: ignored
    rib = control.rib()
    # the detour's local preference beats the shorter path; the martian is rejected by the group's chain
    assert set(rib) == {"198.51.100.0/24"}
    assert rib["198.51.100.0/24"]["neighbor"] == "100.64.0.3" and rib["198.51.100.0/24"]["local_pref"] == 200
    assert rib["198.51.100.0/24"]["communities"] == ["64512:4242"]
    control.receive("100.64.0.3", 3320, [])  # withdrawn: the transit path takes over
    assert control.rib()["198.51.100.0/24"]["neighbor"] == "100.64.0.1"


def test_the_eos_rib_follows_the_neighbor_route_maps_and_bad_input_is_refused(routing_lab):
    control = routing_lab.control("r-eos")
    control.receive("100.64.1.1", 174, [{"prefix": "198.51.100.0/24"}, {"prefix": "198.51.100.0/25"}])
    control.receive("100.64.1.3", 3320, [{"prefix": "198.51.100.0/24", "as_path": [3320, 1, 2]}])
    rib = control.rib()
    assert rib["198.51.100.0/24"]["neighbor"] == "100.64.1.3" and rib["198.51.100.0/24"]["local_pref"] == 200
    assert "198.51.100.0/25" not in rib  # the peer group's OP-IN allows /24 and shorter only
    with pytest.raises(ControlError, match="400"):
        control.receive("100.64.1.1", 174, [{"prefix": "not-a-prefix"}])
    with pytest.raises(ControlError, match="400"):
        control.receive("100.64.1.1", 174, [{"prefix": "192.0.2.0/24", "origin": "bogus"}])


def test_paths_rank_best_first_and_each_other_path_names_the_step_it_lost_at():
    best = route(neighbor="100.64.0.3", peer_as=3320, local_pref=200)
    longer = route(as_path=(1299, 7), local_pref=200)
    lower = route(neighbor="100.64.0.9")
    same_as_higher_med = route(neighbor="100.64.0.5", peer_as=3320, local_pref=200, med=10)
    ranked_paths = ranked([lower, longer, same_as_higher_med, best])
    assert ranked_paths[0] is best and [r.neighbor for r in ranked_paths[1:]] == ["100.64.0.1", "100.64.0.5",
                                                                                   "100.64.0.9"]
    assert losing_step(best, best) is None
    assert losing_step(lower, best) == "local-preference" and losing_step(longer, best) == "as-path"
    assert losing_step(same_as_higher_med, best) == "med"
    # the lab takes a peer's address as its router ID unless told otherwise
    assert losing_step(route(neighbor="100.64.0.4", peer_as=3320, local_pref=200), best) == "router-id"
    one, two = (route(neighbor=address, peer_router_id="192.0.2.1") for address in ("100.64.0.1", "100.64.0.2"))
    assert losing_step(two, one) == "peer-address"
