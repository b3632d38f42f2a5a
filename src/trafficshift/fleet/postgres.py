"""The runner's store and the fleet lock on PostgreSQL, shared by several masters (docs/scale.md).

`PostgresCache` is a `trafficshift.fleet.store.Cache` on one table::

    trafficshift_cache(bank text, key text, data jsonb, updated timestamptz, primary key (bank, key))

``store`` is an upsert, ``fetch`` gives ``{}`` for an absent key (as Salt's caches and `MemoryCache` do, so
`Store` reads the same over any of them), ``list`` the bank's keys sorted as Python sorts them, ``flush`` one
key or the whole bank (exactly that bank: no sub-banks, `Store` uses none).

`LeaseLock` is the fleet lock for several masters, with `FleetLock`'s interface (``acquire()`` returning the
holder record or raising `LockHeld`, ``release()``, a context manager) on one row per lock name::

    trafficshift_lock(name text primary key, who text, pid integer, host text,
                      since timestamptz, expires timestamptz, token bigint)

Guarantees:

- **Exclusive**: acquiring is one ``INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE expires <= now()``
  statement; PostgreSQL serialises it on the row, so of any number of masters (or threads) trying at once
  exactly one takes a free or expired lease and the others get `LockHeld` with the live holder's record.
- **Database clock**: ``since`` and ``expires`` are the server's ``now()``, compared with the server's
  ``now()``; the masters' clocks may disagree with it and with each other without effect.
- **A lease, not a session**: a master that dies or loses the network holds the fleet until ``expires``
  (``lease_s`` after its acquire or last `renew`), then anyone may take it. A long run must `renew` well
  within ``lease_s`` (every third of it, say).
- **Fencing token**: each acquire takes a new ``token`` from the sequence ``trafficshift_lock_token``, so
  tokens only grow and are never reused, across expiry and release too (the row keeps the last token; a
  takeover must bring a higher one). It protects against a holder that was paused past its lease (a stopped
  VM, a long GC or swap storm, a network partition) and then carries on as if it still held the fleet:
  another master may have taken over and be changing the same routers. The runner calls `check()` before
  every device-changing step (a commit, a confirm, a rollback); it raises `LockLost` when the row's token is
  no longer ours or the lease expired, and the paused run stops instead of committing over its successor.
  `check(margin_s)` also refuses a step when less than ``margin_s`` of lease is left, so a step starts only
  with time to finish. The routers themselves do not see the token, so the window between a passing check
  and the step is what remains; keep it short (check right before the call) and the margin above a step's
  duration.

Errors from psycopg become `StoreUnavailable` naming the operation and the server (user@host:port/db),
never the password. A run whose store or lock is unreachable is refused before any device step: `acquire`
fails first. `release` never raises (it runs in ``finally`` blocks): when the server is gone the lease simply
expires.

Each object keeps one lazily opened autocommit connection (guarded by a mutex, so threads may share it),
reopened once when a kept connection turns out broken (a server restart). The tables and the sequence are
created on first use when missing (``CREATE ... IF NOT EXISTS`` under an advisory lock); a database user
without CREATE rights works when they exist already.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any, Callable, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from trafficshift.errors import TrafficShiftError
from trafficshift.fleet.store import LockHeld, LockLost, StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_TABLE = "trafficshift_cache"
LOCK_TABLE = "trafficshift_lock"
TOKEN_SEQUENCE = "trafficshift_lock_token"

CACHE_SCHEMA = (f"""CREATE TABLE IF NOT EXISTS {CACHE_TABLE} (
    bank text NOT NULL, key text NOT NULL, data jsonb NOT NULL, updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank, key))""",)
LOCK_SCHEMA = (f"""CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (
    name text PRIMARY KEY, who text NOT NULL, pid integer NOT NULL, host text NOT NULL,
    since timestamptz NOT NULL, expires timestamptz NOT NULL, token bigint NOT NULL)""",
               f"CREATE SEQUENCE IF NOT EXISTS {TOKEN_SEQUENCE}")
#: one advisory lock key for the schema creation, so masters starting together do not race on the catalog
SCHEMA_LOCK_KEY = 0x7472_6166_6669_63  # "traffic"


class _Database:
    """One lazily opened autocommit connection; `run` maps psycopg's errors to `StoreUnavailable`."""

    def __init__(self, dsn: str, schema: tuple[str, ...], relations: tuple[str, ...],
                 connect_timeout_s: float) -> None:
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:  # its message may quote the DSN, password included
            raise TrafficShiftError("invalid PostgreSQL DSN (not shown: it may hold a password)") from None
        self._dsn = dsn
        self._password = str(params.get("password") or "")
        self._connect_timeout = {} if "connect_timeout" in params else {"connect_timeout": max(1, int(connect_timeout_s))}
        self.target = (f"{params.get('user') or os.environ.get('PGUSER', '')}@{params.get('host') or 'localhost'}:"
                       f"{params.get('port') or 5432}/{params.get('dbname') or ''}").lstrip("@")
        self._schema, self._relations = schema, relations
        self._schema_ready = False
        self._conn: psycopg.Connection | None = None
        self._mutex = threading.Lock()

    def run(self, operation: str, work: Callable[[psycopg.Connection], T]) -> T:
        with self._mutex:
            for attempt in (1, 2):
                kept = self._conn is not None
                try:
                    if self._conn is None:
                        self._conn = psycopg.connect(self._dsn, autocommit=True, **self._connect_timeout)
                    if not self._schema_ready:
                        self._create_schema(self._conn)
                    return work(self._conn)
                except psycopg.OperationalError as exc:
                    self._close()
                    if kept and attempt == 1:  # a kept connection broke (server restart): once more, afresh
                        log.info("trafficshift: PostgreSQL %s: %s: reconnecting", self.target, self._scrub(exc))
                        continue
                    raise self._error(operation, exc) from None
                except psycopg.Error as exc:
                    raise self._error(operation, exc) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._mutex:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _create_schema(self, conn: psycopg.Connection) -> None:
        checks = ", ".join(f"to_regclass('{name}') IS NOT NULL" for name in self._relations)
        if not all(conn.execute(f"SELECT {checks}").fetchone()):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                for statement in self._schema:
                    conn.execute(statement)
        self._schema_ready = True

    def _scrub(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())
        return text.replace(self._password, "***") if self._password else text

    def _error(self, operation: str, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"PostgreSQL store {self.target}: {operation} failed: "
                                f"{type(exc).__name__}: {self._scrub(exc)}")


