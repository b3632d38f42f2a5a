"""The `traffic` states on the real proxies: test=True shows the diff and commits nothing, test=False
commits (shift_policy: confirmed, checked, confirmed), the second run changes nothing; without intents
shift_policy enforces the active plan from pillar `trafficshift_active`."""
from __future__ import annotations

import json

import pytest

ROUTERS = {"junos": ("fra01-r1", "et-0/0/0"), "eos": ("fra01-r2", "Ethernet1")}


def prepend(router: str, link: str) -> list[dict]:
    return [{"kind": "prepend", "router": router, "link": link, "pool": "web", "count": 3}]


def state(salt_cli, router: str, function: str, *args, test: bool = False) -> dict:
    ret = salt_cli.run("state.single", function, *args, f"test={test}", minion_tgt=router)
    (result,) = ret.data.values()
    return result


def shift_sls(salt_cli, router: str, pillar: dict) -> dict:
    """states/router/shift.sls with `pillar` as pillar overrides: the shift_policy state's result."""
    ret = salt_cli.run("state.apply", "router.shift", f"pillar={json.dumps(pillar)}", minion_tgt=router)
    return next(entry for entry in ret.data.values() if entry["__id__"] == "traffic_shift_policy")


@pytest.fixture(scope="module")
def provisioned(salt_cli):
    for router, _ in ROUTERS.values():
        assert salt_cli.run("traffic.provision", minion_tgt=router).returncode == 0
    return ROUTERS


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_shift_policy_test_mode_then_apply_then_idempotent(vendor, salt_cli, provisioned, lab):
    router, link = provisioned[vendor]
    control = lab.control(router)
    intents = f"intents={json.dumps(prepend(router, link))}"
    before = control.config()

    tested = state(salt_cli, router, "traffic.shift_policy", "name=shift", intents, test=True)
    assert tested["result"] is None
    assert "64512 64512 64512" in tested["changes"]["diff"]
    assert control.config() == before

    applied = state(salt_cli, router, "traffic.shift_policy", "name=shift", intents)
    assert applied["result"] is True, applied
    assert "64512 64512 64512" in applied["changes"]["diff"]
    assert salt_cli.run("traffic.pending", minion_tgt=router).data["pending"] is False  # confirmed

    again = state(salt_cli, router, "traffic.shift_policy", "name=shift", intents)
    assert (again["result"], again["changes"]) == (True, {})
    again_tested = state(salt_cli, router, "traffic.shift_policy", "name=shift", intents, test=True)
    assert (again_tested["result"], again_tested["changes"]) == (True, {})

    cleared = state(salt_cli, router, "traffic.shift_policy", "name=shift", "intents=[]")
    assert cleared["result"] is True and cleared["changes"]
    assert control.config() == before


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_shift_policy_enforces_the_active_plan_from_pillar(vendor, salt_cli, provisioned):
    router, link = provisioned[vendor]
    active = {"trafficshift_active": {"intents": prepend(router, link), "drained_sites": []}}
    applied = shift_sls(salt_cli, router, active)
    assert applied["result"] is True and applied["changes"]
    current = salt_cli.run("traffic.current", minion_tgt=router).data["intents"]
    assert current == prepend(router, link)
    # the runner empties the active plan: the pass-through policy again
    cleared = shift_sls(salt_cli, router, {"trafficshift_active": {"intents": [], "drained_sites": []}})
    assert cleared["result"] is True and cleared["changes"]
    assert salt_cli.run("traffic.current", minion_tgt=router).data["intents"] == []


def test_failed_commit_fails_the_state_with_router_and_step(salt_cli, provisioned, lab):
    router, link = provisioned["eos"]
    control = lab.control(router)
    before = control.config()
    control.inject(fail_next_commit="simulated commit failure")
    try:
        failed = state(salt_cli, router, "traffic.shift_policy", "name=shift",
                       f"intents={json.dumps(prepend(router, link))}")
    finally:
        control.clear()
    assert failed["result"] is False
    assert f"{router}: commit failed:" in failed["comment"]
    assert control.config() == before


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_baseline_on_a_provisioned_router_is_already_in_place(vendor, salt_cli, provisioned):
    router, _ = provisioned[vendor]
    for test in (True, False):
        result = state(salt_cli, router, "traffic.baseline", "name=baseline", test=test)
        assert (result["result"], result["changes"]) == (True, {}), result
