"""Every golden case through the real NAPALM drivers on the router lab: it loads and commits, the router
then holds exactly the rendered managed statements and nothing else changed, re-applying it is an empty
diff, and removing all shifts restores the baseline byte for byte. Broken references: Junos refuses them at
commit; EOS accepts them, which is why the lint refuses them before they leave the renderer."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jnpr.junos.exception import CommitError
from napalm.base.exceptions import MergeConfigException

from render_network import (GOLDEN_ROUTER, NETWORK, apply, assert_reapplies_empty, assert_removing_shifts_restores,
                            case_intents, provisioned_golden_routers)
from render_statements import STATEMENTS, split_managed
from trafficshift.errors import LintError
from trafficshift.render.lint import lint
from trafficshift.render import generator, render_router
from trafficshift.render.structure import build

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SHIFT_CASES = list(case_intents("junos"))
VENDORS = sorted(GOLDEN_ROUTER)


@pytest.fixture(scope="module")
def drivers():
    """One open driver per vendor, its router provisioned from the golden files: baseline + empty shift block
    (test_golden.py proves that this is what render_router renders)."""
    def from_golden_files(vendor, router):
        return golden(vendor, "baseline") + golden(vendor, "empty")

    with provisioned_golden_routers(from_golden_files) as opened:
        yield opened


@pytest.fixture(scope="module")
def baseline_running(drivers):
    return {vendor: driver.get_config(retrieve="running")["running"] for vendor, driver in drivers.items()}


def golden(vendor: str, case: str) -> str:
    return (GOLDEN / vendor / f"{case}.conf").read_text()


@pytest.mark.parametrize("vendor", VENDORS)
def test_baseline_provisions_every_rendered_statement(vendor, baseline_running):
    statements = STATEMENTS[vendor]
    running = statements(baseline_running[vendor])
    missing = [s for s in statements(golden(vendor, "baseline")) + statements(golden(vendor, "empty"))
               if s not in running]
    assert missing == []


@pytest.mark.parametrize("case", SHIFT_CASES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_golden_case_commits_exactly_its_statements_and_reapplies_empty(vendor, case, drivers, baseline_running):
    driver, statements = drivers[vendor], STATEMENTS[vendor]
    text = golden(vendor, case)
    diff = apply(driver, text)
    assert (diff.strip() == "") == (case == "empty")

    managed, rest = split_managed(statements(driver.get_config(retrieve="running")["running"]))
    expected_managed, expected_rest = split_managed(statements(text))
    assert expected_rest == []  # the shift block defines managed objects only
    assert managed == expected_managed
    assert rest == split_managed(statements(baseline_running[vendor]))[1]  # nothing outside it changed

    assert_reapplies_empty(driver, text)


@pytest.mark.parametrize("vendor", VENDORS)
def test_removing_all_shifts_restores_the_baseline_byte_for_byte(vendor, drivers, baseline_running):
    assert_removing_shifts_restores(drivers[vendor], NETWORK, GOLDEN_ROUTER[vendor], case_intents(vendor)["mixed"][0],
                                    baseline_running[vendor])


@pytest.mark.parametrize("rendered, broken, message", [
    ("prefix-list POOL-web;", "prefix-list POOL-gone;", "POOL-gone referenced but not defined"),
    ("community add TS-MARKER;", "community add TS-GONE;", "TS-GONE referenced but not defined"),
    *[("members 64500:4242;", f"members {value};", f"Invalid community value: {value}")
      for value in ("99999:1", "64500:65536", "64500")],
])
def test_junos_commit_refuses_an_undefined_reference_or_a_malformed_community(rendered, broken, message, drivers,
                                                                              baseline_running):
    driver = drivers["junos"]
    text = golden("junos", "mixed")
    assert rendered in text
    driver.load_merge_candidate(config=text.replace(rendered, broken))
    try:
        with pytest.raises(CommitError, match=message):
            driver.commit_config()
    finally:
        driver.discard_config()
    assert driver.get_config(retrieve="running")["running"] == baseline_running["junos"]


def test_junos_commit_refuses_an_undefined_policy(drivers, baseline_running):
    driver = drivers["junos"]
    driver.load_merge_candidate(config=golden("junos", "baseline").replace("import TS-IN-et-0-0-0;",
                                                                           "import TS-IN-gone;"))
    try:
        with pytest.raises(CommitError, match="TS-IN-gone referenced but not defined"):
            driver.commit_config()
    finally:
        driver.discard_config()
    assert driver.get_config(retrieve="running")["running"] == baseline_running["junos"]


def test_eos_commits_an_undefined_route_map_so_the_lint_refuses_it(drivers, baseline_running):
    router, driver = GOLDEN_ROUTER["eos"], drivers["eos"]
    gen = generator("eos")
    cfg = build(NETWORK, router, (), gen)
    transit = cfg.groups[-1]
    broken_neighbor = dataclasses.replace(transit.neighbors[0], export_policy="TS-OUT-gone")
    broken = dataclasses.replace(cfg, groups=(*cfg.groups[:-1], dataclasses.replace(
        transit, neighbors=(broken_neighbor, *transit.neighbors[1:]))))

    with pytest.raises(LintError, match="policy TS-OUT-gone is not defined"):
        lint(broken, NETWORK, ())

    # what the lint keeps from leaving the renderer, the router itself would have taken
    apply(driver, gen.render_template("baseline.j2", cfg=broken))
    running = driver.get_config(retrieve="running")["running"]
    assert f"neighbor {broken_neighbor.address} route-map TS-OUT-gone out" in running
    apply(driver, render_router(NETWORK, router))
    assert driver.get_config(retrieve="running")["running"] == baseline_running["eos"]


@pytest.mark.parametrize("malformed", ["99999:1", "64500:65536", "64500"])
def test_eos_refuses_a_malformed_community_value(malformed, drivers, baseline_running):
    driver = drivers["eos"]
    text = golden("eos", "mixed")
    assert "set community 64500:4242 additive" in text
    with pytest.raises(MergeConfigException, match=f"Invalid input .*'{malformed}'"):
        driver.load_merge_candidate(config=text.replace("set community 64500:4242 additive",
                                                        f"set community {malformed} additive"))
    driver.discard_config()
    assert driver.get_config(retrieve="running")["running"] == baseline_running["eos"]
