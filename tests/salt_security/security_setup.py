"""The security tests' deployment constants, in a module of its own name: test modules import them from here,
not from `conftest`, which names whichever directory's conftest pytest loaded last when several test
directories are given on the command line."""
from __future__ import annotations

import secrets
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SALT_TESTS = REPO / "tests" / "salt"
ROUTERS = ["ams01-r1", "ams01-r2"]  # one Junos, one EOS
TIME_SCALE = 60.0
#: the device password: unique, so any occurrence anywhere is this deployment's leak
PASSWORD = f"S3cr3t-{secrets.token_hex(8)}"
#: operators of the access tests (file eauth): name -> password
OPERATORS = {"viewer": f"view-{secrets.token_hex(6)}", "operator": f"oper-{secrets.token_hex(6)}"}
#: what each role may run (docs/access.md): the viewer only reads, the operator also changes the fleet.
#: traffic.report is the operator's: it writes a file wherever its `path=` says, as the master's user, and
#: eauth can require an argument but not forbid one
READ_ONLY = ["traffic.plan", "traffic.status", "traffic.history", "traffic.show", "traffic.replay",
             "traffic.lock_holder"]
OPERATE = READ_ONLY + ["traffic.apply", "traffic.rebalance", "traffic.rollback", "traffic.drain", "traffic.undrain",
                       "traffic.freeze", "traffic.unfreeze", "traffic.schedule", "traffic.report"]


def _network() -> dict:
    """The Salt tests' network cut down to site ams01 (routers ams01-r1 Junos, ams01-r2 EOS)."""
    network = yaml.safe_load((SALT_TESTS / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
    network["sites"] = {"ams01": {**network["sites"]["ams01"], "neighbors": []}}
    network["routers"] = {name: network["routers"][name] for name in ROUTERS}
    network["pools"]["web"]["sites"] = ["ams01"]
    return network


NETWORK = _network()
