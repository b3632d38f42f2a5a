"""Session-wide Salt deployment for the integration tests: the lab (one router per proxy), a real
salt-master and one NAPALM proxy minion per router, from trafficshift_lab.saltenv's configuration.

Daemons are expensive (a proxy takes seconds to start), so every test module shares them; tests that
change router state must leave it as they found it (or rebuild it) so order does not matter.
"""
from __future__ import annotations

import shutil
import time

import pytest
import yaml

from prometheus_server import free_port
from routerlab import DeviceSpec, Lab
from trafficshift.sources import restamp
from trafficshift.validation import parse_network
from trafficshift_lab.routes import announce, own_routes
from trafficshift_lab.saltenv import master_opts, proxy_opts
from waiting import wait_for

from salt_setup import HERE, NETWORK, REPO, REVERT_IN, ROUTERS, TIME_SCALE, neighbor_table


@pytest.fixture(scope="session")
def lab():
    specs = [DeviceSpec(name, NETWORK["routers"][name]["vendor"]) for name in ROUTERS]
    with Lab(specs, time_scale=TIME_SCALE) as lab:
        announce(lab, neighbor_table(), own_routes(parse_network(NETWORK)))
        yield lab


@pytest.fixture(scope="session")
def load_file(tmp_path_factory):
    """The file the traffic_load ext_pillar reads; `feed_load` rewrites it."""
    return tmp_path_factory.mktemp("load") / "load.yaml"


@pytest.fixture(scope="session")
def feed_load(load_file, lab):
    def feed(scenario: str) -> None:
        data = yaml.safe_load((HERE / "data" / f"load-{scenario}.yaml").read_text())
        load_file.write_text(yaml.safe_dump(restamp(data, lab.clock.now()), sort_keys=True))
    feed("normal")
    return feed


@pytest.fixture(scope="session")
def pillar_dir(tmp_path_factory):
    """The master's pillar_roots: a copy of tests/salt/pillar, so a test may rewrite the network file
    (tests/salt/test_bad_input.py) without touching the repository."""
    target = tmp_path_factory.mktemp("pillar") / "pillar"
    shutil.copytree(HERE / "pillar", target)
    return target


@pytest.fixture(scope="session")
def metrics_port() -> int:
    """Where the master's traffic_metrics engine serves trafficshift's own metrics."""
    return free_port()


@pytest.fixture(scope="session")
def salt_master(salt_factories, load_file, feed_load, lab, pillar_dir, metrics_port):
    # the runner plans on the lab's accelerated clock, the one the load data and the routers' timers use
    clock = {"anchor": lab.clock.now(), "monotonic": time.monotonic(), "scale": TIME_SCALE}
    overrides = master_opts(REPO, pillar_roots=[pillar_dir],
                            load_source={"source": "file", "path": str(load_file)},
                            runner={"clock": clock, "provision_on_first_start": True, "revert_in": REVERT_IN},
                            metrics_port=metrics_port)
    factory = salt_factories.salt_master_daemon("trafficshift-master", overrides=overrides,
                                                max_start_attempts=1)
    with factory.started():
        yield factory


class FirstStartHighstates:
    """The first-start reactor's highstate of each proxy (provision_on_first_start): its
    `trafficshift/provision/start` event names the job, whose return event says it is over. Kept here as they
    come: the event listener forgets events after 120 s."""

    def __init__(self, event_listener, master_id: str, since: float) -> None:
        self.listener, self.master_id, self.since = event_listener, master_id, since
        self.jids: dict[str, str] = {}  # router -> jid of its highstate
        self.returned: set[str] = set()

    def collect(self) -> None:
        for event in self.listener.get_events([(self.master_id, "trafficshift/provision/start")],
                                              after_time=self.since):
            self.jids[event.data["router"]] = event.data["jid"]
        returns = [(self.master_id, f"salt/job/{jid}/ret/{router}") for router, jid in self.jids.items()]
        if returns:
            self.returned |= {event.tag.rsplit("/", 1)[1]
                              for event in self.listener.get_events(returns, after_time=self.since)}

    def done(self) -> bool:
        self.collect()
        return sorted(self.jids) == ROUTERS and self.returned == set(ROUTERS)


@pytest.fixture(scope="session")
def salt_proxies(salt_master, lab, event_listener):
    inventory = lab.inventory()
    factories = [salt_master.salt_proxy_minion_daemon(name, overrides=proxy_opts(name, inventory[name]),
                                                      max_start_attempts=1)
                 for name in ROUTERS]
    highstates = FirstStartHighstates(event_listener, salt_master.id, time.time())
    for factory in factories:
        factory.start()
        highstates.collect()
    # the reactor highstates each proxy at its first start, asynchronously: no test may overlap one
    wait_for(highstates.done, 120, "the first-start highstate of every proxy to return")
    yield {factory.id: factory for factory in factories}
    for factory in factories:
        factory.terminate()


@pytest.fixture(scope="session")
def salt_cli(salt_master, salt_proxies):
    return salt_master.salt_cli(timeout=60)


@pytest.fixture(scope="session")
def salt_run_cli(salt_master, salt_proxies):
    return salt_master.salt_run_cli(timeout=120)


@pytest.fixture(scope="module")
def provisioned_fleet(salt_cli, salt_master, lab, feed_load):
    """Once per module: every router on its baseline, no shift, an empty store (runner_fleet.reset)."""
    from runner_fleet import provision, reset

    provision(salt_cli)
    reset(salt_cli, salt_master, lab, feed_load)


@pytest.fixture
def clean_fleet(salt_cli, salt_master, lab, feed_load, provisioned_fleet):
    """After each test: fleet and store back to the start state, whatever the test left behind."""
    from runner_fleet import reset

    yield
    reset(salt_cli, salt_master, lab, feed_load)
