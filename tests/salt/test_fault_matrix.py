"""The fault matrix (docs/reliability.md, "Fault matrix"): each fault injected through the lab's fault API on a
Junos and on an EOS router, then `salt-run traffic.apply`, and for the faults where it differs the reactor
path (a `trafficshift/load/alert` event -> saltext/trafficshift/reactor/alert.sls -> traffic.rebalance).

After every case: each router runs either its whole previous config or the whole new one (compared with the
configs captured before, and with the configs a clean apply produces), the history record says what really
happened, the operator gets one line naming the router and the step, and no commit is left pending.

The plan under test drains site ams01: the canary ams01-r1 (Junos) and ams01-r2 (EOS, second stage with
fra01-r1) change. A fault on the Junos router stops the run at the canary; a fault on the EOS router comes
after the canary committed, so the canary must be rolled back.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import napalm
import pytest
import yaml

from salt_setup import HERE, REVERT_IN, ROUTERS, TIME_SCALE
from routerlab import napalm_optional_args
from runner_fleet import configs, master_store, reset, salt_run_with_revert_in, wait_for
from trafficshift.sources import restamp
from trafficshift.fleet.store import HISTORY_BANK, STATE_BANK, read_holder

JUNOS, EOS = "ams01-r1", "ams01-r2"
DRAIN_AMS01 = {"kind": "drain", "element": "site", "name": "ams01"}
DRAIN_FRA01 = {"kind": "drain", "element": "site", "name": "fra01"}
#: where the run ends for a fault on the canary (Junos) and on the second stage (EOS)
STOPPED_AT_CANARY = {"ams01-r1": "failed", "ams01-r2": "not-attempted", "fra01-r1": "not-attempted",
                     "fra01-r2": "not-attempted"}
STOPPED_AT_STAGE_2 = {"ams01-r1": "rolled-back", "ams01-r2": "failed", "fra01-r1": "unchanged",
                      "fra01-r2": "not-attempted"}
EXPECTED_OUTCOMES = {JUNOS: STOPPED_AT_CANARY, EOS: STOPPED_AT_STAGE_2}
#: the commit-confirmed timer of a case where the canary must revert by itself (device seconds; 20 s of wall
#: time at the lab's x60): long enough for the canary's own health check, shorter than the 30 s the slow
#: second stage takes at least. The other cases run with the master's REVERT_IN, which no case outlasts.
SHORT_REVERT_IN = 1200
#: the commit-confirmed timer of a run the test kills (30 s of wall time): long enough to see both commits
#: still pending after the kill, short beside REVERT_IN
KILLED_RUN_REVERT_IN = 1800


# -- the fleet before and after a clean apply; putting back only what a case touched ----------------------------
@dataclass
class Fleet:
    before: dict[str, str]
    new: dict[str, str]  # after a clean apply of the ams01 drain


@pytest.fixture(scope="module")
def fleet(provisioned_fleet, salt_run_cli, salt_cli, salt_master, lab, feed_load) -> Fleet:
    before = configs(lab)
    set_controls(salt_master, DRAIN_AMS01)
    code, data = run_apply(salt_run_cli)
    assert code == 0 and data["status"] == "applied", data
    assert sorted(r for r, o in data["outcomes"].items() if o["outcome"] == "confirmed") == [JUNOS, EOS]
    new = configs(lab)
    assert [r for r in ROUTERS if new[r] != before[r]] == [JUNOS, EOS]
    reset(salt_cli, salt_master, lab, feed_load)
    assert configs(lab) == before
    return Fleet(before, new)


@pytest.fixture
def case(fleet, salt_cli, salt_master, lab, feed_load):
    """After each case: faults cleared, normal load, an empty store; the routers are re-provisioned only
    when one of them is not on its previous config or holds a pending commit."""
    yield fleet
    for router in ROUTERS:
        lab.control(router).clear()
    wait_for(lambda: not any(lab.devices[r].down for r in ROUTERS), 30, "rebooted routers to be back")
    wait_for(lambda: not read_holder(lock_file(salt_master)), 120, "the last run to release the fleet lock")
    if configs(lab) != fleet.before or any(lab_pending(lab).values()):
        reset(salt_cli, salt_master, lab, feed_load)
        return
    feed_load("normal")
    flush_store(salt_master)


def set_controls(salt_master, *controls: dict) -> None:
    master_store(salt_master).set_controls(list(controls))


def flush_store(salt_master) -> None:
    store = master_store(salt_master)
    for key in ("active", "controls", "settings"):
        store.cache.flush(STATE_BANK, key)
    store.cache.flush(HISTORY_BANK)


def lock_file(salt_master) -> Path:
    return Path(salt_master.config["cachedir"]) / "trafficshift" / "fleet.lock"


def lab_pending(lab) -> dict[str, bool]:
    """Whether each router holds an unconfirmed commit, asked of the device itself (not through Salt)."""
    def pending(device) -> bool:
        if device.vendor == "junos":
            return device.db.pending is not None
        return any(s.state == "pendingCommitTimer" for s in device.sessions.values())
    return {r: lab.call(pending, lab.devices[r]) for r in ROUTERS}


def unwrap(data):
    """The runner wraps its return for the `traffic` outputter ({"outputter", "data"}); --out=json may show either."""
    if isinstance(data, dict) and set(data) == {"outputter", "data"}:
        return data["data"]
    return data


def run_apply(salt_run_cli, *args) -> tuple[int, dict]:
    ret = salt_run_cli.run("traffic.apply", *args)
    return ret.returncode, unwrap(ret.data)


def start_salt_run(salt_run_cli, *args, capture: bool = False) -> subprocess.Popen:
    # its own session, so the test can kill exactly this salt-run and whatever it started
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(salt_run_cli.cmdline(*args), stdout=out, stderr=subprocess.DEVNULL,
                            start_new_session=True, text=True)


def last_json(text: str):
    """salt-run --out=json prints one JSON document per progress event, then the return: the last one."""
    decoder, position, value = json.JSONDecoder(), 0, None
    while position < len(text.rstrip()):
        while text[position].isspace():
            position += 1
        value, position = decoder.raw_decode(text, position)
    return value


def one_line(message: str, *fragments: str) -> None:
    """The operator's message: one line holding every fragment (router name, step, ...)."""
    assert isinstance(message, str) and "\n" not in message and len(message) < 1200, message
    for fragment in fragments:
        assert re.search(fragment, message), f"{fragment!r} not in {message!r}"


