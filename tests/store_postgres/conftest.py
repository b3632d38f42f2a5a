"""A PostgreSQL server for the shared-store tests (tests/postgres_server.py), started once per session on first
use. Not in the fast tier (`make unit`): it starts a database server."""
from __future__ import annotations

import time

import psycopg
import pytest

from postgres_server import running_postgres


@pytest.fixture(scope="session")
def postgres_dsn(request):
    started = time.monotonic()
    with running_postgres() as dsn:
        startup = time.monotonic() - started
        request.config.stash[STARTUP] = startup
        yield dsn


STARTUP = pytest.StashKey[float]()


def pytest_terminal_summary(terminalreporter, config):
    startup = config.stash.get(STARTUP, None)
    if startup is not None:
        terminalreporter.write_line(f"PostgreSQL test server: initdb + start in {startup:.2f} s")


@pytest.fixture
def postgres(postgres_dsn):
    """The session's DSN, with trafficshift's tables emptied (tests share the server, not their rows)."""
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for table in ("trafficshift_cache", "trafficshift_lock"):
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                conn.execute(f"TRUNCATE {table}")
    return postgres_dsn
