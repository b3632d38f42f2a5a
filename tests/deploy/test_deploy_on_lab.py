"""deploy.py against the lab through the real NAPALM drivers: each step works, and each failure is a
DeployError naming router and step that leaves the router on its previous config."""
from __future__ import annotations

import napalm
import pytest

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift.device import deploy

ROUTERS = {"junos": "dj1", "eos": "de1"}
CHANGE = {
    "junos": "policy-options {{ prefix-list DEPLOY-TEST {{ {prefix}; }} }}\n",
    "eos": "ip prefix-list DEPLOY-TEST seq 10 permit {prefix}\n",
}


@pytest.fixture(scope="module")
def lab():
    with Lab([DeviceSpec(name, vendor) for vendor, name in ROUTERS.items()], time_scale=60) as lab:
        yield lab


def connect(lab, vendor):
    entry = lab.inventory()[ROUTERS[vendor]]
    driver = napalm.get_network_driver(vendor)(entry["host"], entry["username"], entry["password"],
                                               timeout=20, optional_args=napalm_optional_args(entry))
    driver.open()
    return driver


@pytest.fixture
def device(lab, request):
    vendor = request.param
    driver = connect(lab, vendor)
    yield vendor, ROUTERS[vendor], driver, lab.control(ROUTERS[vendor])
    lab.control(ROUTERS[vendor]).clear()
    driver.close()


@pytest.mark.parametrize("device", sorted(ROUTERS), indirect=True)
def test_diff_changes_nothing_then_commit_confirmed_and_confirm(device):
    vendor, router, driver, control = device
    before = control.config()
    config = CHANGE[vendor].format(prefix="192.0.2.0/28")
    text = deploy.diff(driver, router, config)
    assert "DEPLOY-TEST" in text
    assert control.config() == before, "diff must leave the router untouched"

    assert deploy.stage(driver, router, config) == text
    deploy.commit_confirmed(driver, router, 600)
    assert deploy.has_pending_commit(driver, router)
    deploy.confirm(driver, router)
    assert not deploy.has_pending_commit(driver, router)
    assert "192.0.2.0/28" in control.config()
    assert deploy.diff(driver, router, config) == "", "re-applying the same config must be a no-op"


@pytest.mark.parametrize("device", sorted(ROUTERS), indirect=True)
def test_rollback_undoes_a_pending_confirmed_commit(device):
    vendor, router, driver, control = device
    before = control.config()
    deploy.stage(driver, router, CHANGE[vendor].format(prefix="192.0.2.16/28"))
    deploy.commit_confirmed(driver, router, 600)
    assert "192.0.2.16/28" in control.config()
    deploy.rollback(driver, router)
    assert control.config() == before


@pytest.mark.parametrize("device", sorted(ROUTERS), indirect=True)
def test_failed_commit_is_a_deploy_error_and_changes_nothing(device):
    vendor, router, driver, control = device
    before = control.config()
    control.inject(fail_next_commit="simulated commit failure")
    deploy.stage(driver, router, CHANGE[vendor].format(prefix="192.0.2.32/28"))
    with pytest.raises(deploy.DeployError) as failure:
        deploy.commit_confirmed(driver, router, 600)
    assert (failure.value.router, failure.value.step) == (router, "commit")
    assert "simulated commit failure" in str(failure.value)
    assert control.config() == before


@pytest.mark.parametrize("device", ["junos"], indirect=True)
def test_bad_config_is_refused_at_load(device):
    vendor, router, driver, control = device
    before = control.config()
    with pytest.raises(deploy.DeployError) as failure:
        deploy.stage(driver, router, "policy-options { prefix-list BROKEN { 192.0.2.0/28; }\n")
    assert failure.value.step == "load"
    assert control.config() == before


def test_revert_timer_must_suit_both_vendors():
    with pytest.raises(ValueError, match="multiple of 60"):
        deploy.commit_confirmed(object(), "r1", 90)