class PostgresCache:
    """`trafficshift.fleet.store.Cache` on the table ``trafficshift_cache``: ``Store(PostgresCache(dsn))``."""

    def __init__(self, dsn: str, *, connect_timeout_s: float = 10) -> None:
        self._db = _Database(dsn, CACHE_SCHEMA, (CACHE_TABLE,), connect_timeout_s)

    def store(self, bank: str, key: str, data: Any) -> None:
        self._db.run(f"store {bank}/{key}", lambda conn: conn.execute(
            f"INSERT INTO {CACHE_TABLE} (bank, key, data, updated) VALUES (%s, %s, %s, now()) "
            "ON CONFLICT (bank, key) DO UPDATE SET data = EXCLUDED.data, updated = EXCLUDED.updated",
            (bank, key, Jsonb(data))))

    def fetch(self, bank: str, key: str) -> Any:
        row = self._db.run(f"fetch {bank}/{key}", lambda conn: conn.execute(
            f"SELECT data FROM {CACHE_TABLE} WHERE bank = %s AND key = %s", (bank, key)).fetchone())
        return {} if row is None else row[0]

    def list(self, bank: str) -> list[str]:
        rows = self._db.run(f"list {bank}", lambda conn: conn.execute(
            f"SELECT key FROM {CACHE_TABLE} WHERE bank = %s", (bank,)).fetchall())
        return sorted(key for (key,) in rows)  # Python's order, whatever the database's collation

    def flush(self, bank: str, key: str | None = None) -> None:
        if key is None:
            self._db.run(f"flush {bank}", lambda conn: conn.execute(
                f"DELETE FROM {CACHE_TABLE} WHERE bank = %s", (bank,)))
        else:
            self._db.run(f"flush {bank}/{key}", lambda conn: conn.execute(
                f"DELETE FROM {CACHE_TABLE} WHERE bank = %s AND key = %s", (bank, key)))

    def close(self) -> None:
        self._db.close()


_HOLDER = "who, pid, host, extract(epoch FROM since)::float8, extract(epoch FROM expires)::float8, token"
_ACQUIRE = f"""
INSERT INTO {LOCK_TABLE} AS lock (name, who, pid, host, since, expires, token)
VALUES (%(name)s, %(who)s, %(pid)s, %(host)s, now(), now() + make_interval(secs => %(lease)s),
        nextval('{TOKEN_SEQUENCE}'))
ON CONFLICT (name) DO UPDATE
    SET who = EXCLUDED.who, pid = EXCLUDED.pid, host = EXCLUDED.host, since = EXCLUDED.since,
        expires = EXCLUDED.expires, token = EXCLUDED.token
    WHERE lock.expires <= now() AND lock.token < EXCLUDED.token
RETURNING {_HOLDER}"""


def _holder(row) -> dict:
    who, pid, host, since, expires, token = row
    return {"who": who, "pid": pid, "host": host, "since": since, "expires": expires, "token": token}


