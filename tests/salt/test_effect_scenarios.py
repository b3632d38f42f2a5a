"""`salt-run traffic.apply` checks on the routers that traffic moved before it confirms (issue 15, docs/effect.md):
the scenarios a read-back of the config cannot catch, on both vendors. Each ends with the fleet on its whole
previous config, nothing pending, and a history record naming the prefix and the router.

Two lines of defence: before a plan is final the runner asks the routers about the routes each detour
depends on (`check_detour_routes`, issue 19), so a detour onto an alternate that does not send the prefix,
or whose session is down, or of a prefix whose more-specific the source keeps, is never planned: the run
detours another prefix and confirms, or commits nothing. The check after the commit catches what changes
between planning and commit; the tests of it turn the check before planning off (`post_commit_only`), which
stands for a route gone (or come) in between.

- EOS (ams01-r2, load `egress-overload`: detours onto its transit Ethernet1, its one neighbor): the
  alternate does not send the prefix; its session is down (the operator's line says so); the routes
  converge later than the budget (the path carries no detour local preference yet); within the budget the
  run waits and confirms.
- Junos (ams01-r1, load `pni-overload`: a detour onto et-0/0/0, off the PNI et-0/0/1 of the same router): the
  same three, plus a more-specific the PNI still sends, and an operator's import policy after ours rejecting
  the prefix. EOS has neither: ams01-r2 has one neighbor in this network (the more-specific case runs on EOS
  through the drivers in tests/unit_router/test_effect.py), and provisioning refuses an EOS neighbor that
  applies an operator policy (docs/rendering.md), so there is no chain to end in a reject.
"""
from __future__ import annotations

import napalm
import pytest
import yaml

from routerlab import napalm_optional_args
from runner_fleet import configs, master_store
from salt_setup import NETWORK, ROUTERS, TIME_SCALE, neighbor_table

pytestmark = pytest.mark.usefixtures("clean_fleet")

#: vendor -> (load scenario, the router its detours land on)
CASES = {"eos": ("egress-overload", "ams01-r2"), "junos": ("pni-overload", "ams01-r1")}
BUDGET_S = NETWORK["policy"]["effect_budget_s"]


def detour_on(salt_run_cli, feed_load, vendor) -> dict:
    """The first detour the plan for the vendor's scenario puts on its router (the plan is deterministic)."""
    scenario, router = CASES[vendor]
    feed_load(scenario)
    planned = salt_run_cli.run("traffic.plan")
    assert planned.returncode == 0, planned
    detours = [i for i in planned.data["intents"] if i["kind"] == "detour" and i["router"] == router]
    assert detours, planned.data["table"]
    return detours[0]


def alternate_of(detour: dict) -> tuple[str, int]:
    link = NETWORK["routers"][detour["router"]]["links"][detour["link"]]
    return link["neighbor"], link["peer_as"]


@pytest.fixture
def restore_routes(lab):
    """Every neighbor sends what it sent at the start again after the test."""
    yield
    for router, neighbors in neighbor_table().items():
        for neighbor, (peer_as, routes) in neighbors.items():
            lab.control(router).receive(neighbor, peer_as, routes)


@pytest.fixture
def post_commit_only(pillar_dir):
    """The pillar's policy without the check before planning: the detour is planned as the load says, and only
    the check after the commit can catch it (as when the route goes between planning and commit)."""
    network_file = pillar_dir / "traffic" / "network.sls"
    original = network_file.read_text()
    pillar = yaml.safe_load(original)
    pillar["traffic"]["policy"]["check_detour_routes"] = False
    network_file.write_text(yaml.safe_dump(pillar, sort_keys=False))
    yield
    network_file.write_text(original)


def apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour, reason) -> dict:
    router, prefix = detour["router"], detour["prefix"]
    before = configs(lab)
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode != 0 and ret.data["status"] == "rolled-back", ret.data
    outcome = ret.data["outcomes"][router]
    assert (outcome["outcome"], outcome["step"]) == ("rolled-back", "effect"), outcome
    (miss,) = [m for m in outcome["misses"] if m["prefix"] == prefix]
    assert miss["reason"] == reason and miss["line"].startswith(f"{router}: {prefix} ")
    assert f"{router}: effect failed: traffic did not move within {BUDGET_S:g}s: {router}: {prefix} " in \
        ret.data["message"]
    # the whole previous config, nothing pending, and the history says which prefix went where
    assert configs(lab) == before
    pending = salt_cli.run("traffic.pending", minion_tgt="*").data
    assert sorted(pending) == ROUTERS and not any(reply["pending"] for reply in pending.values())
    record = master_store(salt_master).run(ret.data["run"])
    assert record["status"] == "rolled-back" and prefix in record["outcomes"][router]["error"]
    assert record["outcomes"][router]["misses"][0]["router"] == router
    assert master_store(salt_master).active() == {}
    return miss


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_the_alternate_not_sending_the_prefix_rolls_the_run_back(
        vendor, salt_run_cli, salt_cli, salt_master, lab, feed_load, restore_routes, post_commit_only):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    neighbor, peer_as = alternate_of(detour)
    _, seeded = neighbor_table()[detour["router"]][neighbor]
    lab.control(detour["router"]).receive(neighbor, peer_as, [r for r in seeded if r["prefix"] != detour["prefix"]])
    miss = apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour,
                                           "no-route" if vendor == "eos" else "other-neighbor")
    assert miss["expected"] == neighbor


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_the_alternates_session_down_rolls_the_run_back(
        vendor, salt_run_cli, salt_cli, salt_master, lab, feed_load, post_commit_only):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    neighbor, _ = alternate_of(detour)
    lab.control(detour["router"]).inject(sessions_down=[neighbor])
    miss = apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour,
                                           "no-route" if vendor == "eos" else "other-neighbor")
    # the router's get_bgp_neighbors says why: the operator's line names the session
    assert miss["session_down"] is True and f"the BGP session to {neighbor} (" in miss["line"]


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_routes_converging_later_than_the_budget_roll_the_run_back(
        vendor, salt_run_cli, salt_cli, salt_master, lab, feed_load):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    # device seconds: four budgets of wall time at the lab's clock rate
    lab.control(detour["router"]).inject(convergence_s=4 * BUDGET_S * TIME_SCALE)
    # EOS: ams01-r2's one neighbor is already the best path, but without the detour's local preference, which
    # would carry the choice to ams01-r1 over iBGP; Junos: the PNI's shorter path still wins
    miss = apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour,
                                           "local-preference" if vendor == "eos" else "other-neighbor")
    if vendor == "eos":
        assert (miss["local_pref"], miss["expected_local_pref"]) == (100, detour["local_pref"])


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_routes_converging_within_the_budget_are_waited_for_and_confirmed(vendor, salt_run_cli, lab, feed_load):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    lab.control(detour["router"]).inject(convergence_s=BUDGET_S * TIME_SCALE / 5)
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0 and ret.data["status"] == "applied", ret.data
    outcome = ret.data["outcomes"][detour["router"]]
    assert outcome["outcome"] == "confirmed" and outcome["verified"] >= 1 and "error" not in outcome
    assert ret.data["effect_s"] >= BUDGET_S / 5 * 0.5  # it waited for the routes, then confirmed


def test_junos_a_more_specific_the_old_neighbor_sends_rolls_the_run_back(
        salt_run_cli, salt_cli, salt_master, lab, feed_load, restore_routes, post_commit_only):
    detour = detour_on(salt_run_cli, feed_load, "junos")
    pni = NETWORK["routers"]["ams01-r1"]["links"]["et-0/0/1"]
    _, seeded = neighbor_table()["ams01-r1"][pni["neighbor"]]
    more_specific = detour["prefix"].replace("/20", "/21")
    lab.control("ams01-r1").receive(pni["neighbor"], pni["peer_as"],
                                    seeded + [{"prefix": more_specific, "as_path": [pni["peer_as"], 64511]}])
    miss = apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour, "more-specific")
    assert (miss["via_prefix"], miss["actual"]) == (more_specific, pni["neighbor"])


@pytest.fixture
def junos_operator(lab):
    """A person's NAPALM session on ams01-r1 (what an operator's own tooling would use)."""
    entry = lab.inventory()["ams01-r1"]
    driver = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args=napalm_optional_args(entry))
    driver.open()
    yield driver
    driver.close()


