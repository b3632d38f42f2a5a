"""`make demo`: the main job, end to end, on the embedded lab.

Starts a lab router for every router in the example pillar (Junos and EOS), provisions each with its
rendered baseline, then feeds the load scenarios from pillar/load/ and for each one: validates the load,
plans, prints the plan table, renders each affected router's shift block, shows the device diff, commits
confirmed through the real NAPALM drivers, checks the router, confirms, and reads the result back. Finally
it restores normal load and waits (in lab time) until the hold time lets the shifts unwind.

The lab runs its clocks `TIME_SCALE` times faster, so a 30-minute hold time passes in 30 seconds.
Until the Salt integration lands this drives NAPALM directly; the steps are the ones the Salt runner takes.
Exits non-zero if any step fails; everything it started stops on exit, Ctrl-C included.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import napalm
import yaml

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift import deploy, planner
from trafficshift.errors import TrafficShiftError
from trafficshift.loadsource import read_document, restamp
from trafficshift.model import Network
from trafficshift.plan import Plan
from trafficshift.render import render_router, render_shift
from trafficshift.simulate import measure
from trafficshift.table import format_plan
from trafficshift.validation import parse_load, parse_network

TIME_SCALE = 60.0
#: device seconds the routers wait for a confirm before reverting (10 s of wall time at TIME_SCALE)
REVERT_IN_S = 600
SCENARIOS = ("normal", "egress-overload", "site-overload")
UNWIND_TIMEOUT_S = 120.0  # wall seconds


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"=== {text} " + "=" * max(0, 72 - len(text)))


def open_driver(entry: dict):
    driver = napalm.get_network_driver(entry["vendor"])(
        entry["host"], entry["username"], entry["password"], timeout=30, optional_args=napalm_optional_args(entry))
    driver.open()
    return driver


class Demo:
    def __init__(self, pillar_dir: Path, lab: Lab, network: Network) -> None:
        self.pillar_dir = pillar_dir
        self.lab = lab
        self.network = network
        self.inventory = lab.inventory()
        self.previous: Plan | None = None

    def provision(self) -> None:
        heading(f"provision {len(self.network.routers)} routers with their baseline")
        for router in sorted(self.network.routers):
            driver = open_driver(self.inventory[router])
            try:
                changes = deploy.stage(driver, router, render_router(self.network, router))
                deploy.commit(driver, router)
            finally:
                driver.close()
            say(f"  {router:10} {self.network.routers[router].vendor:5} baseline committed "
                f"({len(changes.splitlines())} diff lines)")

    def plan_for(self, scenario: str) -> Plan:
        now = self.lab.clock.now()
        data = restamp(read_document(self.pillar_dir / "load" / f"{scenario}.yaml"), now)
        check = parse_load(data, self.network, now=now)
        measured = measure(self.network, check.load, self.previous)
        return planner.plan(self.network, measured, self.previous, (), now, stale_reasons=check.reasons)

    def apply(self, plan: Plan) -> list[str]:
        """Commit every router whose shift block changes: all commit confirmed first, then all confirmed;
        if any router fails, every router changed so far is rolled back and the error propagates."""
        staged: list[tuple[str, object]] = []
        try:
            for router in sorted(self.network.routers):
                config = render_shift(self.network, router, plan.intents)
                driver = open_driver(self.inventory[router])
                diff = deploy.stage(driver, router, config)
                if not diff:
                    deploy.discard(driver, router)
                    driver.close()
                    continue
                staged.append((router, driver))
                say(f"--- {router} ({self.network.routers[router].vendor}) diff:")
                say("\n".join("    " + line for line in diff.splitlines()))
                deploy.commit_confirmed(driver, router, REVERT_IN_S)
                if not driver.is_alive().get("is_alive"):
                    raise deploy.DeployError(router, "health-check", "session down after commit")
                say(f"    committed, confirm pending (reverts by itself in {REVERT_IN_S}s of device time)")
            for router, driver in staged:
                deploy.confirm(driver, router)
                say(f"  {router}: confirmed")
        except TrafficShiftError:
            for router, driver in staged:
                try:
                    deploy.rollback(driver, router)
                    say(f"  {router}: rolled back")
                except deploy.DeployError as exc:
                    say(f"  {router}: rollback failed ({exc}); the router reverts by itself")
            raise
        finally:
            for _, driver in staged:
                driver.close()
        return [router for router, _ in staged]

    def verify(self, plan: Plan, routers: list[str]) -> None:
        """Read each changed router back: its config must already equal the intent (empty diff)."""
        for router in routers:
            driver = open_driver(self.inventory[router])
            try:
                left = deploy.diff(driver, router, render_shift(self.network, router, plan.intents))
            finally:
                driver.close()
            if left:
                raise deploy.DeployError(router, "read-back", f"running config differs from the intent:\n{left}")
            managed = [line.strip() for line in self.lab.control(router).config().splitlines() if "TS-" in line]
            say(f"  {router}: read back, config equals intent; {len(managed)} managed lines, e.g.")
            for line in managed[:4]:
                say(f"      {line}")

    def cycle(self, scenario: str) -> Plan:
        plan = self.plan_for(scenario)
        say(format_plan(plan, threshold=self.network.policy.target_utilization))
        changed = self.apply(plan)
        if changed:
            self.verify(plan, changed)
        else:
            say("  no router config changes")
        self.previous = plan
        return plan

    def run(self) -> None:
        self.provision()
        for scenario in SCENARIOS:
            heading(f"load scenario: {scenario}")
            self.cycle(scenario)
        heading("load back to normal: shifts unwind once their hold time has passed")
        deadline = time.monotonic() + UNWIND_TIMEOUT_S
        while True:
            plan = self.cycle("normal")
            if not plan.intents:
                say("all shifts unwound; every router is back on its baseline policy")
                return
            if time.monotonic() > deadline:
                raise TrafficShiftError(f"shifts still active after {UNWIND_TIMEOUT_S:.0f}s: {len(plan.intents)}")
            say(f"  {len(plan.intents)} shift(s) held; waiting for the hold time (lab clock x{TIME_SCALE:.0f}) ...")
            time.sleep(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trafficshift-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--pillar-dir", type=Path, default=Path("pillar"))
    args = parser.parse_args(argv)
    try:
        document = yaml.safe_load((args.pillar_dir / "traffic" / "network.sls").read_text())
        network = parse_network(document["traffic"])
        specs = [DeviceSpec(name, router.vendor) for name, router in sorted(network.routers.items())]
        started = time.monotonic()
        with Lab(specs, time_scale=TIME_SCALE) as lab:
            say(f"lab: {len(specs)} routers listening on 127.0.0.1 after {time.monotonic() - started:.1f}s "
                f"(clock x{TIME_SCALE:.0f})")
            Demo(args.pillar_dir, lab, network).run()
        say("\ndemo finished: lab stopped")
        return 0
    except KeyboardInterrupt:
        say("\ninterrupted: lab stopped")
        return 130
    except TrafficShiftError as exc:
        say(f"\ndemo FAILED: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
