"""--state-dir: committed config, startup-config and the rollback file survive a lab restart."""
from __future__ import annotations

from routerlab import DeviceSpec, Lab


def test_rollback_file_survives_a_restart(tmp_path, make_driver):
    spec = DeviceSpec("persist1", "eos", "hostname persist1\n")
    with Lab([spec], state_dir=tmp_path) as lab:
        device = make_driver(lab.inventory()["persist1"])
        device.open()
        device.load_merge_candidate(config="hostname persisted")
        device.commit_config()  # saves the old startup-config as flash:rollback-0 first
        device.close()
        committed = lab.control("persist1").config()

    with Lab([spec], state_dir=tmp_path) as lab:  # the state dir wins over the initial config
        control = lab.control("persist1")
        assert control.config() == committed
        assert [record["kind"] for record in control.commits()] == ["commit"]
        device = make_driver(lab.inventory()["persist1"])
        device.open()
        assert "hostname persisted" in device.get_config(retrieve="startup")["startup"]
        device.rollback()
        device.close()
        assert control.config() == "hostname persist1\n!\n"
