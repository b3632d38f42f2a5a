"""The Salt integration tests' deployment constants, in a module of its own name: test modules import them
from here, not from `conftest`, which names whichever directory's conftest pytest loaded last when several
test directories are given on the command line."""
from __future__ import annotations

from pathlib import Path

import yaml

from trafficshift.validation import parse_network
from trafficshift_lab.routes import neighbor_routes

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NETWORK = yaml.safe_load((HERE / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
ROUTERS = sorted(NETWORK["routers"])
#: device timers run this much faster than the wall clock (a 10-minute revert fires after 10 s)
TIME_SCALE = 60.0
#: the commit-confirmed timer of every change the tests make (device seconds: 60 s of wall time), long enough for
#: a whole rollout on a loaded machine; a test about a router reverting by itself sets a shorter one (runner_fleet)
REVERT_IN = 3600


def neighbor_table() -> dict:
    """What the lab routers' BGP neighbors send: the routes behind every load scenario's demand
    (trafficshift_lab.routes), so the detours the tests apply move traffic and the effect check sees it."""
    egress = [demand for path in sorted((HERE / "data").glob("load-*.yaml"))
              for demand in yaml.safe_load(path.read_text())["egress"]]
    return neighbor_routes(parse_network(NETWORK), egress)
