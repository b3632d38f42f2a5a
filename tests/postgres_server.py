"""A real PostgreSQL (Debian's binaries, package `postgresql` in .ci/apt-packages) on loopback for a test
session: a throw-away cluster made by ``initdb`` in a temporary directory, ``postgres`` listening on
127.0.0.1 only on a free port with its unix socket in that directory, stopped (fast shutdown) and removed
on exit.

PostgreSQL refuses to run as root, and this suite runs as root on CI and on the development machine. As
root, initdb and postgres run as the ``postgres`` system user (created by the Debian package) through
``subprocess``'s ``user=``/``group=`` (setuid in the child, no runuser/sudo and no PAM session), in a
directory made with ``mkdtemp`` under the system temp dir and handed to that user: pytest's ``tmp_path`` is
under a 0700 root directory the postgres user cannot enter. As any other user, they run as that user.

The cluster has one role, ``trafficshift``, with a password (scram-sha-256 over TCP), so the DSN the tests
get carries a password like a deployed one. Durability is off (fsync, synchronous_commit, full-page writes):
the data is thrown away.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from prometheus_server import free_port

PASSWORD = "s3cret-test-pw"
USER = "trafficshift"


def binaries() -> Path:
    """The newest Debian PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    if not found or not os.access(Path(found[-1]).parent / "initdb", os.X_OK):
        pytest.fail("PostgreSQL's initdb/postgres are missing (no /usr/lib/postgresql/*/bin/postgres): install "
                    "the Debian package `postgresql` (.ci/apt-packages; `make test` installs it)")
    return Path(found[-1]).parent


def _run_as() -> dict:
    """subprocess keywords running a child as the postgres system user when we are root, else nothing."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root and there is no `postgres` user to run PostgreSQL as (PostgreSQL refuses "
                    "root): install the Debian package `postgresql`, which creates it")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [],
            "env": {**os.environ, "HOME": account.pw_dir, "USER": "postgres", "LOGNAME": "postgres"}}


@contextlib.contextmanager
def running_postgres(timeout_s: float = 60) -> Iterator[str]:
    """Yields a DSN (``postgresql://trafficshift:<password>@127.0.0.1:<port>/postgres``) once the server
    accepts connections; stops the server and removes its directory on exit."""
    bin_dir = binaries()
    as_user = _run_as()
    workdir = Path(tempfile.mkdtemp(prefix="trafficshift-pg-"))
    try:
        if as_user:
            os.chown(workdir, as_user["user"], as_user["group"])
        pwfile = workdir / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if as_user:
            os.chown(pwfile, as_user["user"], as_user["group"])
        data = workdir / "data"
        initdb = subprocess.run(
            [bin_dir / "initdb", "-D", data, "-U", USER, f"--pwfile={pwfile}", "--auth-local=trust",
             "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, cwd=workdir, **as_user)
        if initdb.returncode != 0:
            pytest.fail(f"initdb failed ({initdb.returncode}):\n{initdb.stdout[-2000:]}\n{initdb.stderr[-2000:]}")
        port = free_port()
        log_path = workdir / "postgres.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [bin_dir / "postgres", "-D", data, "-p", str(port), "-c", "listen_addresses=127.0.0.1",
                 "-c", f"unix_socket_directories={workdir}", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=50"],
                stdout=log, stderr=subprocess.STDOUT, cwd=workdir, **as_user)
            dsn = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"
            try:
                deadline = time.monotonic() + timeout_s
                while True:
                    try:
                        psycopg.connect(dsn, connect_timeout=2).close()
                        break
                    except psycopg.OperationalError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"postgres did not accept connections:\n{log_path.read_text()[-3000:]}")
                    time.sleep(0.05)
                yield dsn
            finally:
                process.send_signal(signal.SIGINT)  # fast shutdown: abort transactions, disconnect, stop
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
