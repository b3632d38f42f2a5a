"""One EOS lab for the whole package; every test starts from the same device state (see `eos`)."""
from __future__ import annotations

import json
from pathlib import Path

import napalm
import pytest

from routerlab import DeviceSpec, Lab
from routerlab.eos.config import Config

DATA = Path(__file__).parent / "data"

#: a border router much like trafficshift's: BGP with a route-map, prefix-lists, a community-list
BASELINE = """\
hostname ams01-r2
ip domain-name lab.example
!
username admin privilege 15 role network-admin secret sha512 $6$Rq1PHYhZ$0n5oBtcxP4T2fqpWQbTgGu0BbSdzl3
!
interface Ethernet1
   description to ams01-r1
   no switchport
   ip address 192.0.2.1/31
!
interface Ethernet2
   no switchport
   ip address 192.0.2.3/31
!
interface Loopback0
   ip address 198.51.100.2/32
   ipv6 address 2001:db8::2/128
!
interface Management1
   ip address 10.0.2.15/24
!
ip routing
!
ip prefix-list CUSTOMERS seq 10 permit 203.0.113.0/24
!
ip community-list NO-EXPORT permit 65000:666
!
route-map TRANSIT-IN permit 10
   match ip address prefix-list CUSTOMERS
   set local-preference 200
!
router bgp 65000
   router-id 198.51.100.2
   neighbor 192.0.2.0 remote-as 65001
   neighbor 192.0.2.0 route-map TRANSIT-IN in
   neighbor 192.0.2.2 remote-as 65002
!
management api http-commands
   no shutdown
!
end
"""

#: time_scale 60: a one-minute commit timer expires after one wall-clock second
TIME_SCALE = 60


@pytest.fixture(scope="session")
def eos_lab():
    specs = [DeviceSpec("ams01-r2", "eos", BASELINE), DeviceSpec("ams01-r3", "eos"),
             DeviceSpec("ams01-r4", "eos", username="ops", password="ops-secret")]
    with Lab(specs, time_scale=TIME_SCALE, password="lab-secret") as lab:
        yield lab


def _reset(device) -> None:
    """Back to the state the device booted with: no sessions, timers, faults, history or saved files."""
    for session in device.sessions.values():
        device.cancel_timer(session)
    device.sessions.clear()
    device.running = Config.from_text(device.initial_config or device.default_config())
    device.startup = device.running.render()
    device.flash.clear()
    device.commits.clear()
    device.faults.clear()
    device.boot_time = device.clock.now()


@pytest.fixture
def eos(eos_lab) -> dict:
    """The inventory entry of the baseline device, freshly reset."""
    eos_lab.call(_reset, eos_lab.devices["ams01-r2"])
    return eos_lab.inventory()["ams01-r2"]


@pytest.fixture
def eos_default(eos_lab) -> dict:
    """The inventory entry of a device started without an initial config, freshly reset."""
    eos_lab.call(_reset, eos_lab.devices["ams01-r3"])
    return eos_lab.inventory()["ams01-r3"]


@pytest.fixture
def eos_ops(eos_lab) -> dict:
    """The inventory entry of a device with its own user (ops) and password, freshly reset."""
    eos_lab.call(_reset, eos_lab.devices["ams01-r4"])
    return eos_lab.inventory()["ams01-r4"]


@pytest.fixture
def control(eos_lab, eos):
    return eos_lab.control("ams01-r2")


def _make_driver(entry: dict, transport: str = "http", timeout: int = 10, **optional_args):
    port = entry["https_port"] if transport == "https" else entry["port"]
    driver = napalm.get_network_driver("eos")
    return driver(entry["host"], entry["username"], entry["password"], timeout=timeout,
                  optional_args={"transport": transport, "port": port, **optional_args})


@pytest.fixture
def driver(eos_lab, eos):
    """An open napalm EOS driver on the baseline device; closed (which discards) after the test."""
    device = _make_driver(eos)
    device.open()
    yield device
    eos_lab.call(eos_lab.devices["ams01-r2"].faults.clear)  # a fault left by the test must not fail close()
    device.close()


@pytest.fixture(scope="session")
def make_driver():
    """`make_driver(inventory_entry, transport="http"|"https", timeout=10, **optional_args)`, not opened."""
    return _make_driver


@pytest.fixture(scope="session")
def baseline() -> str:
    return BASELINE


@pytest.fixture(scope="session")
def recorded():
    """`recorded(file name)`: a reply recorded from a real device (tests/lab/eos/data), JSON decoded."""
    def load(name: str):
        text = (DATA / name).read_text()
        return json.loads(text) if name.endswith(".json") else text
    return load
