"""Session-wide Salt deployment with Salt's deltaproxy: the lab of tests/salt (4 routers, both vendors), a
real salt-master, and ONE deltaproxy process whose NAPALM sub-proxies manage every router
(trafficshift_lab.saltenv.deltaproxy_opts). The routers' credentials are in a file of the proxy host (here a
tmp dir), never in pillar: the pillar says where to find them (saltenv.subproxy_pillar).

Fixture names differ from tests/salt's so that both suites can share one pytest session.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import yaml

from delta_fleet import REVERT_IN
from routerlab import DeviceSpec, Lab
from trafficshift.sources import restamp
from trafficshift_lab.saltenv import credentials_file_content, deltaproxy_opts, master_opts, subproxy_pillar

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SALT_TESTS = REPO / "tests" / "salt"
NETWORK = yaml.safe_load((SALT_TESTS / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
ROUTERS = sorted(NETWORK["routers"])
CONTROLLER = "proxyhost-1"
TIME_SCALE = 60.0


@pytest.fixture(scope="session")
def delta_lab():
    specs = [DeviceSpec(name, NETWORK["routers"][name]["vendor"]) for name in ROUTERS]
    with Lab(specs, time_scale=TIME_SCALE) as lab:
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


def master_factory(salt_factories, master_id: str, pillar: Path, load_file: Path, lab):
    clock = {"anchor": lab.clock.now(), "monotonic": time.monotonic(), "scale": TIME_SCALE}
    overrides = master_opts(REPO, pillar_roots=[pillar], load_source={"source": "file", "path": str(load_file)},
                            runner={"clock": clock, "batch_size": 3, "revert_in": REVERT_IN}, deltaproxy=True)
    return salt_factories.salt_master_daemon(master_id, overrides=overrides, max_start_attempts=1)


@pytest.fixture(scope="session")
def delta_master(salt_factories, delta_pillar, delta_load_file, delta_feed_load, delta_lab):
    factory = master_factory(salt_factories, "delta-master", delta_pillar, delta_load_file, delta_lab)
    with factory.started():
        yield factory


def preaccept_keys(master, proxy, ids: list[str]) -> None:
    """Sub-proxies authenticate with their controller's key pair under their own ids. Generate that pair
    and accept it for the controller and every sub-proxy id beforehand, as an operator would with
    `salt-key -a` (accepting them one by one at their first start takes seconds each)."""
    import salt.crypt

    pki = Path(proxy.config["pki_dir"])
    pki.mkdir(parents=True, exist_ok=True)
    private, public = salt.crypt.gen_keys(2048)
    (pki / "minion.pem").touch(mode=0o600)
    (pki / "minion.pem").write_text(private)
    (pki / "minion.pub").write_text(public)
    accepted = Path(master.config["pki_dir"]) / "minions"
    accepted.mkdir(parents=True, exist_ok=True)
    for minion_id in ids:
        (accepted / minion_id).write_text(public)


def controller_factory(master, controller: str, routers: list[str]):
    """A deltaproxy controller ("a proxy host") managing `routers`, its keys accepted on `master`. It runs
    `trafficshift-proxy` (salt-proxy with the deltaproxy return fixes, saltext.trafficshift.proxy), as a proxy
    host should."""
    factory = master.salt_proxy_minion_daemon(controller, overrides=deltaproxy_opts(controller, routers),
                                              max_start_attempts=1, start_timeout=300)
    factory.script_name = str(Path(sys.executable).parent / "trafficshift-proxy")
    preaccept_keys(master, factory, [controller, *routers])
    return factory


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
