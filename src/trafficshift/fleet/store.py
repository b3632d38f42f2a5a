"""The runner's state: active plan, run history, operator controls, and the fleet lock.

Kept through a small duck-typed cache with ``store(bank, key, data)``, ``fetch(bank, key)`` (``{}`` when
missing), ``list(bank)`` and ``flush(bank, key=None)``: Salt's master cache (``salt.cache.Cache(opts)``,
localfs under the master cachedir by default, any Salt cache backend for several masters) satisfies it, and
so does `MemoryCache` in unit tests. Values are plain JSON-safe dicts.

Banks (all under ``trafficshift/``):
- ``trafficshift/state``: ``active`` (the plan the fleet is on, as Plan.to_dict plus the run id that put it
  there), ``controls`` (operator controls, trafficshift.model.controls dicts), ``settings`` (e.g. the periodic
  rebalance interval).
- ``trafficshift/minions``: one key per proxy seen starting, for first-start provisioning.
- ``trafficshift/history``: one record per run, key = run id (sortable: ``YYYYmmddTHHMMSS.ffffff-<pid>``),
  with the inputs snapshot (network, load, previous plan, controls, now) so the plan can be replayed, the
  plan, the per-router outcomes and the final status.

The lock is not in the cache: a cache backend has no compare-and-set. `FleetLock` is an ``flock`` on a
file in a local directory (the master cachedir), which is atomic on one host and released by the kernel
when the holder dies; the holder record (who, since when) is written into the locked file. With several
masters each has its own lock file: run the runner on one master only (docs/salt-integration.md), or use
the PostgreSQL store and lease lock of trafficshift.fleet.postgres (docs/scale.md).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from trafficshift.errors import TrafficShiftError

STATE_BANK = "trafficshift/state"
HISTORY_BANK = "trafficshift/history"
MINIONS_BANK = "trafficshift/minions"


class Cache(Protocol):
    def store(self, bank: str, key: str, data: Any) -> None: ...
    def fetch(self, bank: str, key: str) -> Any: ...
    def list(self, bank: str) -> list[str]: ...
    def flush(self, bank: str, key: str | None = None) -> None: ...


class MemoryCache:
    """In-memory stand-in for salt.cache.Cache (unit tests); copies values like a serialising backend."""

    def __init__(self) -> None:
        self.banks: dict[str, dict[str, str]] = {}

    def store(self, bank: str, key: str, data: Any) -> None:
        self.banks.setdefault(bank, {})[key] = json.dumps(data)

    def fetch(self, bank: str, key: str) -> Any:
        raw = self.banks.get(bank, {}).get(key)
        return {} if raw is None else json.loads(raw)

    def list(self, bank: str) -> list[str]:
        return sorted(self.banks.get(bank, {}))

    def flush(self, bank: str, key: str | None = None) -> None:
        if key is None:
            self.banks.pop(bank, None)
        else:
            self.banks.get(bank, {}).pop(key, None)


def new_run_id(now: float | None = None) -> str:
    """Sortable, unique per process and instant: ``20260101T120000.123456-4242``."""
    stamp = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return f"{stamp:%Y%m%dT%H%M%S.%f}-{os.getpid()}"


class LockHeld(TrafficShiftError):
    """Another run holds the fleet lock; `holder` is its record (who, pid, host, since)."""

    def __init__(self, holder: dict) -> None:
        self.holder = holder
        since = holder.get("since")
        when = datetime.fromtimestamp(since, tz=timezone.utc).isoformat() if since else "unknown time"
        super().__init__(f"fleet lock held by {holder.get('who', 'unknown')} (pid {holder.get('pid')} on "
                         f"{holder.get('host')}) since {when}")


class LockLost(TrafficShiftError):
    """The fleet lock this run held is no longer its own: its lease expired, or another run took it over (a
    higher fencing token). The run must stop before its next device-changing step
    (trafficshift.fleet.postgres.LeaseLock.check)."""


class StoreUnavailable(TrafficShiftError):
    """The store or lock backend failed (unreachable, refused, or a statement failed). The message names the
    operation and the server, never the password."""


class FleetLock:
    """Exclusive, non-blocking fleet lock: ``with FleetLock(path, who="traffic.apply"):``.

    ``flock`` locks belong to the open file description, so a second acquisition is refused whether it comes
    from another process or another thread of this one (the reactor runs runners in threads)."""

    def __init__(self, path: str | os.PathLike, who: str) -> None:
        self.path = Path(path)
        self.who = who
        self._fd: int | None = None

    def acquire(self) -> dict:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise LockHeld(read_holder(self.path)) from None
        holder = {"who": self.who, "pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, sort_keys=True).encode(), 0)
        self._fd = fd
        return holder

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # no stale holder record once free
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FleetLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def read_holder(path: str | os.PathLike) -> dict:
    """The current holder record, or {} when the lock is free (or the holder died: the kernel released it)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return {}
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            raw = os.pread(fd, 4096, 0)
            try:
                return json.loads(raw) if raw else {"who": "unknown"}
            except ValueError:  # caught between truncate and write
                return {"who": "unknown"}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return {}
    finally:
        os.close(fd)