class LeaseLock:
    """The fleet lock shared by several masters: a lease on the row `name` of ``trafficshift_lock``, taken
    with a new fencing token (module docstring: the guarantees). ``with LeaseLock(dsn, "fleet", who):``."""

    def __init__(self, dsn: str, name: str, who: str, lease_s: float = 120.0, *,
                 connect_timeout_s: float = 10) -> None:
        if lease_s <= 0:
            raise TrafficShiftError(f"lease_s must be > 0, got {lease_s}")
        self._db = _Database(dsn, LOCK_SCHEMA, (LOCK_TABLE, TOKEN_SEQUENCE), connect_timeout_s)
        self.name, self.who, self.lease_s = name, who, float(lease_s)
        self.token: int | None = None  # ours while held

    def acquire(self) -> dict:
        """Take the lease when it is free or expired: the holder record {who, pid, host, since, expires, token}
        (epoch seconds on the database's clock). `LockHeld` when another live holder has it."""
        params = {"name": self.name, "who": self.who, "pid": os.getpid(), "host": socket.gethostname(),
                  "lease": self.lease_s}

        def take(conn: psycopg.Connection) -> tuple[bool, dict]:
            for _ in range(3):  # the holder may release between our two statements: try again
                row = conn.execute(_ACQUIRE, params).fetchone()
                if row is not None:
                    return True, _holder(row)
                held = self._live(conn)
                if held:
                    return False, held
            return False, {"who": "unknown"}

        taken, holder = self._db.run(f"acquire lock {self.name}", take)
        if not taken:
            raise LockHeld(holder)
        self.token = holder["token"]
        return holder

    def renew(self) -> float:
        """Extend the lease to `lease_s` from now (the database's now), only while it is still ours and live:
        the seconds left. `LockLost` when it expired or was taken over."""
        token = self._ours("renew")
        row = self._db.run(f"renew lock {self.name}", lambda conn: conn.execute(
            f"UPDATE {LOCK_TABLE} SET expires = now() + make_interval(secs => %s) "
            "WHERE name = %s AND token = %s AND expires > now() "
            "RETURNING extract(epoch FROM expires - now())::float8", (self.lease_s, self.name, token)).fetchone())
        if row is None:
            raise self._lost("renew")
        return row[0]

    def check(self, margin_s: float = 0.0) -> float:
        """Before a device-changing step: the seconds of lease left, or `LockLost` when the row's token is no
        longer ours, the lease expired, or less than `margin_s` is left."""
        token = self._ours("check")
        row = self._db.run(f"check lock {self.name}", lambda conn: conn.execute(
            f"SELECT token, extract(epoch FROM expires - now())::float8 FROM {LOCK_TABLE} WHERE name = %s",
            (self.name,)).fetchone())
        if row is None or row[0] != token or row[1] <= margin_s:
            raise self._lost("check", left=None if row is None or row[0] != token else row[1])
        return row[1]

    def holder(self) -> dict:
        """The live holder's record, or {} when the lock is free or its lease expired."""
        return self._db.run(f"read lock {self.name}", self._live)

    def release(self) -> None:
        """Free the lease if it is still ours (the row keeps its token: the next one is higher). Never raises:
        with the database gone, the lease expires by itself."""
        if self.token is None:
            return
        token, self.token = self.token, None
        try:
            self._db.run(f"release lock {self.name}", lambda conn: conn.execute(
                f"UPDATE {LOCK_TABLE} SET expires = '-infinity' WHERE name = %s AND token = %s", (self.name, token)))
        except StoreUnavailable as exc:
            log.warning("trafficshift: fleet lock %s not released, its lease will expire: %s", self.name, exc)
        finally:
            self._db.close()

    def __enter__(self) -> "LeaseLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    # -- helpers -------------------------------------------------------------------------------------------
    def _live(self, conn: psycopg.Connection) -> dict:
        row = conn.execute(f"SELECT {_HOLDER} FROM {LOCK_TABLE} WHERE name = %s AND expires > now()",
                           (self.name,)).fetchone()
        return {} if row is None else _holder(row)

    def _ours(self, operation: str) -> int:
        if self.token is None:
            raise LockLost(f"fleet lock {self.name}: cannot {operation}: not held by this run")
        return self.token

    def _lost(self, operation: str, left: float | None = None) -> LockLost:
        if left is not None:
            why = "lease expired" if left <= 0 else f"only {left:.1f} s of lease left"
        else:
            now = self.holder()
            why = (f"taken over by {now.get('who')} (pid {now.get('pid')} on {now.get('host')}, token "
                   f"{now.get('token')})" if now else "lease expired")
        return LockLost(f"fleet lock {self.name} lost ({why}; our token {self.token}): {operation} refused")
