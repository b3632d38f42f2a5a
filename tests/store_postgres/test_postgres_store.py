"""trafficshift.fleet.postgres on a real PostgreSQL (tests/postgres_server.py): the Cache contract, the lease
lock between several "masters" (LeaseLock instances, each with its own connection), and error messages."""
from __future__ import annotations

import os
import socket
import threading
import time

import psycopg
import pytest

from trafficshift.errors import TrafficShiftError
from trafficshift.fleet.postgres import LeaseLock, PostgresCache
from trafficshift.fleet.store import LockHeld, LockLost, MemoryCache, StoreUnavailable

NESTED = {"plan": {"intents": [{"router": "ams01-r1", "prefixes": ["10.0.0.0/8"], "weight": 0.25,
                                "big": 2 ** 53 + 1, "on": True, "off": None}],
                   "status": "ok"},
          "nested": [[1, [2, {"deep": {"deeper": ["x"]}}]], {}], "unicode": "Zürich – 東京", "float": 1e-300,
          "empty": "", "negative": -7.5}


@pytest.fixture(params=["memory", "postgres"])
def cache(request):
    """The contract is MemoryCache's; the PostgreSQL cache must behave the same."""
    if request.param == "memory":
        yield MemoryCache()
        return
    cache = PostgresCache(request.getfixturevalue("postgres"))
    yield cache
    cache.close()


# -- the Cache contract ------------------------------------------------------------------------------------------
def test_nested_json_round_trips_and_store_overwrites(cache):
    cache.store("trafficshift/history", "run-1", NESTED)
    assert cache.fetch("trafficshift/history", "run-1") == NESTED
    cache.store("trafficshift/history", "run-1", {"replaced": [1]})
    assert cache.fetch("trafficshift/history", "run-1") == {"replaced": [1]}
    cache.store("trafficshift/state", "list", [1, "two", None])
    assert cache.fetch("trafficshift/state", "list") == [1, "two", None]


def test_fetch_of_an_absent_key_or_bank_is_empty(cache):
    assert cache.fetch("trafficshift/state", "active") == {}
    assert cache.fetch("no/such/bank", "x") == {}
    assert cache.list("no/such/bank") == []


def test_list_is_sorted_as_python_sorts_and_per_bank(cache):
    keys = ["b", "B", "a", "20260101T000001.000000-1", "20260101T000000.000000-9", "_x", "é", "Z"]
    for key in keys:
        cache.store("bank/one", key, {"k": key})
    cache.store("bank/two", "other", {})
    assert cache.list("bank/one") == sorted(keys)
    assert cache.list("bank/two") == ["other"]


def test_flush_one_key_and_a_whole_bank(cache):
    for key in ("a", "b", "c"):
        cache.store("bank/one", key, {"k": key})
    cache.store("bank/two", "a", {"kept": True})
    cache.flush("bank/one", "b")
    cache.flush("bank/one", "absent")  # nothing to flush is fine
    assert cache.list("bank/one") == ["a", "c"] and cache.fetch("bank/one", "b") == {}
    cache.flush("bank/one")
    assert cache.list("bank/one") == [] and cache.fetch("bank/one", "a") == {}
    assert cache.fetch("bank/two", "a") == {"kept": True}
    cache.flush("no/such/bank")


def test_two_caches_share_one_database(postgres):
    """Two masters' stores see each other's writes."""
    first, second = PostgresCache(postgres), PostgresCache(postgres)
    first.store("trafficshift/state", "active", {"run": "r1"})
    assert second.fetch("trafficshift/state", "active") == {"run": "r1"}
    first.close(), second.close()


def test_a_broken_connection_is_reopened(postgres):
    cache = PostgresCache(postgres)
    cache.store("bank", "k", {"v": 1})
    with psycopg.connect(postgres, autocommit=True) as admin:  # the server drops the cache's session
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE pid <> pg_backend_pid() AND datname = current_database()")
    assert cache.fetch("bank", "k") == {"v": 1}
    cache.close()


def test_tables_are_created_once_by_masters_starting_together(postgres_dsn):
    """A fresh database: eight first uses at once (cache and lock) create the tables without a race."""
    name = f"fresh_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    errors, barrier = [], threading.Barrier(8)

    def first_use(index):
        try:
            barrier.wait()
            if index % 2:
                PostgresCache(dsn).store("bank", f"k{index}", {"i": index})
            else:
                LeaseLock(dsn, f"lock{index}", "t").holder()
        except Exception as exc:  # noqa: BLE001 -- collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert PostgresCache(dsn).list("bank") == ["k1", "k3", "k5", "k7"]


# -- the lease lock ----------------------------------------------------------------------------------------------
def test_exclusive_between_two_masters_with_the_holder_in_the_refusal(postgres):
    first = LeaseLock(postgres, "fleet", "traffic.apply")
    second = LeaseLock(postgres, "fleet", "traffic.rebalance")
    holder = first.acquire()
    assert holder["who"] == "traffic.apply" and holder["pid"] == os.getpid()
    assert holder["host"] == socket.gethostname() and holder["token"] == first.token
    assert abs(holder["since"] - time.time()) < 60 and holder["expires"] - holder["since"] == pytest.approx(120)
    assert second.holder() == holder
    with pytest.raises(LockHeld) as refused:
        second.acquire()
    assert refused.value.holder == holder
    assert "held by traffic.apply" in str(refused.value) and "since 20" in str(refused.value)
    assert second.token is None
    assert LeaseLock(postgres, "another-fleet", "x").acquire()["who"] == "x"  # names are independent
    first.release()
    assert second.holder() == {}
    assert second.acquire()["token"] > holder["token"]  # free again, with a new token
    second.release()


