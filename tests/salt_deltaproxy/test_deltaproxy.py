"""One Salt deltaproxy process manages every router of the lab (2 Junos, 2 EOS) as NAPALM sub-proxies:
each sub-proxy answers list-targeted jobs, `salt-run traffic.apply` commits confirmed and confirms on both
vendors through it, a failure on one router is that router's result, and no credential is in pillar."""
from __future__ import annotations

import json
import time

import psutil
import pytest

from delta_fleet import REVERT_IN, ROUTERS, commit_kinds, configs, every, master_store, wait_for

pytestmark = pytest.mark.usefixtures("clean_delta_fleet")

#: the last commits of a confirmed commit, per vendor (routerlab's commit history kinds)
CONFIRMED = {"junos": ["commit confirmed", "confirm"], "eos": ["commit timer", "confirm"]}
VENDOR = {"ams01-r1": "junos", "ams01-r2": "eos", "fra01-r1": "junos", "fra01-r2": "eos"}


def test_every_subproxy_answers_from_one_process(delta_cli, delta_proxy):
    pings = every(delta_cli, "test.ping")
    assert pings.returncode == 0 and pings.data == {router: True for router in ROUTERS}, pings
    current = every(delta_cli, "traffic.current")
    empty = {"intents": [], "unknown_objects": []}
    assert current.data == {router: {"router": router, **empty} for router in ROUTERS}, current
    # one process: the controller's pid runs every sub-proxy's jobs (jobs are threads of it)
    pids = every(delta_cli, "cmd.run", "echo $PPID", "python_shell=True").data
    tree = {delta_proxy.pid} | {child.pid for child in psutil.Process(delta_proxy.pid).children(recursive=True)}
    assert sorted(pids) == ROUTERS and len(set(pids.values())) == 1 and int(pids["ams01-r1"]) in tree, (tree, pids)


def threads(pid: int) -> int:
    process = psutil.Process(pid)
    return sum(p.num_threads() for p in [process, *process.children(recursive=True)])


def test_subproxy_jobs_end_once_their_return_is_sent(delta_cli, delta_proxy):
    # Salt 3008.4 alone: every sub-proxy job thread waits 30 s for the reply to its return, which its
    # listener filters out, and meanwhile unpacks every event of the controller (saltext.trafficshift.proxy)
    idle = threads(delta_proxy.pid)
    for _ in range(3):
        pings = every(delta_cli, "test.ping")
        assert pings.data == {router: True for router in ROUTERS}, pings
    # 3 jobs x 4 sub-proxies = 12 job threads; a keep-alive job may be running too
    wait_for(lambda: threads(delta_proxy.pid) <= idle + 2, 25, "the sub-proxy job threads to end",
             interval=0.2)


def test_pillar_has_where_to_find_the_credentials_but_not_them(delta_cli, delta_lab, credentials_file):
    # pillar.raw: the pillar the sub-proxy runs with. (pillar.items compiles afresh for __opts__["id"], which
    # names another sub-proxy of the same process, salt#70144: it returned ams01-r1's pillar for ams01-r2.)
    pillar = every(delta_cli, "pillar.raw", "unmask=True").data
    for router in ROUTERS:
        proxy = pillar[router]["proxy"]
        assert proxy["provider"] == "trafficshift.napalm_provider"
        assert proxy["optional_args"]["credentials"] == {"file": str(credentials_file), "key": router}
        assert proxy["router"] == router  # what the traffic module takes as its router id (salt#70144)
        assert "passwd" not in proxy and "password" not in proxy and "username" not in proxy
        assert delta_lab.inventory()[router]["password"] not in json.dumps(pillar[router])
    assert oct(credentials_file.stat().st_mode & 0o777) == "0o600"


def test_apply_commits_confirmed_and_confirms_on_both_vendors(delta_run_cli, delta_cli, delta_master, delta_lab,
                                                             delta_feed_load):
    delta_feed_load("both-vendors")
    before = configs(delta_lab)
    started = delta_lab.clock.now()  # device time; the commits come after
    ret = delta_run_cli.run("traffic.apply")
    assert ret.returncode == 0, ret
    assert ret.data["status"] == "applied", ret.data
    assert master_store(delta_master).run(ret.data["run"])["revert_in"] == REVERT_IN
    outcomes = {router: outcome["outcome"] for router, outcome in ret.data["outcomes"].items()}
    assert outcomes == {"ams01-r1": "unchanged", "ams01-r2": "confirmed", "fra01-r1": "confirmed",
                        "fra01-r2": "unchanged"}, ret.data["outcomes"]
    after = configs(delta_lab)
    assert sorted(r for r in ROUTERS if after[r] != before[r]) == ["ams01-r2", "fra01-r1"]
    for router in ("ams01-r2", "fra01-r1"):
        assert commit_kinds(delta_lab, router)[-2:] == CONFIRMED[VENDOR[router]], commit_kinds(delta_lab, router)
    # confirmed for real: the routers keep the change after the commit-confirmed timer (REVERT_IN lab s) passed
    time.sleep(max(0.0, started + REVERT_IN - delta_lab.clock.now()) / delta_lab.clock.time_scale + 2)
    assert configs(delta_lab) == after
    assert all(commit_kinds(delta_lab, router)[-1] == "confirm" for router in ("ams01-r2", "fra01-r1"))
    current = every(delta_cli, "traffic.current", routers=["ams01-r2", "fra01-r1"]).data
    assert sorted(i["router"] for reply in current.values() for i in reply["intents"]) == \
        sorted(i["router"] for i in ret.data["plan"]["intents"])
    assert master_store(delta_master).active()["run"] == ret.data["run"]


def test_a_failure_on_one_subproxy_is_that_routers_result(delta_run_cli, delta_cli, delta_lab, delta_feed_load):
    delta_feed_load("both-vendors")
    before = configs(delta_lab)
    delta_lab.control("fra01-r1").inject(fail_next_commit="simulated commit failure")
    ret = delta_run_cli.run("traffic.apply")
    assert ret.returncode == 1, ret
    outcomes = ret.data["outcomes"]
    assert ret.data["status"] == "rolled-back", outcomes
    assert outcomes["fra01-r1"]["outcome"] == "failed" and "simulated commit failure" in outcomes["fra01-r1"]["error"]
    # ams01-r2 committed in the same stage and was rolled back; the others had nothing to do
    assert outcomes["ams01-r2"]["outcome"] == "rolled-back", outcomes
    assert {outcomes[r]["outcome"] for r in ("ams01-r1", "fra01-r2")} == {"unchanged"}, outcomes
    assert configs(delta_lab) == before
    # nothing is left waiting for a confirm, and every sub-proxy (the failed router's too) still answers
    pending = every(delta_cli, "traffic.pending")
    assert pending.data == {router: {"router": router, "pending": False} for router in ROUTERS}, pending
