"""`make demo`: the main job, end to end, through Salt on the embedded lab.

Starts a lab router for every router in the example pillar (Junos and EOS), a salt-master and one NAPALM
proxy minion per router from the in-repo configuration (trafficshift_lab.localsalt, all on loopback), and
provisions every router with `salt '*' state.apply`. Then it feeds the load scenarios from pillar/load/ to
the traffic_load ext_pillar and, for each, runs `salt-run traffic.plan` (the plan table and each router's
diff) and `salt-run traffic.apply` (canary, batches, commit confirmed, health check, confirm) for real, and
reads the changed routers' config back from the lab. Finally normal load returns and the shifts unwind once
their hold time has passed.

The lab's clocks run `TIME_SCALE` times faster, so a 30-minute hold time passes in 30 seconds. The lab
forwards no traffic: the load fed on each cycle is the scenario's demand moved the way the active plan moves
it (trafficshift.simulate.measure), which is what the routers would count.
Exits non-zero if any step fails; everything it started stops on exit, Ctrl-C included.
"""
from __future__ import annotations

import argparse
import difflib
import json
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from routerlab import DeviceSpec, Lab
from trafficshift.errors import TrafficShiftError
from trafficshift.sources import read_document, restamp
from trafficshift.model import Network
from trafficshift.model.plan import Plan
from trafficshift.simulate import measure
from trafficshift.validation import parse_load, parse_network
from trafficshift_lab.localsalt import LocalSalt, free_ports
from trafficshift_lab.routes import announce, neighbor_routes, own_routes

REPO = Path(__file__).resolve().parents[2]
TIME_SCALE = 60.0
REPORTS = REPO / "build" / "demo"  # the HTML reports of the overload runs (salt-run traffic.report)
SCENARIOS = ("normal", "egress-overload", "site-overload")
UNWIND_TIMEOUT_S = 180.0  # wall seconds
#: the runner's rollout settings for the demo: the default canary, commit-confirmed timer 60 min of device
#: time (60 s of wall time: 12 routers in 3 stages confirm within it on a busy machine), wider batches so 12
#: routers take 3 stages
RUNNER = {"canary": 1, "batch_size": 6, "revert_in": 3600, "timeout": 60}


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"=== {text} " + "=" * max(0, 72 - len(text)))