def whole_configs(lab, fleet: Fleet, end: dict[str, str]) -> None:
    """Every router on its whole previous or whole new config, and on the one this case expects."""
    now = configs(lab)
    half = [r for r in ROUTERS if now[r] not in (fleet.before[r], fleet.new[r], end[r])]
    assert not half, f"routers on neither their previous nor their new config: {half}"
    assert now == end, [r for r in ROUTERS if now[r] != end[r]]
    assert not any(lab_pending(lab).values()), lab_pending(lab)


def the_run(salt_master, **expected) -> dict:
    """The single history record of the case, checked against `expected` (status, trigger, ...)."""
    runs = master_store(salt_master).history()
    assert len(runs) == 1, [(r["id"], r["status"]) for r in runs]
    for key, value in expected.items():
        assert runs[0].get(key) == value, (key, runs[0].get(key), runs[0].get("message"))
    return runs[0]


def outcomes(record_or_ret: dict) -> dict[str, str]:
    return {r: o["outcome"] for r, o in record_or_ret["outcomes"].items()}


def commits_since(lab, marks: dict[str, int]) -> dict[str, list[str]]:
    return {r: [c["kind"] for c in lab.control(r).commits()[marks[r]:]] for r in ROUTERS}


def commit_marks(lab) -> dict[str, int]:
    return {r: len(lab.control(r).commits()) for r in ROUTERS}


# -- device faults through salt-run traffic.apply, on a Junos and on an EOS router --------------------------------
def unreachable(lab, router):
    # new connections refused, and the proxy's open session dropped with a reboot
    lab.control(router).inject(refuse_connections=True)
    lab.control(router).reboot()


@dataclass(frozen=True)
class DeviceFault:
    name: str
    inject: Callable  # (lab, router) before the run
    how: str  # docs/reliability.md "how injected"
    #: what the operator line must say about the router, by vendor (after "<router>: ")
    says: dict[str, str]
    slow: bool = False
    #: the fault keeps the second stage longer than the canary's commit-confirmed timer: the canary reverts by
    #: itself before the rollback reaches it (True: always, the case runs with SHORT_REVERT_IN; None: may)
    canary_times_out: bool | None = False


