"""Suite-wide setup: every server the test session starts binds to loopback, pytest-salt-factories'
own helpers included (by default its log server and event listener bind to 0.0.0.0)."""
from __future__ import annotations

import pytest

LOOPBACK = "127.0.0.1"


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    log_server = config.pluginmanager.get_plugin("saltfactories-log-server")
    if log_server is not None:  # started later, at session start
        log_server.log_host = LOOPBACK


@pytest.fixture(scope="session")
def event_listener():
    """saltfactories' event listener (receives every master event), on loopback."""
    from saltfactories.plugins.event_listener import EventListener

    listener = EventListener()
    listener.host = LOOPBACK
    listener.address = f"tcp://{LOOPBACK}:{listener.port}"
    with listener:
        yield listener