def test_junos_an_operator_import_policy_after_ours_rejecting_the_prefix_rolls_the_run_back(
        salt_run_cli, salt_cli, salt_master, lab, feed_load, junos_operator, post_commit_only):
    detour = detour_on(salt_run_cli, feed_load, "junos")
    neighbor, _ = alternate_of(detour)
    chain = f"TS-IN-{detour['link'].replace('/', '-')}"
    junos_operator.load_merge_candidate(config=f"""
policy-options {{
    policy-statement OP-NO-{detour['prefix'].split('/')[0]} {{
        term REJECT {{
            from {{
                route-filter {detour['prefix']} exact;
            }}
            then reject;
        }}
    }}
}}
protocols {{ bgp {{ group transit {{ neighbor {neighbor} {{
    replace:
    import [ {chain} OP-NO-{detour['prefix'].split('/')[0]} ];
}} }} }} }}
""")
    junos_operator.commit_config()
    try:
        apply_fails_and_nothing_changes(salt_run_cli, salt_cli, salt_master, lab, detour, "other-neighbor")
    finally:
        junos_operator.load_merge_candidate(config=f"""
protocols {{ bgp {{ group transit {{ neighbor {neighbor} {{
    replace:
    import {chain};
}} }} }} }}
policy-options {{
    delete:
    policy-statement OP-NO-{detour['prefix'].split('/')[0]};
}}
""")
        junos_operator.commit_config()


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_an_alternate_not_sending_the_prefix_gets_no_detour_and_the_run_confirms_another(
        vendor, salt_run_cli, salt_master, lab, feed_load, restore_routes):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    router, prefix, link = detour["router"], detour["prefix"], detour["link"]
    neighbor, peer_as = alternate_of(detour)
    _, seeded = neighbor_table()[router][neighbor]
    lab.control(router).receive(neighbor, peer_as, [r for r in seeded if r["prefix"] != prefix])
    planned = salt_run_cli.run("traffic.plan")
    moved = {(i["prefix"], i["router"], i["link"]) for i in planned.data["intents"] if i["kind"] == "detour"}
    assert (prefix, router, link) not in moved and moved, planned.data["table"]
    assert f"{router}:{link}'s neighbor does not send {prefix}" in planned.data["table"]
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0 and ret.data["status"] == "applied", ret.data
    # another prefix the alternate does send took its place, and the router showed it moved
    outcome = ret.data["outcomes"][router]
    assert outcome["outcome"] == "confirmed" and outcome["verified"] >= 1
    record = master_store(salt_master).run(ret.data["run"])
    assert [prefix, f"{router}:{link}"] in record["inputs"]["route_facts"]["not_sent"]


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_an_alternate_whose_session_is_down_gets_no_detour_and_nothing_is_committed(
        vendor, salt_run_cli, salt_cli, lab, feed_load):
    detour = detour_on(salt_run_cli, feed_load, vendor)
    router, link = detour["router"], detour["link"]
    neighbor, _ = alternate_of(detour)
    before = configs(lab)
    lab.control(router).inject(sessions_down=[neighbor])
    try:
        ret = salt_run_cli.run("traffic.apply")
    finally:
        lab.control(router).clear()
    # every alternate of the hot link's prefixes is on that session: no detour, no commit, and the plan says why
    assert ret.data["plan"]["status"] == "partial", ret.data
    assert not [i for i in ret.data["plan"]["intents"] if i["kind"] == "detour"]
    assert f"no detour to {router}:{link}: its BGP session is down" in ret.data["plan"]["table"]
    assert configs(lab) == before
    pending = salt_cli.run("traffic.pending", minion_tgt="*").data
    assert not any(reply["pending"] for reply in pending.values())


def test_junos_a_more_specific_the_source_keeps_gets_no_detour_and_the_run_confirms_another(
        salt_run_cli, salt_master, lab, feed_load, restore_routes):
    detour = detour_on(salt_run_cli, feed_load, "junos")
    pni = NETWORK["routers"]["ams01-r1"]["links"]["et-0/0/1"]
    _, seeded = neighbor_table()["ams01-r1"][pni["neighbor"]]
    more_specific = detour["prefix"].replace("/20", "/21")
    lab.control("ams01-r1").receive(pni["neighbor"], pni["peer_as"],
                                    seeded + [{"prefix": more_specific, "as_path": [pni["peer_as"], 64511]}])
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0 and ret.data["status"] == "applied", ret.data
    moved = {i["prefix"] for i in ret.data["plan"]["intents"] if i["kind"] == "detour"}
    assert detour["prefix"] not in moved and moved
    assert f"sends the more-specific {more_specific}" in ret.data["plan"]["table"]
    assert ret.data["outcomes"]["ams01-r1"]["outcome"] == "confirmed"
    record = master_store(salt_master).run(ret.data["run"])
    assert [detour["prefix"], "ams01-r1:et-0/0/1", more_specific] in record["inputs"]["route_facts"]["more_specifics"]


def test_a_more_specific_the_source_router_keeps_stops_a_detour_onto_another_router(
        salt_run_cli, salt_master, lab, feed_load, restore_routes):
    # EOS ams01-r2 takes ams01-r1's prefixes; the check after the commit looks at ams01-r2 only, the one
    # before planning asks ams01-r1 too, whose transit keeps a more-specific of the first prefix
    detour = detour_on(salt_run_cli, feed_load, "eos")
    source_router, source = detour["from_link"].split(":")
    transit = NETWORK["routers"][source_router]["links"][source]
    _, seeded = neighbor_table()[source_router][transit["neighbor"]]
    more_specific = detour["prefix"].replace("/20", "/21")
    lab.control(source_router).receive(transit["neighbor"], transit["peer_as"],
                                       seeded + [{"prefix": more_specific, "as_path": [transit["peer_as"], 64511]}])
    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0 and ret.data["status"] == "applied", ret.data
    moved = {i["prefix"] for i in ret.data["plan"]["intents"] if i["kind"] == "detour"}
    assert detour["prefix"] not in moved and moved
    assert f"{detour['from_link']}'s neighbor sends the more-specific {more_specific}" in ret.data["plan"]["table"]
    assert ret.data["outcomes"][detour["router"]]["outcome"] == "confirmed"
    record = master_store(salt_master).run(ret.data["run"])
    assert [detour["prefix"], detour["from_link"], more_specific] in record["inputs"]["route_facts"]["more_specifics"]