DEVICE_FAULTS = [
    DeviceFault("unreachable", unreachable, "refuse_connections + reboot",
                {"junos": r"connect failed: ConnectRefusedError", "eos": r"load failed: ConnectionError"}),
    DeviceFault("dropped mid-load", lambda lab, r: lab.control(r).inject(drop_next_load=True), "drop_next_load",
                {"junos": r"load failed: ConnectClosedError", "eos": r"load failed: ConnectionError.*closed"}),
    DeviceFault("commit error",
                lambda lab, r: lab.control(r).inject(fail_next_commit="commit check failed: injected by the matrix"),
                "fail_next_commit", {"junos": r"commit failed: .*injected by the matrix",
                                     "eos": r"commit failed: .*injected by the matrix"}),
    DeviceFault("lock held", lambda lab, r: lab.control(r).inject(lock_held_by="netops"), "lock_held_by",
                {"junos": r"load failed: \w+Error.*locked by: netops", "eos": r"load failed: SessionLockedException"},
                canary_times_out=None),  # NAPALM's EOS driver retries the lock for 10 s
    # every reply 35 s late, the proxies' NAPALM timeout is 30 s; cleared after 20 s (see test)
    DeviceFault("slower than the timeout", lambda lab, r: lab.control(r).inject(delay_s=35), "delay_s 35",
                {"junos": r"load failed: (RpcTimeoutError|LockError)", "eos": r"load failed: ConnectionError.*timed out"},
                slow=True, canary_times_out=True),
]


@pytest.mark.parametrize("router", [JUNOS, EOS], ids=["junos", "eos"])
@pytest.mark.parametrize("fault", DEVICE_FAULTS, ids=[f.name.replace(" ", "-") for f in DEVICE_FAULTS])
def test_device_fault_through_salt_run(fault, router, case, salt_run_cli, salt_master, lab, tmp_path):
    vendor = lab.devices[router].vendor
    if fault.canary_times_out:
        salt_run_cli = salt_run_with_revert_in(salt_master, tmp_path / "salt-run", SHORT_REVERT_IN)
    set_controls(salt_master, DRAIN_AMS01)
    marks = commit_marks(lab)
    fault.inject(lab, router)
    timer = None
    if fault.slow:
        # the requests that reach the router in the first 20 s are answered after 35 s (the client gives up
        # at 30 s); what comes later is answered at once, so the run's clean-up is not slowed down as well
        timer = threading.Timer(20, lambda: lab.control(router).inject(delay_s=0))
        timer.start()
    try:
        code, data = run_apply(salt_run_cli)
    finally:
        if timer:
            timer.cancel()
    assert code == 1, data
    expected = dict(EXPECTED_OUTCOMES[router])
    canary = {"rolled-back": ["commit confirmed", "confirm"],  # the rollback's commit ends the pending one
              "reverted-by-router": ["commit confirmed", "auto-revert"]}  # its timer expired first
    if router == EOS and (fault.canary_times_out or (fault.canary_times_out is None
                                                     and outcomes(data)[JUNOS] == "reverted-by-router")):
        expected[JUNOS] = "reverted-by-router"
    assert data["status"] == "rolled-back" and outcomes(data) == expected, data["outcomes"]
    one_line(data["message"], rf"^apply \S+: rolled-back: {router}: {fault.says[vendor]}",
             "every router is on its previous config",
             *([rf"reverted by the router itself: {JUNOS}"] if expected[JUNOS] == "reverted-by-router" else []))
    record = the_run(salt_master, status="rolled-back", trigger="operator", message=data["message"])
    assert outcomes(record) == expected
    assert record["revert_in"] == (SHORT_REVERT_IN if fault.canary_times_out else REVERT_IN)
    whole_configs(lab, case, case.before)
    assert master_store(salt_master).active() == {}
    assert commits_since(lab, marks)[JUNOS] == (canary[expected[JUNOS]] if router == EOS else [])


# -- a reboot between commit and confirm --------------------------------------------------------------------------
def reboot_after_commit(lab, router, event_listener, master_id, down_s=1.0):
    """A thread that reboots `router` (down `down_s` s) as soon as it has committed a commit-confirmed and its
    proxy's `traffic.apply` has returned to the master (the commit's reply reached the runner)."""
    return after_commit(lab, router, event_listener, master_id, lambda: lab.control(router).reboot(down_s=down_s))


