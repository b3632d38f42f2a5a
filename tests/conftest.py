"""Suite-wide setup: every server the test session starts binds to loopback, pytest-salt-factories'
own helpers included (by default its log server and event listener bind to 0.0.0.0), and Salt's import-time
logging set-up does not leak into the rest of the suite."""
from __future__ import annotations

import logging

import pytest

LOOPBACK = "127.0.0.1"


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