class LoadFeeder(threading.Thread):
    """The demo's load source: like a metrics pipeline it reports fresh numbers every second (the lab clock
    runs x60, so the policy's 300 s load-age limit is 5 s of wall time), here the current scenario's demand
    moved the way the active plan moves it."""

    def __init__(self, pillar_dir: Path, network: Network, clock, path: Path) -> None:
        super().__init__(name="load-feeder", daemon=True)
        self.pillar_dir = pillar_dir
        self.network = network
        self.clock = clock
        self.path = path
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        # the main thread (a new scenario) and this one (every second) both write: one writer at a time, or
        # one renames the temporary file away under the other
        self.writing = threading.Lock()
        self.scenario, self.active = "normal", None
        self.write()

    def set(self, scenario: str, active: Plan | None) -> None:
        with self.lock:
            self.scenario, self.active = scenario, active
        self.write()

    def write(self) -> None:
        with self.writing:
            with self.lock:
                scenario, active = self.scenario, self.active
            now = self.clock.now()
            natural = parse_load(restamp(read_document(self.pillar_dir / "load" / f"{scenario}.yaml"), now),
                                 self.network, now=now).load
            data = json.dumps(measure(self.network, natural, active).model_dump(mode="json"), sort_keys=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(data)
            partial.replace(self.path)  # the ext_pillar never reads a half-written file

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.write()


def path_line(path: dict | None) -> str:
    """One selected path as `show route` would sum it up."""
    if path is None:
        return "no route"
    return (f"via {path['neighbor']} local-pref {path['local_pref']} "
            f"AS path {' '.join(str(asn) for asn in path['as_path'])}")


class Demo:
    def __init__(self, lab: Lab, salt: LocalSalt, network: Network, feeder: "LoadFeeder") -> None:
        self.lab = lab
        self.salt = salt
        self.network = network
        self.feeder = feeder
        self.runs: dict[str, str] = {}  # scenario -> id of the run that applied it

    # -- Salt, shown as an operator would type it ------------------------------------------------------------
    def show(self, command: str, *args: str) -> str:
        say(f"$ {command} {' '.join(args)}")
        started = time.monotonic()
        result = self.salt.run(command, *args)
        say(result.stdout.rstrip())
        say(f"  ({time.monotonic() - started:.1f}s)")
        return result.stdout

    def active_plan(self) -> Plan | None:
        runs = self.salt.run_json("salt-run", "traffic.history", "limit=1")
        if not runs:
            return None
        record = self.salt.run_json("salt-run", "traffic.show", runs[0]["id"])
        if record.get("status") not in ("applied", "no-change"):
            return None
        return Plan.from_dict(record["plan"])

    def feed(self, scenario: str) -> None:
        """From now on the load source reports `scenario`'s demand, moved by the plan the fleet runs."""
        self.feeder.set(scenario, self.active_plan())

    # -- the job -----------------------------------------------------------------------------------------------
    def provision(self) -> None:
        heading(f"provision {len(self.network.routers)} routers: highstate (baseline + the fleet's shift state)")
        say("$ salt '*' state.apply")
        result = json.loads(self.salt.run("salt", "*", "state.apply", "--out=json", "--static", "-t", "300").stdout)
        # a highstate that did not run at all (no state results: Salt itself failed, e.g. a proxy's pillar
        # request refused under the burst of twelve at once) is run again once, for that router alone
        for router in sorted(r for r in self.network.routers if not isinstance(result.get(r), dict)):
            say(f"  {router}: highstate did not run ({' '.join(str(result.get(router)).split())[:160]}); again")
            again = self.salt.run("salt", router, "state.apply", "--out=json", "--static", "-t", "300", check=False)
            result[router] = json.loads(again.stdout or "{}").get(router)  # judged below like the others
        for router in sorted(self.network.routers):
            states = result.get(router)
            if not isinstance(states, dict):
                raise TrafficShiftError(f"{router}: highstate did not run: {states}")
            failed = [s.get("comment", "") for s in states.values() if not s.get("result")]
            if failed:
                raise TrafficShiftError(f"{router}: highstate failed: {failed}")
            changed = sum(1 for s in states.values() if s.get("changes"))
            say(f"  {router:10} {self.network.routers[router].vendor:5} {len(states)} states ok, {changed} changed")

    def read_back(self, before: dict[str, str]) -> None:
        """The running config as the lab routers now hold it, compared with before the run."""
        changed = sorted(r for r in self.network.routers if self.lab.control(r).config() != before[r])
        if not changed:
            say("read back from the lab: no router config changed")
            return
        say(f"read back from the lab: running config of {len(changed)} router(s), what changed:")
        for router in changed:
            lines = [line for line in difflib.unified_diff(before[router].splitlines(),
                                                           self.lab.control(router).config().splitlines(),
                                                           lineterm="", n=0)
                     if line[:1] in "+-" and not line.startswith(("+++", "---"))]
            say(f"  {router}: {len(lines)} line(s)")
            for line in lines[:6]:
                say(f"      {line.rstrip()}")
            if len(lines) > 6:
                say(f"      ... {len(lines) - 6} more")

    def last_run(self) -> str:
        return self.salt.run_json("salt-run", "traffic.history", "limit=1")[0]["id"]

    def routes(self) -> dict[str, dict]:
        """Each lab router's selected paths (prefix -> best path), as its import policies leave them."""
        return {router: self.lab.control(router).rib() for router in sorted(self.network.routers)}

    def show_routes(self, before: dict[str, dict], intents: list[dict]) -> None:
        """For each detour, the path the router selected before the run and after it, one line each: what the
        rollout's effect check looked at before confirming (docs/effect.md)."""
        detours = [i for i in intents if i["kind"] == "detour"]
        if not detours:
            return
        say(f"routes on the routers, before -> after ({len(detours)} detour(s)):")
        after = self.routes()
        for intent in detours:
            router, prefix = intent["router"], intent["prefix"]
            say(f"  {router} {prefix}: {path_line(before[router].get(prefix))}")
            say(f"  {' ' * len(router)} {' ' * len(prefix)}  -> {path_line(after[router].get(prefix))}")

    def cycle(self, scenario: str) -> None:
        self.feed(scenario)
        self.show("salt-run", "traffic.plan")
        before = {r: self.lab.control(r).config() for r in self.network.routers}
        routes = self.routes()
        self.show("salt-run", "traffic.apply")
        self.read_back(before)
        self.runs[scenario] = self.last_run()
        active = self.active_plan()
        self.show_routes(routes, active.to_dict()["intents"] if active else [])

    def unwind(self) -> None:
        heading("load back to normal: shifts unwind once their hold time has passed")
        deadline = time.monotonic() + UNWIND_TIMEOUT_S
        while True:
            self.feed("normal")
            plan = self.salt.run_json("salt-run", "traffic.plan")
            active = self.active_plan()
            active_intents = active.to_dict()["intents"] if active else []
            if plan["intents"] != active_intents:
                before = {r: self.lab.control(r).config() for r in self.network.routers}
                self.show("salt-run", "traffic.apply")
                self.read_back(before)
                # the apply plans again: by then more shifts may have passed their hold time (x60 clock)
                applied = self.active_plan()
                if applied is not None and not applied.intents:
                    say("all shifts unwound; every router is back on its baseline policy")
                    return
            elif not active_intents:
                say("no shift active")
                return
            else:
                say(f"  {len(active_intents)} shift(s) held by their hold time (lab clock x{TIME_SCALE:.0f}); "
                    f"waiting ...")
            if time.monotonic() > deadline:
                raise TrafficShiftError(f"shifts still active after {UNWIND_TIMEOUT_S:.0f}s: {len(active_intents)}")
            time.sleep(10)

    def run(self) -> None:
        self.provision()
        for scenario in SCENARIOS:
            heading(f"load scenario: {scenario}")
            self.cycle(scenario)
        self.unwind()
        heading("history and reports")
        self.show("salt-run", "traffic.history", "limit=8")
        REPORTS.mkdir(parents=True, exist_ok=True)
        for scenario in ("egress-overload", "site-overload"):
            self.show("salt-run", "traffic.report", self.runs[scenario], f"path={REPORTS / f'{scenario}.html'}")
        say(f"open the reports in a browser: {REPORTS}/*.html")


def show_metrics(url: str) -> None:
    """What a Prometheus scraping the master would have seen of the demo's cycles and runs."""
    say(f"$ curl {url}")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback, our own engine)
            text = response.read().decode()
    except OSError as exc:
        say(f"  metrics endpoint did not answer: {exc}")
        return
    for line in text.splitlines():
        if line.startswith(("trafficshift_runs_total", "trafficshift_cycles_total", "trafficshift_plan_status",
                            "trafficshift_active_intents")):
            say(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trafficshift-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--pillar-dir", type=Path, default=REPO / "pillar")
    args = parser.parse_args(argv)
    # `kill` stops the demo like Ctrl-C: the context managers below stop Salt and the lab. Ctrl-C is set
    # explicitly: a demo started from a background job inherits SIGINT ignored and would not stop
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        document = yaml.safe_load((args.pillar_dir / "traffic" / "network.sls").read_text())
        network = parse_network(document["traffic"])
        specs = [DeviceSpec(name, router.vendor) for name, router in sorted(network.routers.items())]
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="trafficshift-demo-") as workdir, \
                Lab(specs, time_scale=TIME_SCALE) as lab:
            say(f"lab: {len(specs)} routers listening on 127.0.0.1 (clock x{TIME_SCALE:.0f})")
            # each neighbor sends the routes behind the scenarios' demand, so a detour moves traffic on the
            # router and the rollout's effect check sees it before confirming
            egress = [demand for scenario in SCENARIOS
                      for demand in read_document(args.pillar_dir / "load" / f"{scenario}.yaml").get("egress", [])]
            table = neighbor_routes(network, egress)
            announce(lab, table, own_routes(network))
            say(f"lab: {sum(len(routes) for neighbors in table.values() for _, routes in neighbors.values())} "
                f"routes from {sum(len(neighbors) for neighbors in table.values())} BGP neighbors")
            load_file = Path(workdir) / "load.json"
            clock = {"anchor": lab.clock.now(), "monotonic": time.monotonic(), "scale": TIME_SCALE}
            feeder = LoadFeeder(args.pillar_dir, network, lab.clock, load_file)
            feeder.start()
            try:
                say(f"salt: starting a salt-master and {len(specs)} NAPALM proxy minions under {workdir} ...")
                (metrics_port,) = free_ports(1)
                with LocalSalt(Path(workdir), REPO, lab.inventory(), pillar_roots=[args.pillar_dir],
                               load_file=load_file, runner={**RUNNER, "clock": clock},
                               metrics_port=metrics_port) as salt:
                    say(f"salt: every proxy answers test.ping after {time.monotonic() - started:.0f}s")
                    metrics = f"http://127.0.0.1:{metrics_port}/metrics"
                    say(f"metrics: trafficshift's own at {metrics} while the demo runs (docs/operations.md)")
                    Demo(lab, salt, network, feeder).run()
                    show_metrics(metrics)
            finally:
                feeder.stopped.set()
                feeder.join()
        say(f"\ndemo finished after {time.monotonic() - started:.0f}s: salt and lab stopped")
        return 0
    except KeyboardInterrupt:
        say("\ninterrupted: salt and lab stopped")
        return 130
    except TrafficShiftError as exc:
        say(f"\ndemo FAILED: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