def after_commit(lab, router, event_listener, master_id, action):
    """A thread that runs `action()` as soon as `router` has committed a commit-confirmed and its proxy's
    `traffic.apply` has returned to the master (the commit's reply reached the runner); the returned event
    is set once it has."""
    device = lab.devices[router]
    start = len(device.commits)
    since = time.time()
    done = threading.Event()

    def applied() -> bool:
        returns = event_listener.get_events([(master_id, f"salt/job/*/ret/{router}")], after_time=since)
        return any(event.data.get("fun") == "traffic.apply" for event in returns)

    def watch():
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not done.is_set():
            if any(c.kind in ("commit confirmed", "commit timer") for c in device.commits[start:]) and applied():
                action()
                done.set()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return done


@pytest.mark.parametrize("router", ["fra01-r1", EOS], ids=["junos", "eos"])
def test_router_rebooting_between_commit_and_confirm(router, case, salt_run_cli, salt_master, lab, event_listener):
    # the router shares its stage with a slow one (1 s a reply), so the runner is still waiting for that
    # stage when the router reboots, and finds it rebooted at the health check
    if router == EOS:
        set_controls(salt_master, DRAIN_AMS01)
        partner, expected = "fra01-r1", {"ams01-r1": "rolled-back", EOS: "reverted-by-router",
                                         "fra01-r1": "unchanged", "fra01-r2": "not-attempted"}
    else:  # fra01-r1 (Junos) is in the second stage when fra01 is drained
        set_controls(salt_master, DRAIN_FRA01)
        partner, expected = EOS, {"ams01-r1": "unchanged", EOS: "unchanged", "fra01-r1": "reverted-by-router",
                                  "fra01-r2": "not-attempted"}
    lab.control(partner).inject(delay_s=1.0)
    rebooted = reboot_after_commit(lab, router, event_listener, salt_master.id)
    code, data = run_apply(salt_run_cli)
    assert rebooted.is_set(), "the router never committed"
    assert code == 1, data
    assert data["status"] == "rolled-back" and outcomes(data) == expected, data["outcomes"]
    one_line(data["message"], rf"^apply \S+: rolled-back: {router}: health-check failed: running config differs",
             rf"reverted by the router itself: {router}", "every router is on its previous config")
    record = the_run(salt_master, status="rolled-back", message=data["message"])
    assert "reverted it by itself" in record["outcomes"][router]["note"]
    whole_configs(lab, case, case.before)
    # the router reverted at its reboot; nobody rolled it "back" onto the change again
    kinds = [c["kind"] for c in lab.control(router).commits()]
    assert kinds[-2:] == (["commit confirmed", "auto-revert"] if router != EOS else ["commit timer", "auto-revert"])


# -- a person's commit in the confirm window ----------------------------------------------------------------------
def test_eos_rollback_keeps_a_commit_a_person_made_in_the_confirm_window(case, salt_run_cli, salt_master, lab,
                                                                       event_listener):
    """While ams01-r2's change waits for its confirm (its stage partner is slow), a person commits on it: an NTP
    server, and the deletion of one of our route-maps, which fails our health check. The run rolls back; the
    person's NTP server stays (aborting the EOS session, NAPALM's rollback, would have reverted their commit
    too) and our managed objects are what they were before the run."""
    set_controls(salt_master, DRAIN_AMS01)
    lab.control("fra01-r1").inject(delay_s=1.0)
    entry = lab.inventory()[EOS]
    person = napalm.get_network_driver("eos")(entry["host"], entry["username"], entry["password"],
                                              optional_args=napalm_optional_args(entry))
    person.open()
    edit = ["configure terminal", "ntp server 192.0.2.203", "no route-map TS-OUT-Ethernet1", "end"]
    try:
        acted = after_commit(lab, EOS, event_listener, salt_master.id, lambda: person.device.run_commands(edit))
        code, data = run_apply(salt_run_cli)
        assert acted.is_set(), "ams01-r2 never committed"
        assert code == 1 and data["status"] == "rolled-back", data
        assert outcomes(data) == {JUNOS: "rolled-back", EOS: "rolled-back", "fra01-r1": "unchanged",
                                  "fra01-r2": "not-attempted"}, data["outcomes"]
        assert data["outcomes"][EOS]["step"] == "health-check", data["outcomes"][EOS]
        one_line(data["message"], rf"^apply \S+: rolled-back: {EOS}: health-check failed")
        now = configs(lab)
        assert now[JUNOS] == case.before[JUNOS]
        assert sorted(now[EOS].splitlines()) == sorted(case.before[EOS].splitlines() + ["ntp server 192.0.2.203"])
        assert not any(lab_pending(lab).values())
    finally:
        person.device.run_commands(["configure terminal", "no ntp server 192.0.2.203", "end"])
        person.close()