def test_expiry_lets_a_second_master_in_and_fences_the_first(postgres):
    first = LeaseLock(postgres, "fleet", "paused", lease_s=0.5)
    second = LeaseLock(postgres, "fleet", "successor")
    old = first.acquire()
    assert first.check() > 0
    time.sleep(0.6)  # the first master pauses past its lease
    assert first.holder() == {}
    new = second.acquire()
    assert new["token"] > old["token"] and new["who"] == "successor"
    with pytest.raises(LockLost, match=r"taken over by successor .*check refused"):
        first.check()
    with pytest.raises(LockLost, match=r"taken over by successor .*renew refused"):
        first.renew()
    first.release()  # a fenced holder's release leaves the successor's lease alone
    assert second.holder() == new and second.check() > 100
    second.release()


def test_an_expired_lease_is_lost_even_when_nobody_took_it(postgres):
    lock = LeaseLock(postgres, "fleet", "slow", lease_s=0.2)
    lock.acquire()
    time.sleep(0.3)
    with pytest.raises(LockLost, match="lease expired"):
        lock.check()
    with pytest.raises(LockLost, match="lease expired"):
        lock.renew()
    lock.release()


def test_renew_extends_and_check_keeps_a_margin(postgres):
    lock = LeaseLock(postgres, "fleet", "long-run", lease_s=1.0)
    lock.acquire()
    time.sleep(0.4)
    assert lock.check() < 0.65  # the lease runs down ...
    assert lock.renew() == pytest.approx(1.0, abs=0.05)  # ... and renew() restores it
    assert lock.check() > 0.9
    with pytest.raises(LockLost, match="only .* s of lease left"):
        lock.check(margin_s=5)
    lock.release()
    with pytest.raises(LockLost, match="not held"):
        lock.check()


def test_tokens_are_never_reused_across_release_and_expiry(postgres):
    tokens = []
    for lease_s in (100, 0.05, 100):
        lock = LeaseLock(postgres, "fleet", "t", lease_s=lease_s)
        tokens.append(lock.acquire()["token"])
        if lease_s < 1:
            time.sleep(0.1)  # left to expire, never released
        else:
            lock.release()
    assert tokens == sorted(set(tokens))


def test_context_manager_releases(postgres):
    with LeaseLock(postgres, "fleet", "with") as lock:
        assert lock.holder()["who"] == "with"
        with pytest.raises(LockHeld):
            LeaseLock(postgres, "fleet", "other").acquire()
    assert LeaseLock(postgres, "fleet", "reader").holder() == {}


def test_concurrent_acquires_from_two_threads_exactly_one_wins(postgres):
    for round_ in range(20):
        locks = [LeaseLock(postgres, "fleet", f"thread-{i}") for i in range(2)]
        barrier, won, refused = threading.Barrier(2), [], []

        def contend(lock):
            barrier.wait()
            try:
                won.append(lock.acquire())
            except LockHeld as exc:
                refused.append(exc.holder)

        threads = [threading.Thread(target=contend, args=(lock,)) for lock in locks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1 and len(refused) == 1, (round_, won, refused)
        assert refused[0]["token"] == won[0]["token"]
        for lock in locks:
            lock.release()


# -- errors --------------------------------------------------------------------------------------------------
def test_an_unreachable_server_is_named_without_the_password(postgres_dsn):
    from postgres_server import PASSWORD
    from prometheus_server import free_port

    wrong = postgres_dsn.rsplit(":", 1)[0] + f":{free_port()}/postgres"  # nobody listens there
    assert PASSWORD in wrong
    failures = []
    for attempt in (lambda: PostgresCache(wrong).fetch("bank", "k"),
                    lambda: PostgresCache(wrong).store("bank", "k", {}),
                    lambda: LeaseLock(wrong, "fleet", "t").acquire()):
        with pytest.raises(StoreUnavailable) as failed:
            attempt()
        failures.append(failed.value)
    assert "fetch bank/k failed" in str(failures[0]) and "acquire lock fleet failed" in str(failures[2])
    for failure in failures:
        assert "trafficshift@127.0.0.1:" in str(failure)
        assert PASSWORD not in str(failure) and PASSWORD not in repr(failure)
        assert failure.__cause__ is None and failure.__suppress_context__  # no psycopg error chained to a log


def test_a_wrong_password_is_not_echoed(postgres_dsn):
    from postgres_server import PASSWORD

    wrong = postgres_dsn.replace(PASSWORD, "not-the-password-42")
    with pytest.raises(StoreUnavailable, match="password authentication failed") as failed:
        PostgresCache(wrong).list("bank")
    assert "not-the-password-42" not in str(failed.value)


def test_an_invalid_dsn_is_not_quoted():
    with pytest.raises(TrafficShiftError, match="invalid PostgreSQL DSN") as failed:
        PostgresCache("host=x password=hunter2 this-is-not-a-dsn")
    assert "hunter2" not in str(failed.value)


def test_release_never_raises_when_the_server_is_gone(postgres_dsn):
    from prometheus_server import free_port

    lock = LeaseLock(postgres_dsn.rsplit(":", 1)[0] + f":{free_port()}/postgres", "fleet", "t")
    lock.token = 7  # as if acquired before the database went away
    lock.release()
    assert lock.token is None
