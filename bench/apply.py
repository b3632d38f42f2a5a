"""The apply path at fleet scale: a bare threaded NAPALM script versus `salt-run traffic.apply` through one
Salt deltaproxy, memory per managed router, and the control loop's reaction time. Prints JSON.

    .venv/bin/python bench/apply.py --json [--sizes 10,20,50] [--batch-size N] [--solo 3] [--controllers K]
                                   [--device-delay S]

Per size N it starts a lab of N routers (half Junos, half EOS; N/2 sites of two), a salt-master (tcp,
`order_masters`) and ONE deltaproxy process (`--controllers K`: K of them, each a slice of the routers, as on
a proxy host that runs several) whose NAPALM sub-proxies manage every router
(trafficshift_lab.saltenv.deltaproxy_opts; credentials in a local file, not in pillar), run by
`trafficshift-proxy` (salt-proxy with the fixes for Salt 3008.4's lost sub-proxy returns,
saltext.trafficshift.proxy). The load overloads one link of every router (95%) with an alternate on the same router, so every plan changes every router.

- bare_s: one thread per router, each doing exactly the device operations of an apply with stock NAPALM:
  open, load + compare (trafficshift.device.router.apply renders the same block), commit confirmed, confirm, close.
- effect_check_s: of salt_s, the time the rollout spent checking on the routers that the detoured prefixes
  moved (docs/effect.md; the lab converges at once, so this is the check's own cost).
- salt_s: wall time of `salt-run traffic.apply` (CLI start, pillar, plan, staged rollout with the health
  check of every stage, confirm, history) for the same change from the same baseline.
- pss_per_router_mb / rss_per_router_mb: the deltaproxy process trees' PSS / RSS divided by N
  (/proc/<pid>/smaps_rollup); `solo_pss_mb` is one classic NAPALM proxy minion (one per router), measured
  on `--solo` of them.
- loop_latency_s: from firing `trafficshift/load/alert` on the master bus (reactor -> traffic.rebalance)
  until every router has committed and confirmed (read from each device's commit history).

`--no-route-check` turns off the runner's question to the routers before a plan is final (policy
`check_detour_routes`; docs/effect.md, "Before planning"): the difference in salt_s and loop_latency_s is
what that Salt job costs.

`--device-delay S` makes every lab router wait S seconds before each reply (bare and Salt alike), a stand-in
for real routers, whose commits take seconds where the lab's take milliseconds.

The runner's stages come from `--canary` / `--batch-size` (the master's `trafficshift:` settings); the
default bench setting is canary 1 then all other routers in one batch, reported with each result.
"""
from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import napalm
import yaml

from routerlab import napalm_optional_args
from routerlab.control import ControlClient
from trafficshift import planner
from trafficshift.device import router as ops
from trafficshift.validation import parse_load, parse_network
from trafficshift_lab.localsalt import free_ports
from trafficshift_lab.routes import neighbor_routes, own_routes
from trafficshift_lab.saltenv import (credentials_file_content, deltaproxy_opts, master_opts, proxy_opts,
                                      subproxy_pillar)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GBPS = 1_000_000_000
REVERT_IN = 600
#: whether the runner asks the routers about the detours' routes before a plan is final (`--no-route-check`)
ROUTE_CHECK = {"on": True}