def test_junos_candidate_edit_in_the_confirm_window_is_refused_not_confirmed_with_ours(case, salt_run_cli,
                                                                                     salt_master, lab, event_listener):
    """While the canary ams01-r1's change waits for its confirm, a person edits the shared candidate: NAPALM would
    have released the lock after the commit, and its confirm (a plain commit) would commit their edit with ours.
    The edit is refused (the lock is ours until the confirm); the run applies only the plan."""
    set_controls(salt_master, DRAIN_AMS01)
    lab.control(EOS).inject(delay_s=0.3)  # the second stage takes a while: the canary's window stays open
    entry = lab.inventory()[JUNOS]
    person = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={**napalm_optional_args(entry), "lock_disable": True})
    person.open()
    refused = []

    def edit():
        try:
            person.load_merge_candidate(config="set system host-name edited-in-the-window")
        except Exception as exc:  # the lock error, as the person's CLI would show it
            refused.append(str(exc))

    try:
        acted = after_commit(lab, JUNOS, event_listener, salt_master.id, edit)
        code, data = run_apply(salt_run_cli)
        assert acted.is_set(), "ams01-r1 never committed"
        assert code == 0 and data["status"] == "applied", data
        assert refused and "locked" in refused[0], refused
        whole_configs(lab, case, case.new)
        assert "edited-in-the-window" not in configs(lab)[JUNOS]
    finally:
        person.close()


# -- the runner killed between commit and confirm ------------------------------------------------------------------
def test_runner_killed_between_commit_and_confirm_routers_revert_by_themselves(case, salt_run_cli, salt_master, lab,
                                                                             tmp_path):
    """Both vendors hold a pending commit when salt-run (the runner's process) is killed; the master is the same
    case for the routers (docs/reliability.md)."""
    set_controls(salt_master, DRAIN_AMS01)
    lab.control(EOS).inject(delay_s=0.3)  # a slow health check on ams01-r2 keeps the run before its confirm
    store = master_store(salt_master)

    def both_committed():
        return [r for r in store.history()
                if all(r.get("outcomes", {}).get(router, {}).get("outcome") == "pending" for router in (JUNOS, EOS))]

    runner = start_salt_run(salt_run_with_revert_in(salt_master, tmp_path / "salt-run", KILLED_RUN_REVERT_IN),
                            "traffic.apply")
    try:
        run = wait_for(both_committed, 90, "both ams01 routers' commits", interval=0.1)[0]
        os.killpg(runner.pid, signal.SIGKILL)
    finally:
        runner.wait(30)
    lab.control(EOS).clear()
    now = configs(lab)
    assert now[JUNOS] == case.new[JUNOS] and now[EOS] == case.new[EOS]  # committed, never confirmed
    assert lab_pending(lab) == {JUNOS: True, EOS: True, "fra01-r1": False, "fra01-r2": False}
    assert store.run(run["id"])["status"] == "running"  # what the killed runner left behind
    assert store.run(run["id"])["revert_in"] == KILLED_RUN_REVERT_IN
    wait_for(lambda: configs(lab) == case.before, KILLED_RUN_REVERT_IN / TIME_SCALE + 60,
             "the routers to revert their unconfirmed commits")

    status = salt_run_cli.run("traffic.status")  # the next runner call reconciles the record
    assert status.returncode == 0, status
    status = unwrap(status.data)
    assert status["last_runs"][0]["id"] == run["id"] and status["last_runs"][0]["status"] == "reverted-by-routers"
    assert status["pending"] == {} and status["drift"] == {}
    record = the_run(salt_master, status="reverted-by-routers")
    assert outcomes(record)[JUNOS] == outcomes(record)[EOS] == "reverted-by-router"
    one_line(record["note"], "runner died before confirm", "reverted their unconfirmed commits by themselves")
    assert [c["kind"] for c in lab.control(JUNOS).commits()][-2:] == ["commit confirmed", "auto-revert"]
    assert [c["kind"] for c in lab.control(EOS).commits()][-2:] == ["commit timer", "auto-revert"]
    whole_configs(lab, case, case.before)
    assert store.active() == {}


