"""Session-wide Salt deployment with Salt's deltaproxy: the lab of tests/salt (4 routers, both vendors), a
real salt-master, and ONE deltaproxy process whose NAPALM sub-proxies manage every router
(trafficshift_lab.saltenv.deltaproxy_opts). The routers' credentials are in a file of the proxy host (here a
tmp dir), never in pillar: the pillar says where to find them (saltenv.subproxy_pillar).

Fixture names differ from tests/salt's so that both suites can share one pytest session.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from delta_daemons import REPO, TIME_SCALE, controller_factory, master_factory
from routerlab import DeviceSpec, Lab
from trafficshift.sources import restamp
from trafficshift.validation import parse_network
from trafficshift_lab.routes import announce, neighbor_routes, own_routes
from trafficshift_lab.saltenv import credentials_file_content, subproxy_pillar

HERE = Path(__file__).resolve().parent
SALT_TESTS = REPO / "tests" / "salt"
NETWORK = yaml.safe_load((SALT_TESTS / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
ROUTERS = sorted(NETWORK["routers"])
CONTROLLER = "proxyhost-1"


@pytest.fixture(scope="session")
def delta_lab():
    specs = [DeviceSpec(name, NETWORK["routers"][name]["vendor"]) for name in ROUTERS]
    with Lab(specs, time_scale=TIME_SCALE) as lab:
        # the neighbors send the routes behind the load's demand, so detours move traffic
        egress = [demand for path in sorted((HERE / "data").glob("load-*.yaml"))
                  for demand in yaml.safe_load(path.read_text())["egress"]]
        announce(lab, neighbor_routes(parse_network(NETWORK), egress), own_routes(parse_network(NETWORK)))
        yield lab


@pytest.fixture(scope="session")
def credentials_file(tmp_path_factory, delta_lab):
    """The proxy host's local credentials file (mode 0600)."""
    path = tmp_path_factory.mktemp("proxyhost") / "credentials.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(credentials_file_content(delta_lab.inventory())))
    return path


def write_pillar(root: Path, network: dict, proxies: dict[str, dict]) -> None:
    """A pillar tree: the `traffic` network for every minion, each router's `proxy:` block for it only."""
    (root / "traffic").mkdir(parents=True, exist_ok=True)
    (root / "proxy").mkdir(exist_ok=True)
    (root / "traffic" / "network.sls").write_text(yaml.safe_dump({"traffic": network}, sort_keys=True))
    top = {"*": ["traffic.network"]}
    for router, pillar in proxies.items():
        (root / "proxy" / f"{router}.sls").write_text(yaml.safe_dump(pillar, sort_keys=True))
        top[router] = [f"proxy.{router}"]
    (root / "top.sls").write_text(yaml.safe_dump({"base": top}, sort_keys=True))


@pytest.fixture(scope="session")
def delta_pillar(tmp_path_factory, delta_lab, credentials_file):
    root = tmp_path_factory.mktemp("pillar")
    inventory = delta_lab.inventory()
    write_pillar(root, NETWORK, {router: subproxy_pillar(router, inventory[router], credentials_file=credentials_file)
                                 for router in ROUTERS})
    return root


@pytest.fixture(scope="session")
def delta_load_file(tmp_path_factory):
    return tmp_path_factory.mktemp("load") / "load.yaml"


@pytest.fixture(scope="session")
def delta_feed_load(delta_load_file, delta_lab):
    def feed(scenario: str) -> None:
        path = HERE / "data" / f"load-{scenario}.yaml"
        data = yaml.safe_load((path if path.exists() else SALT_TESTS / "data" / f"load-{scenario}.yaml").read_text())
        delta_load_file.write_text(yaml.safe_dump(restamp(data, delta_lab.clock.now()), sort_keys=True))
    feed("normal")
    return feed


@pytest.fixture(scope="session")
def delta_master(salt_factories, delta_pillar, delta_load_file, delta_feed_load, delta_lab):
    factory = master_factory(salt_factories, "delta-master", delta_pillar, delta_load_file, delta_lab)
    with factory.started():
        yield factory


@pytest.fixture(scope="session")
def delta_proxy(delta_master):
    with controller_factory(delta_master, CONTROLLER, ROUTERS).started() as factory:
        yield factory


@pytest.fixture(scope="session")
def delta_cli(delta_master, delta_proxy):
    return delta_master.salt_cli(timeout=60)


@pytest.fixture(scope="session")
def delta_run_cli(delta_master, delta_proxy):
    return delta_master.salt_run_cli(timeout=120)


@pytest.fixture(scope="module")
def delta_fleet(delta_cli, delta_master, delta_lab, delta_feed_load):
    """Once per module: every router on its baseline, no shift, an empty store; after each test again."""
    from delta_fleet import provision, reset

    provision(delta_cli)
    reset(delta_cli, delta_master, delta_lab, delta_feed_load)
    return lambda: reset(delta_cli, delta_master, delta_lab, delta_feed_load)


@pytest.fixture
def clean_delta_fleet(delta_fleet):
    yield
    delta_fleet()
