"""Device lifecycle: reboot, --state-dir persistence, and start-up cost of a fleet."""
from __future__ import annotations

import time

import pytest
from jnpr.junos.exception import ConnectClosedError, ConnectRefusedError
from napalm import get_network_driver

from conftest import base_config
from routerlab import DeviceSpec, Lab


def test_reboot_drops_sessions_and_reverts_a_pending_confirmed_commit(lab, open_driver):
    driver = open_driver("reboot")
    driver.load_merge_candidate(config="set system host-name before-reboot")
    driver.commit_config(revert_in=600)
    other = open_driver("reboot", lock_disable=True)
    other.load_merge_candidate(config="set system domain-name uncommitted.example")
    lab.control("reboot").reboot()
    assert lab.control("reboot").config() == base_config("reboot")
    assert [record["kind"] for record in lab.control("reboot").commits()] == ["commit confirmed", "auto-revert"]
    with pytest.raises(ConnectClosedError):
        driver.get_config(retrieve="running")
    fresh = open_driver("reboot")
    assert fresh.compare_config() == ""
    assert fresh.has_pending_commit() is False


def test_reboot_with_down_time_refuses_connections_then_listens_again_on_the_same_port(lab, open_driver):
    driver = open_driver("reboot-down")
    driver.load_merge_candidate(config="set system host-name unconfirmed")
    driver.commit_config(revert_in=600)
    port = lab.inventory()["reboot-down"]["port"]
    started = time.monotonic()
    assert lab.control("reboot-down").reboot(down_s=5) == {"rebooted": "reboot-down", "down_s": 5.0}
    # the pending commit-confirmed went with the reboot (docs/lab.md, "Reboot")
    assert lab.control("reboot-down").config() == base_config("reboot-down")
    assert [record["kind"] for record in lab.control("reboot-down").commits()] == ["commit confirmed",
                                                                                   "auto-revert"]
    with pytest.raises(ConnectClosedError):
        driver.get_config(retrieve="running")
    with pytest.raises(ConnectRefusedError):
        open_driver("reboot-down")
    while True:
        try:
            fresh = open_driver("reboot-down")
            break
        except ConnectRefusedError:
            assert time.monotonic() - started < 30, "the device did not come back"
            time.sleep(0.1)
    assert time.monotonic() - started >= 4.9
    assert lab.inventory()["reboot-down"]["port"] == port
    assert fresh.has_pending_commit() is False and fresh.compare_config() == ""


def test_state_dir_keeps_committed_config_and_rollbacks_across_restarts(tmp_path):
    spec = DeviceSpec("persist", "junos", initial_config=base_config("persist"))

    def driver_for(lab):
        inventory = lab.inventory()["persist"]
        return get_network_driver("junos")(inventory["host"], inventory["username"], inventory["password"],
                                           optional_args={"port": inventory["port"]})

    with Lab([spec], state_dir=tmp_path, password="lab-secret") as lab:
        driver = driver_for(lab)
        driver.open()
        driver.load_merge_candidate(config="set system host-name persisted")
        driver.commit_config(message="survives restarts")
        driver.close()
    with Lab([spec], state_dir=tmp_path, password="lab-secret") as lab:
        assert "host-name persisted;" in lab.control("persist").config()
        assert lab.control("persist").commits()[-1]["comment"] == "survives restarts"
        driver = driver_for(lab)
        driver.open()
        driver.rollback()  # rollback 1 was saved too
        driver.close()
        assert lab.control("persist").config() == base_config("persist")


def test_twenty_devices_start_in_under_ten_seconds():
    specs = [DeviceSpec(f"r{index}", "junos") for index in range(20)]
    started = time.monotonic()
    with Lab(specs) as lab:
        elapsed = time.monotonic() - started
        assert len({device["port"] for device in lab.inventory().values()}) == 20
    assert elapsed < 10.0  # about a second when idle; a loaded 2-core CI machine is slower