# -- the fleet ---------------------------------------------------------------------------------------------------
def routers(n: int) -> list[tuple[str, str]]:
    """[(name, vendor)]: N/2 sites, r1 Junos and r2 EOS at each."""
    return [(f"s{site:02d}-r{k}", "junos" if k == 1 else "eos") for site in range(n // 2) for k in (1, 2)]


def links(vendor: str) -> tuple[str, str]:
    return ("et-0/0/0", "et-0/0/1") if vendor == "junos" else ("Ethernet1", "Ethernet2")


def network(fleet: list[tuple[str, str]]) -> dict:
    sites = sorted({name.split("-")[0] for name, _ in fleet})
    result_routers = {}
    for index, (name, vendor) in enumerate(fleet):
        link_a, link_b = links(vendor)
        base = 4 * index
        result_routers[name] = {
            "site": name.split("-")[0], "vendor": vendor, "asn": 64512,
            "router_id": f"10.255.{index // 250}.{index % 250 + 1}",
            "links": {
                link_a: {"peer": f"transit{index}", "neighbor": f"100.64.{base // 256}.{base % 256 + 1}",
                         "local_address": f"100.64.{base // 256}.{base % 256}/31", "peer_as": 64000 + index,
                         "kind": "transit", "capacity_bps": 100 * GBPS, "group": "transit"},
                link_b: {"peer": f"pni{index}", "neighbor": f"100.64.{(base + 2) // 256}.{(base + 2) % 256 + 1}",
                         "local_address": f"100.64.{(base + 2) // 256}.{(base + 2) % 256}/31",
                         "peer_as": 65000 + index, "kind": "private", "capacity_bps": 100 * GBPS, "group": "pni"},
            },
        }
    return {
        "schema_version": 1,
        "lab": True,  # private router ASN 64512
        "sites": {site: {"ingress_capacity_bps": 400 * GBPS,
                         "neighbors": [s for s in sites if s != site][:2]} for site in sites},
        "routers": result_routers,
        "pools": {"web": {"prefixes": ["203.0.113.0/24"], "priority": 10, "sites": sites}},
        # every router's link crosses the threshold: lift the circuit breaker that stops a plan touching more
        # than 20 links/sites (a fleet-wide overload is what this bench exercises)
        "policy": {"hold_time_s": 1800, "max_load_age_s": 3600, "max_shifting_elements": 1000,
                   "check_detour_routes": ROUTE_CHECK["on"]},
        "baseline": {"domain_name": "lab.example.net", "ntp_servers": ["192.0.2.123"]},
    }


def prefix(index: int) -> str:
    return f"198.{18 + index // 256}.{index % 256}.0/24"


def load(fleet: list[tuple[str, str]], now: float, overload: bool = True) -> dict:
    """Link A of every router at 95 Gbps (three prefixes with link B as alternate; not `overload`: 50 Gbps,
    nothing to do), link B at 30 Gbps."""
    egress, link_loads = [], {}
    for index, (name, vendor) in enumerate(fleet):
        link_a, link_b = links(vendor)
        a, b = f"{name}:{link_a}", f"{name}:{link_b}"
        for k, gbps in enumerate((60, 20, 15) if overload else (25, 15, 10)):
            net = 4 * index + k
            egress.append({"prefix": prefix(net), "bps": gbps * GBPS, "link": a,
                           "alternates": [{"link": b, "preference": 10}]})
        net = 4 * index + 3
        egress.append({"prefix": prefix(net), "bps": 30 * GBPS, "link": b,
                       "alternates": [{"link": a, "preference": 10}]})
        link_loads[a] = {"out_bps": (95 if overload else 50) * GBPS}
        link_loads[b] = {"out_bps": 30 * GBPS}
    sites = sorted({name.split("-")[0] for name, _ in fleet})
    return {"timestamp": now, "source": "file", "egress": egress, "links": link_loads,
            "sites": {s: {"ingress_bps": 100 * GBPS, "pools": {"web": 100 * GBPS}} for s in sites}}


# -- processes and memory ------------------------------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError):
                    continue
                if ppid == parent:
                    pids.append(int(entry))
                    frontier.append(int(entry))
    return pids


def memory_mb(pid: int) -> dict:
    """PSS and RSS of a process and its descendants (smem-style, /proc/<pid>/smaps_rollup)."""
    pss = rss = 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return {"pss_mb": pss / 1024, "rss_mb": rss / 1024, "processes": len(tree(pid))}


class LabProcess:
    """The lab in its own process (`routerlab serve`), so the bare script's threads do not share a GIL with
    the emulated routers; same surface as routerlab.Lab for what the bench uses. Device clocks run at wall
    speed (time scale 1)."""

    def __init__(self, root: Path, fleet: list[tuple[str, str]]) -> None:
        self.root, self.fleet = root, fleet

    def __enter__(self) -> "LabProcess":
        devices = self.root / "devices.yaml"
        # the neighbors send the routes behind the load's demand, so the rollout's effect check sees the
        # detours move traffic (trafficshift_lab.routes)
        net = parse_network(network(self.fleet))
        table, own = neighbor_routes(net, load(self.fleet, time.time())["egress"]), own_routes(net)
        devices.write_text(yaml.safe_dump({"devices": [
            {"name": n, "vendor": v, "originate": own.get(n, []),
             "routes": {neighbor: {"peer_as": peer_as, "routes": routes}
                        for neighbor, (peer_as, routes) in table.get(n, {}).items()}}
            for n, v in self.fleet]}))
        out = self.root / "inventory.json"
        self.proc = subprocess.Popen([str(BIN / "routerlab"), "serve", "--devices-file", str(devices),
                                      "--inventory-out", str(out)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not out.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("routerlab serve did not start")
            time.sleep(0.2)
        self._inventory = json.loads(out.read_text())
        self.controls = {name: ControlClient(entry["control_url"]) for name, entry in self._inventory.items()}
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def inventory(self) -> dict:
        return self._inventory

    @staticmethod
    def now() -> float:
        return time.time()

    def commit_kinds(self, name: str) -> list[str]:
        return [commit["kind"] for commit in self.controls[name].commits()]


def last_json(text: str):
    """salt-run --out=json prints the progress events, then the return: the last JSON document."""
    decoder, index, last = json.JSONDecoder(), 0, {}
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return last
        last, index = decoder.raw_decode(text, index)


class Deployment:
    """A salt-master and proxy processes in a temp dir, all on 127.0.0.1; stopped on exit."""

    def __init__(self, root: Path, lab: LabProcess, fleet: list[tuple[str, str]], stages: dict,
                 controllers: int = 1) -> None:
        self.root, self.lab, self.fleet = root, lab, fleet
        self.names = [name for name, _ in fleet]
        # proxy host controllers, each managing a contiguous slice of the routers (name order)
        size = -(-len(self.names) // controllers)
        self.slices = {f"proxyhost-{k + 1}": self.names[k * size:(k + 1) * size] for k in range(controllers)}
        self.user = getpass.getuser()
        self.publish_port, self.ret_port = free_ports(2)
        self.procs: list[subprocess.Popen] = []
        self.load_file = root / "load.yaml"
        self.stages = stages

    # config ---------------------------------------------------------------------------------------------
    def common(self, name: str) -> dict:
        base = self.root / name
        return {"root_dir": str(base), "pki_dir": str(base / "pki"), "cachedir": str(base / "cache"),
                "sock_dir": str(base / "sock"), "pidfile": str(base / f"{name}.pid"),
                "log_file": str(base / "log"),
                "log_level_logfile": os.environ.get("BENCH_LOG_LEVEL", "warning"), "user": self.user,
                "publish_port": self.publish_port}

    def write_master(self) -> Path:
        inventory = self.lab.inventory()
        credentials = self.root / "proxyhost" / "credentials.json"
        credentials.parent.mkdir(parents=True)
        credentials.touch(mode=0o600)
        credentials.write_text(json.dumps(credentials_file_content(inventory)))
        pillar = self.root / "pillar"
        (pillar / "traffic").mkdir(parents=True)
        (pillar / "proxy").mkdir()
        (pillar / "traffic" / "network.sls").write_text(yaml.safe_dump({"traffic": network(self.fleet)}))
        top = {"*": ["traffic.network"]}
        for name in self.names:
            (pillar / "proxy" / f"{name}.sls").write_text(
                yaml.safe_dump(subproxy_pillar(name, inventory[name], credentials_file=credentials)))
            top[name] = [f"proxy.{name}"]
        (pillar / "top.sls").write_text(yaml.safe_dump({"base": top}))
        clock = {"anchor": self.lab.now(), "monotonic": time.monotonic(), "scale": 1.0}
        opts = master_opts(REPO, pillar_roots=[pillar], load_source={"source": "file", "path": str(self.load_file)},
                           runner={"clock": clock, "revert_in": REVERT_IN, **self.stages}, deltaproxy=True)
        opts.update(self.common("master"), ret_port=self.ret_port, id="bench-master")
        conf = self.root / "master" / "conf"
        conf.mkdir(parents=True)
        (conf / "master").write_text(yaml.safe_dump(opts))
        return conf

    def write_proxy(self, proxy_id: str, opts: dict, accept: list[str]) -> Path:
        import salt.crypt

        opts = {**opts, **self.common(proxy_id), "master_port": self.ret_port, "id": proxy_id}
        conf = self.root / proxy_id / "conf"
        conf.mkdir(parents=True)
        (conf / "proxy").write_text(yaml.safe_dump(opts))
        # sub-proxies authenticate with their controller's key under their own ids: accept all beforehand
        pki = Path(opts["pki_dir"])
        pki.mkdir(parents=True)
        private, public = salt.crypt.gen_keys(2048)
        (pki / "minion.pem").touch(mode=0o600)
        (pki / "minion.pem").write_text(private)
        (pki / "minion.pub").write_text(public)
        accepted = self.root / "master" / "pki" / "minions"
        accepted.mkdir(parents=True, exist_ok=True)
        for minion_id in accept:
            (accepted / minion_id).write_text(public)
        return conf

    # processes ------------------------------------------------------------------------------------------
    def spawn(self, *argv: str) -> subprocess.Popen:
        # stderr kept next to the daemon's log: a job thread's traceback goes there, not to the log
        with open(self.root / f"{argv[0]}-{len(self.procs)}.stderr", "wb") as stderr:
            proc = subprocess.Popen([str(BIN / argv[0]), *argv[1:]], stdout=subprocess.DEVNULL, stderr=stderr,
                                    start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        self.load_file.write_text(yaml.safe_dump(load(self.fleet, self.lab.now(), overload=False)))
        self.master_conf = self.write_master()
        self.spawn("salt-master", "-c", str(self.master_conf))
        confs = {controller: self.write_proxy(controller, deltaproxy_opts(controller, routers),
                                              [controller, *routers])
                 for controller, routers in self.slices.items()}
        time.sleep(3)
        self.controllers = [self.spawn("trafficshift-proxy", "-c", str(conf), f"--proxyid={controller}")
                            for controller, conf in confs.items()]
        import salt.client
        import salt.config

        self.opts = salt.config.master_config(str(self.master_conf / "master"))
        self.client = salt.client.LocalClient(mopts=self.opts)

    def call(self, names: list[str], function: str, *args, timeout: int = 60) -> dict:
        return self.client.cmd(names, function, list(args), tgt_type="list", timeout=timeout)

    def wait_ready(self, names: list[str], deadline_s: float) -> float:
        started = time.monotonic()
        import salt.exceptions

        while time.monotonic() - started < deadline_s:
            dead = [proc.args[0] for proc in self.procs if proc.poll() is not None]
            if dead:
                log = "\n".join(path.read_text()[-3000:] for path in self.root.glob("*/log"))
                raise RuntimeError(f"{dead} exited:\n{log}")
            try:
                replies = self.call(names, "test.ping", timeout=10)
            except salt.exceptions.SaltClientError:  # the master is still starting
                time.sleep(1)
                continue
            if sorted(r for r, ok in replies.items() if ok is True) == sorted(names):
                return time.monotonic() - started
            time.sleep(2)
        raise RuntimeError(f"not every proxy answered within {deadline_s}s")

    def salt_run(self, function: str, profile: Path | None = None) -> tuple[float, dict]:
        argv = [str(BIN / "salt-run"), "-c", str(self.master_conf), function, "--out=json"]
        if profile:  # pyinstrument (the `bench` extra) around the whole salt-run process
            argv = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile), *argv]
        started = time.perf_counter()
        out = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - started
        data = last_json(out.stdout)
        return elapsed, data.get("data", data) if isinstance(data, dict) else data

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# -- measurements -------------------------------------------------------------------------------------------------
def bare(lab: LabProcess, net, names: list[str], intents: list[dict] | None, revert_in: int = REVERT_IN) -> float:
    """One thread per router: open, load + compare, commit confirmed, confirm, close (stock NAPALM)."""
    inventory = lab.inventory()

    def one(name: str) -> bool:
        entry = inventory[name]
        driver = napalm.get_network_driver(entry["vendor"])(entry["host"], entry["username"], entry["password"],
                                                           timeout=30, optional_args=napalm_optional_args(entry))
        driver.open()
        try:
            changed = ops.apply(driver, net, name, intents, [], revert_in)["changed"]
            if changed:
                ops.confirm(driver, name)
            return changed
        finally:
            driver.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        changed = list(pool.map(one, names))
    elapsed = time.perf_counter() - started
    if intents and not all(changed):
        raise RuntimeError(f"bare: routers without a change: {[n for n, c in zip(names, changed) if not c]}")
    return elapsed


def confirmed_after(lab: LabProcess, counts: dict[str, int]) -> set[str]:
    return {name for name, before in counts.items() if "confirm" in lab.commit_kinds(name)[before:]}


def loop_latency(dep: Deployment, timeout_s: float = 300) -> float:
    import salt.utils.event

    counts = {name: len(dep.lab.commit_kinds(name)) for name in dep.names}
    with salt.utils.event.get_master_event(dep.opts, dep.opts["sock_dir"], listen=False) as bus:
        started = time.perf_counter()
        bus.fire_event({"links": ["all"], "source": "bench"}, "trafficshift/load/alert")
    done: set[str] = set()
    while time.perf_counter() - started < timeout_s:
        done |= confirmed_after(dep.lab, {name: count for name, count in counts.items() if name not in done})
        if done == set(dep.names):
            return time.perf_counter() - started
        time.sleep(0.1)
    raise RuntimeError(f"loop: only {sorted(done)} confirmed after {timeout_s}s")


def forget_active(dep: Deployment) -> None:
    """The store without an active plan, so the next rebalance finds the fleet differs from its plan."""
    import salt.cache

    from trafficshift.fleet.store import STATE_BANK

    salt.cache.Cache(dep.opts).flush(STATE_BANK, "active")


def solo_memory(dep: Deployment, count: int) -> float:
    """Mean PSS of `count` classic one-router NAPALM proxy minions (proxy_opts) on the same master."""
    inventory = dep.lab.inventory()
    procs = []
    ids = []
    for name in dep.names[:count]:
        proxy_id = f"solo-{name}"
        conf = dep.write_proxy(proxy_id, {**proxy_opts(name, inventory[name])}, [proxy_id])
        procs.append(dep.spawn("salt-proxy", "-c", str(conf), f"--proxyid={proxy_id}"))
        ids.append(proxy_id)
    dep.wait_ready(ids, 600)
    time.sleep(5)
    per = [memory_mb(proc.pid)["pss_mb"] for proc in procs]
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=30)
    return sum(per) / len(per)


def measure(n: int, canary: int, batch_size: int | None, solo: int, profile: Path | None,
            device_delay: float = 0.0, controllers: int = 1) -> dict:
    fleet = routers(n)
    names = [name for name, _ in fleet]
    stages = {"canary": canary, "batch_size": batch_size or max(1, n - canary), "timeout": 120}
    result = {"routers": n, "canary": stages["canary"], "batch_size": stages["batch_size"],
              "device_delay_s": device_delay, "controllers": controllers, "route_check": ROUTE_CHECK["on"]}
    keep = os.environ.get("BENCH_KEEP")  # debugging: keep configs and logs (BENCH_LOG_LEVEL=debug for more)
    workdir = contextlib.nullcontext(tempfile.mkdtemp(prefix="bench-apply-")) if keep else \
        tempfile.TemporaryDirectory(prefix="bench-apply-")
    with workdir as tmp, LabProcess(Path(tmp), fleet) as lab:
        dep = Deployment(Path(tmp), lab, fleet, stages, controllers)
        try:
            started = time.perf_counter()
            dep.start()
            dep.wait_ready(names, 1800)
            result["proxy_start_s"] = round(time.perf_counter() - started, 1)
            provisioned = dep.call(names, "traffic.provision", timeout=300)
            if sorted(provisioned) != names or not all(isinstance(r, dict) for r in provisioned.values()):
                raise RuntimeError(f"provision: {provisioned}")
            time.sleep(5)  # let the provision jobs' threads finish before reading memory
            per_controller = [memory_mb(proc.pid) for proc in dep.controllers]
            mem = {key: sum(m[key] for m in per_controller) for key in ("pss_mb", "rss_mb")}
            result.update(deltaproxy_pss_mb=round(mem["pss_mb"], 1), deltaproxy_rss_mb=round(mem["rss_mb"], 1),
                          pss_per_router_mb=round(mem["pss_mb"] / n, 2),
                          rss_per_router_mb=round(mem["rss_mb"] / n, 2))

            if device_delay:  # slower routers: every reply of every router waits
                for control in lab.controls.values():
                    control.inject(delay_s=device_delay)

            net_dict = network(fleet)
            net = parse_network(net_dict)
            now = lab.now()
            data = load(fleet, now)
            dep.load_file.write_text(yaml.safe_dump(data))
            plan = planner.plan(net, parse_load(data, net, now=now).load, None, (), now)
            intents = plan.to_dict()["intents"]
            if sorted({i["router"] for i in intents}) != names:
                raise RuntimeError(f"the plan does not change every router: {plan.status} {plan.routers()}")

            result["bare_s"] = round(bare(lab, net, names, intents), 2)
            bare(lab, net, names, None)  # back to the baseline: salt makes the same change

            result["salt_s"], ret = dep.salt_run("traffic.apply", profile)
            result["salt_s"] = round(result["salt_s"], 2)
            # the rollout's check that traffic moved (traffic.effect jobs, every stage), inside salt_s
            result["effect_check_s"] = ret.get("effect_s")
            outcomes = {r: o["outcome"] for r, o in ret.get("outcomes", {}).items()}
            if ret.get("status") != "applied" or set(outcomes.values()) != {"confirmed"} or len(outcomes) != n:
                errors = {r: o.get("error") for r, o in ret.get("outcomes", {}).items() if o.get("error")}
                result["salt_error"] = f"{ret.get('status')} {ret.get('error')} {errors}"[:500]
            else:
                result["ratio"] = round(result["salt_s"] / result["bare_s"], 2)

            bare(lab, net, names, None)
            forget_active(dep)
            try:
                result["loop_latency_s"] = round(loop_latency(dep), 2)
            except RuntimeError as exc:  # report what was measured, and why this one failed
                result["loop_latency_s"], result["loop_error"] = None, str(exc)[:500]
            if solo:
                result["solo_pss_mb"] = round(solo_memory(dep, solo), 1)
                result["solo_count"] = solo
        finally:
            dep.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,20,50")
    parser.add_argument("--json", action="store_true", help="one JSON object per size, one per line")
    parser.add_argument("--canary", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="routers per stage after the canary (default: all of them, two stages)")
    parser.add_argument("--solo", type=int, default=3,
                        help="classic one-router proxies started once (first size) for the memory comparison")
    parser.add_argument("--controllers", type=int, default=1,
                        help="deltaproxy processes sharing the routers (slices in name order; default 1)")
    parser.add_argument("--device-delay", type=float, default=0.0,
                        help="seconds every lab router waits before each reply, for bare and Salt alike "
                             "(a stand-in for real devices' latency; default 0: the lab's own speed)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a pyinstrument text profile of the timed salt-run to this file")
    parser.add_argument("--no-route-check", action="store_true",
                        help="policy check_detour_routes false: no traffic.detour_routes job before the plan is "
                             "final (to measure what the check adds)")
    args = parser.parse_args()
    ROUTE_CHECK["on"] = not args.no_route_check
    for index, size in enumerate(int(s) for s in args.sizes.split(",")):
        if size % 2:
            parser.error("sizes must be even (two routers per site)")
        result = measure(size, args.canary, args.batch_size, args.solo if index == 0 else 0, args.profile,
                         args.device_delay, args.controllers)
        print(json.dumps(result, sort_keys=True) if args.json else result, flush=True)


if __name__ == "__main__":
    main()