# -- two applies at once ----------------------------------------------------------------------------------------------
def test_two_applies_at_once_one_applies_the_other_is_refused_naming_the_holder(case, salt_run_cli, salt_master, lab):
    set_controls(salt_master, DRAIN_AMS01)
    lab.control(JUNOS).inject(delay_s=0.5)  # the canary takes seconds: the two runs overlap
    first, second = (start_salt_run(salt_run_cli, "traffic.apply", capture=True) for _ in range(2))
    results = {}
    for proc in (first, second):
        out, _ = proc.communicate(timeout=240)
        results[proc.pid] = (proc.returncode, unwrap(last_json(out)))
    codes = sorted(code for code, _ in results.values())
    assert codes == [0, 1], results
    (winner, (_, applied)), = [(pid, r) for pid, r in results.items() if r[0] == 0]
    (_, refused), = [r for r in results.values() if r[0] == 1]
    assert applied["status"] == "applied", applied
    one_line(refused["error"], r"^fleet lock held by traffic.apply", str(winner))
    assert refused["holder"]["pid"] == winner and refused["holder"]["who"] == "traffic.apply"
    the_run(salt_master, status="applied")  # only the winner ran
    whole_configs(lab, case, case.new)


# -- load source down or returning partial data --------------------------------------------------------------------------
def half_the_links(load_file, lab):
    data = yaml.safe_load((HERE / "data" / "load-normal.yaml").read_text())
    links = sorted(data["links"])
    data["links"] = {link: data["links"][link] for link in links[: len(links) // 2]}
    load_file.write_text(yaml.safe_dump(restamp(data, lab.clock.now()), sort_keys=True))
    return links[len(links) // 2:]


LOAD_FAULTS = {
    "file missing": (lambda load_file, lab: load_file.unlink(), r"no `traffic_load` in the pillar"),
    "file unreadable": (lambda load_file, lab: load_file.write_text("links: {{{ not yaml\n"),
                        r"no `traffic_load` in the pillar"),
    "half the links missing": (half_the_links, r"fail-static.*links:fra01-r2:Ethernet1"),
}


@pytest.mark.parametrize("fault", sorted(LOAD_FAULTS), ids=[f.replace(" ", "-") for f in sorted(LOAD_FAULTS)])
def test_load_source_fault_through_salt_run_pushes_nothing(fault, case, salt_run_cli, salt_master, lab, load_file):
    set_controls(salt_master, DRAIN_AMS01)
    inject, says = LOAD_FAULTS[fault]
    inject(load_file, lab)
    marks = commit_marks(lab)
    code, data = run_apply(salt_run_cli)
    assert code == 1 and data["result"] is False, data
    one_line(data["error"], says, "nothing (planned|applied)")
    assert commits_since(lab, marks) == {r: [] for r in ROUTERS}
    assert master_store(salt_master).history() == []
    whole_configs(lab, case, case.before)


# -- the reactor path: a load alert -> traffic.rebalance ------------------------------------------------------------------
def send_alert(salt_run_cli) -> float:
    started = time.time()
    sent = salt_run_cli.run("event.send", "trafficshift/load/alert", '{"link": "ams01-r1:et-0/0/0"}')
    assert sent.returncode == 0, sent
    return started


def rebalance_done(event_listener, salt_master, started) -> dict:
    def done():
        return [e.data for e in event_listener.get_events([(salt_master.id, "trafficshift/rebalance/done")],
                                                          after_time=started) if e.data.get("trigger") == "alert"]
    return wait_for(done, 120, "the alert's rebalance to finish")[0]


@pytest.mark.parametrize("fault,router", [(DEVICE_FAULTS[0], JUNOS), (DEVICE_FAULTS[2], EOS),
                                          (DEVICE_FAULTS[3], JUNOS)],
                         ids=["unreachable-junos", "commit-error-eos", "lock-held-junos"])
def test_device_fault_through_the_reactor(fault, router, case, salt_run_cli, salt_master, lab, event_listener):
    vendor = lab.devices[router].vendor
    set_controls(salt_master, DRAIN_AMS01)
    fault.inject(lab, router)
    done = rebalance_done(event_listener, salt_master, send_alert(salt_run_cli))
    assert done["status"] == "rolled-back" and done["error"] is None, done
    one_line(done["message"], rf"^apply \S+: rolled-back: {router}: {fault.says[vendor]}")
    record = the_run(salt_master, status="rolled-back", trigger="alert", message=done["message"])
    assert outcomes(record) == EXPECTED_OUTCOMES[router]
    failed = [e.data for e in event_listener.get_events([(salt_master.id, "trafficshift/apply/failed")],
                                                        after_time=record["started"] - 1)]
    assert [e["message"] for e in failed] == [done["message"]]
    whole_configs(lab, case, case.before)


@pytest.mark.parametrize("fault", ["file missing", "half the links missing"], ids=["file-missing", "half-the-links"])
def test_load_source_fault_through_the_reactor_pushes_nothing(fault, case, salt_run_cli, salt_master, lab, load_file,
                                                              event_listener):
    set_controls(salt_master, DRAIN_AMS01)
    inject, says = LOAD_FAULTS[fault]
    inject(load_file, lab)
    marks = commit_marks(lab)
    done = rebalance_done(event_listener, salt_master, send_alert(salt_run_cli))
    assert done["run"] is None, done
    one_line(done["message"], says)
    assert commits_since(lab, marks) == {r: [] for r in ROUTERS}
    assert master_store(salt_master).history() == []
    whole_configs(lab, case, case.before)


# -- a router whose managed config was changed by hand ----------------------------------------------------------------------
def by_hand(lab, router, config: str) -> None:
    """An operator replaces the router's config outside trafficshift (NAPALM straight to the device)."""
    entry = lab.inventory()[router]
    driver = napalm.get_network_driver(entry["vendor"])(entry["host"], entry["username"], entry["password"],
                                                        optional_args=napalm_optional_args(entry))
    driver.open()
    try:
        driver.load_replace_candidate(config=config)
        driver.commit_config()
    finally:
        driver.close()


@pytest.mark.parametrize("router", [JUNOS, EOS], ids=["junos", "eos"])
def test_drift_by_hand_status_reports_it_and_apply_converges_back_to_the_plan(router, case, salt_run_cli,
                                                                             salt_master, lab, feed_load):
    # egress overload: the plan detours one prefix on ams01-r2 (EOS) and nothing on ams01-r1 (Junos); planning
    # again gives the same plan (a drain would move one more step per apply)
    feed_load("egress-overload")
    code, data = run_apply(salt_run_cli)
    assert code == 0 and data["status"] == "applied", data
    assert outcomes(data)[EOS] == "confirmed"
    shifted = configs(lab)
    if router == EOS:  # someone took the shift off by hand
        by_hand(lab, EOS, case.before[EOS])
        drift = {"missing": True, "unexpected": False}
    else:  # someone put a shift on by hand that the plan does not have (the ams01 drain's)
        by_hand(lab, JUNOS, case.new[JUNOS])
        drift = {"missing": False, "unexpected": True}
    assert configs(lab)[router] != shifted[router]

    status = unwrap(salt_run_cli.run("traffic.status").data)
    assert sorted(status["drift"]) == [router], status["drift"]
    assert {k: bool(v) for k, v in status["drift"][router].items()} == drift and status["pending"] == {}

    code, data = run_apply(salt_run_cli)
    assert code == 0 and data["status"] == "applied", data
    assert outcomes(data) == {r: "confirmed" if r == router else "unchanged" for r in ROUTERS}
    one_line(data["message"], rf"applied: {router} confirmed", rf"{router} had drifted from the active plan")
    runs = master_store(salt_master).history()
    assert [r["status"] for r in runs] == ["applied", "applied"] and runs[0]["drift_corrected"] == [router]
    whole_configs(lab, case, shifted)
    assert unwrap(salt_run_cli.run("traffic.status").data)["drift"] == {}
