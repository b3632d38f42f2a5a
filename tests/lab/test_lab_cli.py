"""The lab as a process: `routerlab serve`, its inventory, the control API, and --state-dir across restarts."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import napalm
import pytest

from routerlab import DeviceSpec, Lab, napalm_optional_args
from routerlab.control import ControlClient, ControlError

HOSTNAME_CHANGE = {
    "junos": "system { host-name persisted-j1; }\n",
    "eos": "hostname persisted-e1\n",
}


def driver_for(entry: dict):
    driver = napalm.get_network_driver(entry["vendor"])
    return driver(entry["host"], entry["username"], entry["password"], timeout=20,
                  optional_args=napalm_optional_args(entry))


def serve(tmp_path: Path, state_dir: Path) -> tuple[subprocess.Popen, dict]:
    inventory = tmp_path / "inventory.json"
    inventory.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "routerlab.cli", "serve", "--device", "j1=junos", "--device", "e1=eos",
         "--state-dir", str(state_dir), "--password", "lab-secret", "--inventory-out", str(inventory)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not inventory.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"routerlab serve did not write its inventory:\n{proc.communicate()[0]}")
        time.sleep(0.05)
    return proc, json.loads(inventory.read_text())


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def test_serve_writes_inventory_and_state_survives_restart(tmp_path):
    state_dir = tmp_path / "state"
    proc, inventory = serve(tmp_path, state_dir)
    try:
        assert set(inventory) == {"j1", "e1"}
        for name, entry in inventory.items():
            assert entry["host"] == "127.0.0.1"
            assert {"vendor", "port", "username", "password", "control_url"} <= set(entry)
            assert entry["password"] == "lab-secret"
            with driver_for(entry) as device:
                device.load_merge_candidate(config=HOSTNAME_CHANGE[entry["vendor"]])
                assert device.compare_config()
                device.commit_config()
        committed = {name: ControlClient(entry["control_url"]).config() for name, entry in inventory.items()}
        assert "persisted-j1" in committed["j1"]
        assert "hostname persisted-e1" in committed["e1"]
    finally:
        stop(proc)
    assert sorted(p.name for p in state_dir.glob("*.json")) == ["e1.json", "j1.json"]

    proc, inventory = serve(tmp_path, state_dir)
    try:
        for name, entry in inventory.items():
            control = ControlClient(entry["control_url"])
            assert control.config() == committed[name], f"{name} lost its committed config across restart"
            assert any(record["user"] == "admin" for record in control.commits())
    finally:
        stop(proc)


def test_lab_refuses_non_loopback_address():
    with pytest.raises(ValueError, match="not a loopback address"):
        Lab([DeviceSpec("j1", "junos")], host="192.0.2.1")


def test_lab_refuses_duplicate_names_and_unknown_vendors():
    with pytest.raises(ValueError, match="duplicate device names: a"):
        Lab([DeviceSpec("a", "junos"), DeviceSpec("a", "eos")])
    with pytest.raises(ValueError, match="unknown vendor 'ios'"):
        Lab([DeviceSpec("a", "ios")])


def test_control_api_validates_faults_and_names():
    with Lab([DeviceSpec("j1", "junos")]) as lab:
        control = lab.control("j1")
        assert control.inject(delay_s=0.5)["delay_s"] == 0.5
        assert control.clear()["delay_s"] == 0.0
        with pytest.raises(ControlError, match="unknown fault"):
            control.inject(explode=True)
        with pytest.raises(ControlError, match="delay_s must be within"):
            control.inject(delay_s=-1)
        with pytest.raises(ControlError, match="404"):
            ControlClient(lab.control_url("nope")).config()


def test_devices_file_routes_are_sent_from_the_start_and_bad_ones_are_refused_with_their_path(tmp_path):
    from routerlab.cli import load_devices_file
    devices = tmp_path / "devices.yaml"
    devices.write_text("""
devices:
  - name: r1
    vendor: eos
    config: |
      router bgp 64500
         neighbor 100.64.1.1 remote-as 174
         network 203.0.113.0/24
    originate: [203.0.113.0/24]
    routes:
      100.64.1.1: {peer_as: 174, routes: [{prefix: 198.51.100.0/24, as_path: [174, 64511]}]}
""")
    (spec,) = load_devices_file(devices)
    with Lab([spec]) as lab:
        rib = lab.control("r1").rib()
        advertised = lab.control("r1").advertised("100.64.1.1")
        with pytest.raises(ControlError, match="400"):
            lab.control("r1").originate(["not-a-prefix"])
    assert rib["198.51.100.0/24"]["neighbor"] == "100.64.1.1" and rib["198.51.100.0/24"]["as_path"] == [174, 64511]
    assert advertised == {"203.0.113.0/24": {"neighbor": "100.64.1.1", "as_path": [64500], "origin": "igp",
                                             "med": None, "local_pref": 100, "communities": []}}
    devices.write_text("devices: [{name: r1, vendor: eos, routes: {100.64.1.1: {peer_as: 174, routes: "
                       "[{prefix: not-a-prefix}]}}}]")
    with pytest.raises(ValueError, match=r"devices\[0\]\.routes\.100\.64\.1\.1: ValueError: .*not-a-prefix"):
        load_devices_file(devices)
    devices.write_text("devices: [{name: r1, vendor: eos, routes: {me: {peer_as: 174, routes: []}}}]")
    with pytest.raises(ValueError, match=r"devices\[0\]\.routes\.me: ValueError"):
        load_devices_file(devices)
    devices.write_text("devices: [{name: r1, vendor: eos, originate: [10.0.0.1/8]}]")
    with pytest.raises(ValueError, match=r"devices\[0\]\.originate: ValueError"):
        load_devices_file(devices)
