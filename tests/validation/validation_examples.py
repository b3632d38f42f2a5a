"""The example pillar files, loaded once; callers get deep copies to mutate."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = ("normal", "egress-overload", "site-overload")
_NETWORK = yaml.safe_load((REPO / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
_LOADS = {name: yaml.safe_load((REPO / "pillar" / "load" / f"{name}.yaml").read_text()) for name in SCENARIOS}


def example_network() -> dict:
    return copy.deepcopy(_NETWORK)


def ipv4_only(data: dict) -> dict:
    """`data` with every link's IPv6 session removed (the example's links are dual-stack)."""
    for router in data["routers"].values():
        for link in router["links"].values():
            link.pop("neighbor6", None)
            link.pop("local_address6", None)
    return data


def example_load(name: str = "normal") -> dict:
    return copy.deepcopy(_LOADS[name])