@dataclass
class Store:
    """Typed access to the banks above over any `Cache`."""

    cache: Cache

    # -- active plan ---------------------------------------------------------------------------------------
    def active(self) -> dict:
        """{"run": id, "plan": Plan dict, "drained_sites": [...]} or {} when no plan was ever applied."""
        return self.cache.fetch(STATE_BANK, "active") or {}

    def set_active(self, run_id: str, plan: dict, drained_sites: list[str] = ()) -> None:
        self.cache.store(STATE_BANK, "active", {"run": run_id, "plan": plan, "drained_sites": sorted(drained_sites)})

    # -- operator controls ---------------------------------------------------------------------------------
    def controls(self) -> list[dict]:
        return list((self.cache.fetch(STATE_BANK, "controls") or {}).get("controls", []))

    def set_controls(self, controls: list[dict]) -> None:
        self.cache.store(STATE_BANK, "controls", {"controls": controls})

    # -- settings ------------------------------------------------------------------------------------------
    def settings(self) -> dict:
        return dict(self.cache.fetch(STATE_BANK, "settings") or {})

    def update_settings(self, **changes: Any) -> dict:
        settings = {**self.settings(), **changes}
        self.cache.store(STATE_BANK, "settings", settings)
        return settings

    # -- minions seen starting ------------------------------------------------------------------------------
    def seen(self) -> dict[str, float]:
        """Minion id -> when it first started."""
        return {minion: self.cache.fetch(MINIONS_BANK, minion)["first_start"]
                for minion in self.cache.list(MINIONS_BANK)}

    def mark_seen(self, minion: str, when: float) -> bool:
        """Record that `minion` started; True when this is its first start. One key per minion: proxies
        starting together (reactor threads) never overwrite each other's record."""
        if self.cache.fetch(MINIONS_BANK, minion):
            return False
        self.cache.store(MINIONS_BANK, minion, {"first_start": when})
        return True

    # -- history -------------------------------------------------------------------------------------------
    def record(self, run_id: str, record: dict) -> None:
        self.cache.store(HISTORY_BANK, run_id, {**record, "id": run_id})

    def run(self, run_id: str) -> dict:
        found = self.cache.fetch(HISTORY_BANK, run_id)
        if not found:
            raise TrafficShiftError(f"no run {run_id!r} in the history (traffic.history lists them)")
        return found

    def history(self, limit: int | None = None) -> list[dict]:
        """Newest first."""
        ids = sorted(self.cache.list(HISTORY_BANK), reverse=True)
        if limit is not None:
            ids = ids[:limit]
        return [self.cache.fetch(HISTORY_BANK, run_id) for run_id in ids]

    def previous_active(self, run_id: str) -> dict | None:
        """The plan that was active before run `run_id` applied its plan (its inputs' previous plan)."""
        return self.run(run_id).get("inputs", {}).get("previous")


def replay(record: dict):
    """Plan again from a history record's inputs snapshot (network, load, previous plan, controls, now, and
    what the routers said about the routes the detours depend on):
    the planner is a pure function, so an apply/rebalance run's plan comes back byte for byte."""
    from trafficshift import planner
    from trafficshift.model.controls import controls_from_list
    from trafficshift.model.plan import Plan
    from trafficshift.model.routes import RouteFacts
    from trafficshift.validation import parse_load, parse_network

    inputs = record.get("inputs", {})
    if "network" not in inputs or "load" not in inputs:
        raise TrafficShiftError(f"run {record.get('id')!r} ({record.get('kind')}) planned nothing: no inputs to replay")
    network = parse_network(inputs["network"])
    previous = Plan.from_dict(inputs["previous"]) if inputs.get("previous") else None
    check = parse_load(inputs["load"], network, now=inputs["now"], active=previous)  # as the runner planned it
    return planner.plan(network, check.load, previous, controls_from_list(inputs.get("controls", [])), inputs["now"],
                        stale_reasons=check.reasons, routes=RouteFacts.from_dict(inputs.get("route_facts")))
