"""The two-router lab the route and BGP-session contract tests share (test_route_replies.py,
test_bgp_sessions.py): a Junos and an EOS router with transit, PNI and IPv6 neighbors, an import policy
preferring the PNI, an export chain prepending the pool; helpers comparing replies with recorded ones."""
from __future__ import annotations

import contextlib
from typing import Iterator

from napalm import get_network_driver

from routerlab import DeviceSpec, Lab

JUNOS_CONFIG = """
interfaces {
    et-0/0/0 {
        unit 0 {
            family inet {
                address 100.64.0.0/31;
            }
            family inet6 {
                address 2001:db8:64::/127;
            }
        }
    }
    et-0/0/1 {
        unit 0 {
            family inet {
                address 100.64.0.2/31;
            }
        }
    }
}
routing-options {
    router-id 192.0.2.10;
    autonomous-system 64500;
}
protocols {
    bgp {
        group transit {
            export [ PREPEND ANNOUNCE ];
            neighbor 100.64.0.1 {
                peer-as 1299;
            }
            neighbor 2001:db8:64::1 {
                peer-as 1299;
            }
        }
        group pni {
            neighbor 100.64.0.3 {
                import PREFER;
                peer-as 3320;
            }
        }
    }
}
policy-options {
    policy-statement ANNOUNCE {
        term POOL {
            from {
                route-filter 203.0.113.0/24 exact;
            }
            then accept;
        }
        term REJECT {
            then reject;
        }
    }
    policy-statement PREPEND {
        term POOL {
            from {
                route-filter 203.0.113.0/24 exact;
            }
            then as-path-prepend "64500 64500";
        }
    }
    policy-statement PREFER {
        term DETOUR {
            from {
                route-filter 198.51.100.0/24 exact;
            }
            then local-preference 200;
        }
    }
}
"""

EOS_CONFIG = """
interface Ethernet1
   no switchport
   ip address 100.64.1.0/31
   ipv6 address 2001:db8:65::/127
!
interface Ethernet2
   no switchport
   ip address 100.64.1.2/31
!
ip prefix-list OUT
   seq 10 permit 203.0.113.0/24
!
route-map PREFER permit 10
   set local-preference 200
!
route-map PREPEND permit 10
   set as-path prepend 64500 64500
!
router bgp 64500
   router-id 192.0.2.20
   neighbor 100.64.1.1 remote-as 174
   neighbor 100.64.1.1 prefix-list OUT out
   neighbor 100.64.1.1 route-map PREPEND out
   network 203.0.113.0/24
   neighbor 100.64.1.3 remote-as 3320
   neighbor 100.64.1.3 route-map PREFER in
   neighbor 2001:db8:65::1 remote-as 174
!
"""



@contextlib.contextmanager
def routing_lab() -> Iterator[Lab]:
    """The two routers, every neighbor sending its routes, each router originating a pool it announces and a
    route of its own it does not."""
    specs = [DeviceSpec("rt-junos", "junos", initial_config=JUNOS_CONFIG),
             DeviceSpec("rt-eos", "eos", initial_config=EOS_CONFIG)]
    with Lab(specs) as running:
        junos, eos = running.control("rt-junos"), running.control("rt-eos")
        junos.receive("100.64.0.1", 1299, [{"prefix": "198.51.100.0/24", "as_path": [1299, 64999], "med": 5},
                                           {"prefix": "203.0.113.0/24", "communities": ["1299:30000"]}])
        junos.receive("100.64.0.3", 3320, [{"prefix": "198.51.100.0/24", "as_path": [3320, 7, 64999]},
                                           {"prefix": "198.51.100.128/25"}])
        junos.receive("2001:db8:64::1", 1299, [{"prefix": "2001:db8:f00::/48"}])
        eos.receive("100.64.1.1", 174, [{"prefix": "198.51.100.0/24", "communities": ["174:21000"]}])
        eos.receive("100.64.1.3", 3320, [{"prefix": "198.51.100.0/24", "as_path": [3320, 7]}])
        eos.receive("2001:db8:65::1", 174, [{"prefix": "2001:db8:f00::/48"}])
        for control in (junos, eos):
            control.originate(["203.0.113.0/24", "192.0.2.0/24"])
        yield running


@contextlib.contextmanager
def open_drivers(lab: Lab) -> Iterator[dict]:
    """The unmodified NAPALM drivers, open on both routers: {"junos": ..., "eos": ...}."""
    inventory = lab.inventory()
    junos = inventory["rt-junos"]
    eos = inventory["rt-eos"]
    opened = {
        "junos": get_network_driver("junos")(junos["host"], junos["username"], junos["password"],
                                             optional_args={"port": junos["port"]}),
        "eos": get_network_driver("eos")(eos["host"], eos["username"], eos["password"],
                                         optional_args={"transport": "http", "port": eos["port"]}),
    }
    for driver in opened.values():
        driver.open()
    try:
        yield opened
    finally:
        for driver in opened.values():
            driver.close()


def assert_same_keys_and_types(recorded: dict, actual: dict, path: str) -> None:
    """Every key the real router's result has is there with the same type (None: any type)."""
    missing = sorted(set(recorded) - set(actual))
    assert not missing, f"{path}: missing {missing}"
    for key, value in recorded.items():
        if isinstance(value, dict):
            assert_same_keys_and_types(value, actual[key], f"{path}.{key}")
        elif value is not None and actual[key] is not None:
            assert type(actual[key]) is type(value), f"{path}.{key}: {type(value).__name__} expected, got {actual[key]!r}"


def assert_same_shape(recorded, actual, path: str = "reply") -> None:
    """The JSON reply has every key the recorded one has, with the same JSON type, recursively."""
    if isinstance(recorded, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        missing = sorted(set(recorded) - set(actual))
        assert not missing, f"{path}: missing keys {missing}"
        for key, value in recorded.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        if recorded and actual:
            assert_same_shape(recorded[0], actual[0], f"{path}[0]")
    else:
        assert type(actual) is type(recorded), f"{path}: {type(recorded).__name__} expected, got {actual!r}"
