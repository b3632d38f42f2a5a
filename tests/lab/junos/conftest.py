"""One session-scoped lab of Junos emulators for the contract suite; each test owns its device(s).

The lab runs device timers 60x faster, so napalm's shortest confirmed commit (revert_in=60, one
minute) reverts after one wall-clock second.
"""
from __future__ import annotations

import pytest
from napalm import get_network_driver

from routerlab import DeviceSpec, Lab

TIME_SCALE = 60.0
#: written as Junos shows it (schema order), so tests can compare it with what the emulator shows
BASE_CONFIG = """\
system {
    host-name {name};
    domain-name lab.example.net;
}
interfaces {
    ge-0/0/0 {
        description "to core";
        unit 0 {
            family inet {
                address 192.0.2.0/31;
            }
        }
    }
    lo0 {
        unit 0 {
            family inet {
                address 198.51.100.7/32;
            }
        }
    }
}
routing-options {
    autonomous-system 65000;
}
protocols {
    bgp {
        group EBGP {
            type external;
            export EXPORT-CUSTOMERS;
            neighbor 192.0.2.1 {
                peer-as 65001;
            }
        }
    }
}
policy-options {
    prefix-list CUSTOMERS {
        203.0.113.0/24;
    }
    policy-statement EXPORT-CUSTOMERS {
        term customers {
            from prefix-list CUSTOMERS;
            then accept;
        }
        term rest {
            then reject;
        }
    }
}
"""
#: one device per test (or test group), so no test sees another's commits, locks or faults
DEVICES = [
    "facts", "rpc-sequence", "merge-text", "merge-set", "replace", "replace-tag", "discard", "rollback", "get-config",
    "confirm", "auto-revert", "lock-napalm", "lock-modified", "refs", "syntax", "private", "private-refused", "private-confirmed",
    "xml-load", "fault-refuse", "fault-delay", "fault-fail-commit", "fault-lock", "fault-drop", "fault-drop-load",
    "ncclient", "ncclient-standard", "framing", "pyez", "pyez-rollbacks", "commit-check", "reboot", "reboot-down", "shapes",
    "replace-one-line-leaf", "shift-round-trip",
]


def base_config(name: str) -> str:
    return BASE_CONFIG.replace("{name}", name)


@pytest.fixture(scope="session")
def lab():
    specs = [DeviceSpec(name, "junos", initial_config=base_config(name)) for name in DEVICES]
    with Lab(specs, time_scale=TIME_SCALE) as running:
        yield running


@pytest.fixture
def open_driver(lab):
    """Open a real napalm junos driver on a lab device; every driver opened is closed at teardown."""
    drivers = []

    def opener(name: str, timeout: int = 30, **optional_args):
        inventory = lab.inventory()[name]
        driver = get_network_driver("junos")(inventory["host"], inventory["username"], inventory["password"],
                                             timeout=timeout,
                                             optional_args={"port": inventory["port"], **optional_args})
        driver.open()
        drivers.append(driver)
        return driver

    yield opener
    for driver in drivers:
        if driver.device.connected:
            try:
                driver.close()
            except Exception:  # a test may have broken the session on purpose (dropped connection)
                pass
