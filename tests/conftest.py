"""Suite-wide setup: every server the test session starts binds to loopback, pytest-salt-factories'
own helpers included (by default its log server and event listener bind to 0.0.0.0), Salt's import-time
logging set-up does not leak into the rest of the suite, and property tests draw the same examples on every
run unless asked to explore, and NETCONF sessions opened in this process answer without ncclient's
tenth-of-a-second polling pause.

Hypothesis profiles (HYPOTHESIS_PROFILE, default `ci`):
- `ci`: derandomized (the same examples every run, so a change is judged on what it changed), no example
  database, no deadline or too-slow health check (both depend on the machine's load);
- `explore`: 2,000 random examples per property that does not set its own count, failures kept in
  .hypothesis/ (git-ignored) and replayed first next time: `make explore`. A failure it finds becomes an
  explicit `@example` so `ci` runs it every time.
"""
from __future__ import annotations

import logging
import os

import ncclient.transport.session
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

LOOPBACK = "127.0.0.1"

# ncclient's session thread notices a queued request only when its select() times out (TICK, 0.1 s), so
# every RPC to the lab waits up to 100 ms for nothing: about half of the fast tier's wall time. A shorter
# tick changes when the unmodified driver polls, not what it sends or accepts; Salt's proxy minions run in
# their own processes and keep the library default.
ncclient.transport.session.TICK = 0.005

settings.register_profile("ci", max_examples=60, derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=2000, derandomize=False, deadline=None, print_blob=True,
                          database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    log_server = config.pluginmanager.get_plugin("saltfactories-log-server")
    if log_server is not None:  # started later, at session start
        log_server.log_host = LOOPBACK
    # Importing salt (the plugin does) adds a handler that queues every record of the session and writes
    # them to a long-closed stderr at exit ("--- Logging error ---"), and sets the root level to Salt's
    # lowest, so every library's debug record is built. Drop the handler; keep pytest's default level.
    from salt._logging.impl import shutdown_temp_handler

    shutdown_temp_handler()
    if logging.root.level < logging.WARNING:
        logging.root.setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def salt_factories_config():
    return {"start_timeout": 120}


@pytest.fixture(scope="session")
def salt_factories_default_root_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("salt-root")


@pytest.fixture(scope="session")
def event_listener():
    """saltfactories' event listener (receives every master event), on loopback."""
    from saltfactories.plugins.event_listener import EventListener

    listener = EventListener()
    listener.host = LOOPBACK
    listener.address = f"tcp://{LOOPBACK}:{listener.port}"
    with listener:
        yield listener
