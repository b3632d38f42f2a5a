"""trafficshift.fleet.store over the in-memory cache and Salt's own localfs cache, and the fleet lock."""
from __future__ import annotations

import json
import multiprocessing
import threading

import pytest

from trafficshift.errors import TrafficShiftError
from trafficshift.fleet.store import FleetLock, LockHeld, MemoryCache, Store, new_run_id, read_holder


def salt_localfs_cache(tmp_path):
    import salt.cache
    import salt.config

    opts = salt.config.master_config(None)
    opts.update(cachedir=str(tmp_path / "cache"), cache="localfs")
    return salt.cache.Cache(opts)


@pytest.fixture(params=["memory", "salt-localfs"])
def store(request, tmp_path):
    return Store(MemoryCache() if request.param == "memory" else salt_localfs_cache(tmp_path))


def test_active_plan_controls_and_settings_round_trip(store):
    assert store.active() == {} and store.controls() == [] and store.settings() == {}
    store.set_active("run-1", {"intents": [], "status": "ok"}, ["fra01"])
    store.set_controls([{"kind": "drain", "element": "site", "name": "ams01"}])
    store.update_settings(rebalance_interval=30)
    assert store.update_settings(other=1) == {"rebalance_interval": 30, "other": 1}
    assert store.active() == {"run": "run-1", "plan": {"intents": [], "status": "ok"}, "drained_sites": ["fra01"]}
    assert store.controls() == [{"kind": "drain", "element": "site", "name": "ams01"}]


def test_history_is_newest_first_and_keeps_the_previous_plan(store):
    store.record("20260101T000000.000000-1", {"status": "applied", "inputs": {"previous": None}})
    store.record("20260101T000001.000000-1", {"status": "applied", "inputs": {"previous": {"intents": [1]}}})
    assert [r["id"] for r in store.history()] == ["20260101T000001.000000-1", "20260101T000000.000000-1"]
    assert [r["id"] for r in store.history(limit=1)] == ["20260101T000001.000000-1"]
    assert store.previous_active("20260101T000001.000000-1") == {"intents": [1]}
    with pytest.raises(TrafficShiftError, match="no run 'nope'"):
        store.run("nope")


def test_first_start_is_reported_once_per_minion(store):
    assert store.mark_seen("ams01-r1", 1.0) is True
    assert store.mark_seen("ams01-r1", 2.0) is False
    assert store.mark_seen("fra01-r1", 3.0) is True
    assert store.seen() == {"ams01-r1": 1.0, "fra01-r1": 3.0}


def test_run_ids_sort_by_time():
    assert new_run_id(1_000_000_000.5) < new_run_id(1_000_000_001.0)
    assert new_run_id(0).startswith("19700101T000000.000000-")


def test_second_holder_is_refused_with_holder_and_since(tmp_path):
    path = tmp_path / "fleet.lock"
    with FleetLock(path, who="traffic.apply"):
        holder = read_holder(path)
        assert holder["who"] == "traffic.apply" and holder["since"] > 0
        with pytest.raises(LockHeld) as refused:
            FleetLock(path, who="traffic.rebalance").acquire()
        assert refused.value.holder == holder
        assert "held by traffic.apply" in str(refused.value) and "since 20" in str(refused.value)
    assert read_holder(path) == {}
    with FleetLock(path, who="again"):  # free again after release
        pass


def test_lock_refuses_another_thread_of_the_same_process(tmp_path):
    path = tmp_path / "fleet.lock"
    errors = []
    with FleetLock(path, who="first"):
        def second():
            try:
                FleetLock(path, who="second").acquire()
            except LockHeld as exc:
                errors.append(exc.holder["who"])
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert errors == ["first"]


def _hold_and_die(path, ready):
    FleetLock(path, who="doomed").acquire()
    ready.set()
    import os
    os._exit(0)  # dies holding the lock, no release


def test_lock_of_a_dead_holder_is_free(tmp_path):
    path = tmp_path / "fleet.lock"
    ready = multiprocessing.Event()
    process = multiprocessing.get_context("fork").Process(target=_hold_and_die, args=(path, ready))
    process.start()
    process.join(10)
    assert ready.is_set()
    assert json.loads(path.read_text())["who"] == "doomed"  # the record is left behind ...
    assert read_holder(path) == {}  # ... but nobody holds the lock
    with FleetLock(path, who="next"):
        assert read_holder(path)["who"] == "next"


def test_a_recorded_run_replays_to_the_same_plan():
    from pathlib import Path

    import yaml

    from trafficshift import planner
    from trafficshift.model.controls import Drain
    from trafficshift.fleet.store import replay
    from trafficshift.validation import parse_load, parse_network

    salt_tests = Path(__file__).resolve().parents[1] / "salt"
    network_data = yaml.safe_load((salt_tests / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
    load_data = yaml.safe_load((salt_tests / "data" / "load-egress-overload.yaml").read_text())
    now = load_data["timestamp"] + 10
    network = parse_network(network_data)
    controls = [Drain("site", "fra01").to_dict()]
    planned = planner.plan(network, parse_load(load_data, network, now=now).load, None, [Drain("site", "fra01")], now)
    record = {"id": "r1", "kind": "apply", "plan": planned.to_dict(),
              "inputs": {"network": network_data, "load": load_data, "previous": None, "controls": controls, "now": now}}
    assert planned.intents and replay(record).to_json() == planned.to_json()
    with pytest.raises(TrafficShiftError, match="no inputs to replay"):
        replay({"id": "r2", "kind": "rollback", "inputs": {"previous": None}})
