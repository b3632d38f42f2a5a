"""A throw-away Salt deployment on this host for the demo and benchmarks: a salt-master and the NAPALM proxy
minions for a lab's routers, run as real daemons from trafficshift_lab.saltenv's configuration, everything under
one work directory and on loopback, and the `salt` / `salt-run` command lines pointed at it.

Plain Python: it writes YAML config files and starts Salt's own executables; nothing here imports Salt.
Stopping terminates every process group it started (Ctrl-C included, via the context manager).
"""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from trafficshift.errors import TrafficShiftError
from trafficshift_lab.saltenv import LOOPBACK, master_opts, proxy_opts

BIN = Path(sys.executable).parent


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on loopback now: held open together, so never the same one twice."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]


class LocalSalt:
    """`with LocalSalt(workdir, repo, inventory, ...) as salt:` -> master and proxies answering.

    `inventory`: the lab's {router: device entry}. `load_file`: the file the traffic_load ext_pillar reads.
    `runner`: the master's `trafficshift:` settings (trafficshift_lab.saltenv.master_opts). `metrics_port`:
    where the traffic_metrics engine serves trafficshift's own metrics on loopback (0: not at all)."""

    def __init__(self, workdir: Path, repo: Path, inventory: dict[str, dict], *, pillar_roots: list[Path],
                 load_file: Path, runner: dict | None = None, log_level: str = "warning", metrics_port: int = 0) -> None:
        self.workdir = Path(workdir)
        self.repo = Path(repo)
        self.inventory = dict(sorted(inventory.items()))
        self.pillar_roots = pillar_roots
        self.load_file = Path(load_file)
        self.runner = runner or {}
        self.log_level = log_level
        self.metrics_port = metrics_port
        self.processes: list[subprocess.Popen] = []
        self.master_dir = self.workdir / "master"

    # -- configuration ---------------------------------------------------------------------------------------
    def _common(self, root: Path) -> dict:
        return {"root_dir": str(root), "user": getpass.getuser(), "log_level_logfile": self.log_level,
                "log_file": str(root / "log"), "pki_dir": str(root / "pki"), "cachedir": str(root / "cache"),
                "sock_dir": str(root / "sock"), "pidfile": str(root / "pid")}

    def write_config(self) -> None:
        publish_port, ret_port = free_ports(2)
        master = {**master_opts(self.repo, pillar_roots=self.pillar_roots,
                                load_source={"source": "file", "path": str(self.load_file)}, runner=self.runner,
                                metrics_port=self.metrics_port),
                  **self._common(self.master_dir), "publish_port": publish_port, "ret_port": ret_port,
                  # only this host's own proxies can reach a loopback master: accept their keys as they come
                  "auto_accept": True, "id": "trafficshift-master"}
        self._write(self.master_dir / "master", master)
        for router, device in self.inventory.items():
            root = self.workdir / "proxies" / router
            self._write(root / "proxy", {**proxy_opts(router, device), **self._common(root),
                                         "master_port": ret_port, "publish_port": publish_port})

    @staticmethod
    def _write(path: Path, opts: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(opts, sort_keys=True))
        path.chmod(0o600)  # proxy configs carry device credentials

    # -- processes -------------------------------------------------------------------------------------------
    def _spawn(self, *args: str) -> subprocess.Popen:
        # own process group: stop() kills the daemon and every child it forked
        process = subprocess.Popen([str(BIN / args[0]), *args[1:]], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def start(self, timeout: float = 180.0) -> None:
        self.write_config()
        self._spawn("salt-master", "-c", str(self.master_dir), "-l", "quiet")
        for router in self.inventory:
            self._spawn("salt-proxy", "-c", str(self.workdir / "proxies" / router), "--proxyid", router,
                        "-l", "quiet")
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Until every proxy answers test.ping (keys accepted, NAPALM connected)."""
        deadline = time.monotonic() + timeout
        answering: set[str] = set()
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    raise TrafficShiftError(f"{process.args[0]} exited with {process.returncode} while starting "
                                            f"(log under {self.workdir})")
            left = sorted(set(self.inventory) - answering)
            result = self.run("salt", "-L", ",".join(left), "test.ping", "--out=json", "--static", "-t", "10",
                              check=False)
            try:
                answering |= {router for router, ok in json.loads(result.stdout or "{}").items() if ok is True}
            except json.JSONDecodeError:
                pass
            if answering >= set(self.inventory):
                return
            if time.monotonic() > deadline:
                raise TrafficShiftError(f"proxies not answering after {timeout:.0f}s: "
                                        f"{', '.join(sorted(set(self.inventory) - answering))}")
            time.sleep(1)

    def run(self, command: str, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """`salt` / `salt-run` / `salt-key` against this master; stdout and stderr captured as text."""
        result = subprocess.run([str(BIN / command), "-c", str(self.master_dir), *args], capture_output=True,
                                text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise TrafficShiftError(f"{command} {' '.join(args)} failed ({result.returncode}):\n"
                                    f"{result.stdout}{result.stderr}")
        return result

    def run_json(self, command: str, *args: str) -> object:
        return json.loads(self.run(command, *args, "--out=json").stdout)

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)  # the group outlives a daemon that already exited
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        for process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            try:
                os.killpg(process.pid, signal.SIGKILL)  # a forked worker that ignored SIGTERM
            except ProcessLookupError:
                pass
        self.processes.clear()

    def __enter__(self) -> "LocalSalt":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
