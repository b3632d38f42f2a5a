"""A separate Salt deployment for the secrets, loopback and access tests: a lab with one Junos and one EOS
router whose device password is a known unique string, a master and two NAPALM proxies from
trafficshift_lab.saltenv with every log at trace level (`log_level_logfile: all`), the job cache on, an
external_auth (`file` backend) with a viewer and an operator, and a listener that keeps every event of the
master bus. tests/salt_security/test_secrets.py runs the whole job on it and scans everything it wrote.

The proxies never see the password in their config files: `passwd` is ``sdb://trafficshift_env/...``,
resolved from the proxy process's environment when Salt reads its config (docs/access.md, "Device
credentials"). Fixture names differ from tests/salt's so both suites can share one pytest session.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import salt.utils.event
import yaml

from routerlab import DeviceSpec, Lab
from trafficshift.sources import restamp
from trafficshift.validation import parse_network
from trafficshift_lab.routes import announce, neighbor_routes, own_routes
from trafficshift_lab.saltenv import master_opts, proxy_opts

from security_setup import NETWORK, OPERATE, OPERATORS, PASSWORD, READ_ONLY, REPO, ROUTERS, SALT_TESTS, TIME_SCALE


def load_data(scenario: str, now: float) -> dict:
    """tests/salt/data/load-<scenario>.yaml restricted to the ams01 links, measured at `now`."""
    data = yaml.safe_load((SALT_TESTS / "data" / f"load-{scenario}.yaml").read_text())
    ours = lambda link: link.split(":")[0] in ROUTERS  # noqa: E731
    data["egress"] = [{**entry, "alternates": [a for a in entry.get("alternates", []) if ours(a["link"])]}
                      for entry in data["egress"] if ours(entry["link"])]
    data["links"] = {link: counter for link, counter in data["links"].items() if ours(link)}
    data["sites"] = {"ams01": data["sites"]["ams01"]}
    return restamp(data, now)


@pytest.fixture(scope="session")
def sec_lab():
    with Lab([DeviceSpec(name, NETWORK["routers"][name]["vendor"]) for name in ROUTERS], time_scale=TIME_SCALE,
             password=PASSWORD) as lab:
        # the neighbors send the routes behind the load's demand, so detours move traffic
        network = parse_network(NETWORK)
        announce(lab, neighbor_routes(network, load_data("egress-overload", lab.clock.now())["egress"]),
                 own_routes(network))
        yield lab


@pytest.fixture(scope="session")
def sec_pillar(tmp_path_factory):
    root = tmp_path_factory.mktemp("pillar")
    (root / "traffic").mkdir()
    (root / "traffic" / "network.sls").write_text(yaml.safe_dump({"traffic": NETWORK}, sort_keys=True))
    (root / "top.sls").write_text(yaml.safe_dump({"base": {"*": ["traffic.network"]}}))
    return root


@pytest.fixture(scope="session")
def sec_load_file(tmp_path_factory):
    return tmp_path_factory.mktemp("load") / "load.yaml"


@pytest.fixture(scope="session")
def sec_feed_load(sec_load_file, sec_lab):
    def feed(scenario: str) -> None:
        sec_load_file.write_text(yaml.safe_dump(load_data(scenario, sec_lab.clock.now()), sort_keys=True))
    feed("normal")
    return feed


@pytest.fixture(scope="session")
def eauth_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("eauth") / "operators.txt"
    path.write_text("".join(f"{name}:{password}\n" for name, password in OPERATORS.items()))
    path.chmod(0o600)
    return path


def eauth_config(users_file: Path) -> dict:
    """The master's external_auth: the `file` backend, one read-only and one operator role (docs/access.md)."""
    return {"file": {"^filename": str(users_file), "^filetype": "text", "^hashtype": "plaintext",
                     "viewer": [{"@runner": READ_ONLY}], "operator": [{"@runner": OPERATE}]}}


@pytest.fixture(scope="session")
def sec_master(salt_factories, sec_pillar, sec_load_file, sec_feed_load, sec_lab, eauth_file):
    clock = {"anchor": sec_lab.clock.now(), "monotonic": time.monotonic(), "scale": TIME_SCALE}
    # revert_in 3600 device s: 60 s of wall time for a rollout to confirm (the default 600 is 10 s at x60)
    overrides = master_opts(REPO, pillar_roots=[sec_pillar], load_source={"source": "file", "path": str(sec_load_file)},
                            runner={"clock": clock, "provision_on_first_start": False, "revert_in": 3600})
    overrides.update({"log_level_logfile": "all", "job_cache": True, "keep_jobs_seconds": 86400,
                      "external_auth": eauth_config(eauth_file)})
    factory = salt_factories.salt_master_daemon("trafficshift-sec-master", overrides=overrides,
                                                max_start_attempts=1)
    with factory.started():
        yield factory


class EventCollector:
    """Every event on the master bus (tag and data), from a thread, until stopped."""

    def __init__(self, master) -> None:
        self.events: list[tuple[str, dict]] = []
        self._stop = threading.Event()
        self._bus = salt.utils.event.get_master_event(master.config, master.config["sock_dir"], listen=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            event = self._bus.get_event(wait=0.5, full=True)
            if event:
                self.events.append((event["tag"], event["data"]))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._bus.destroy()


@pytest.fixture(scope="session")
def sec_events(sec_master):
    collector = EventCollector(sec_master)
    yield collector
    collector.stop()


def sec_proxy_opts(router: str, device: dict) -> dict:
    """trafficshift_lab.saltenv.proxy_opts with the password replaced by an sdb reference to the environment."""
    opts = proxy_opts(router, device)
    opts["proxy"]["passwd"] = f"sdb://trafficshift_env/TRAFFICSHIFT_PASSWD_{router.upper().replace('-', '_')}"
    opts.update({"trafficshift_env": {"driver": "env"}, "log_level_logfile": "all"})
    return opts


@pytest.fixture(scope="session")
def sec_proxies(sec_master, sec_lab, sec_events):
    inventory = sec_lab.inventory()
    factories = []
    for name in ROUTERS:
        factory = sec_master.salt_proxy_minion_daemon(name, overrides=sec_proxy_opts(name, inventory[name]),
                                                      max_start_attempts=1)
        factory.environ[f"TRAFFICSHIFT_PASSWD_{name.upper().replace('-', '_')}"] = inventory[name]["password"]
        factories.append(factory)
    for factory in factories:
        factory.start()
    yield {factory.id: factory for factory in factories}
    for factory in factories:
        factory.terminate()


@pytest.fixture(scope="session")
def sec_salt(sec_master, sec_proxies):
    return sec_master.salt_cli(timeout=60)


@pytest.fixture(scope="session")
def sec_run(sec_master, sec_proxies):
    return sec_master.salt_run_cli(timeout=120)
