"""Injected faults surface as the napalm EOS driver's own exceptions (napalm lets pyeapi's errors through)."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from napalm.base.exceptions import SessionLockedException
from pyeapi.eapilib import CommandError, ConnectionError


def test_refused_connections_fail_open_until_cleared(eos, control, make_driver):
    control.inject(refuse_connections=True)
    for transport in ("http", "https"):
        with pytest.raises(ConnectionError, match="Socket error during eAPI connection"):
            make_driver(eos, transport).open()
    control.clear()
    device = make_driver(eos)
    device.open()
    device.close()


def test_a_reply_slower_than_the_client_timeout_is_a_connection_error(eos, control, make_driver):
    control.inject(delay_s=1.0)
    with pytest.raises(ConnectionError, match="timed out"):
        make_driver(eos, timeout=0.3).open()


def test_failed_commit_changes_nothing_and_fails_once(driver, control):
    before = control.config()
    control.inject(fail_next_commit="simulated commit failure")
    driver.load_merge_candidate(config="hostname failing")
    with pytest.raises(CommandError, match="simulated commit failure") as raised:
        driver.commit_config()
    assert raised.value.error_code == 1002
    assert control.config() == before and control.commits() == []
    assert control.faults()["fail_next_commit"] is None
    driver.commit_config()  # the session is still pending: a retry commits it
    assert "hostname failing" in control.config()


def test_dropped_commit_closes_the_connection_without_committing(driver, control):
    before = control.config()
    control.inject(drop_next_commit=True)
    driver.load_merge_candidate(config="hostname dropped")
    with pytest.raises(ConnectionError, match="Remote end closed connection"):
        driver.commit_config()
    assert control.config() == before and control.commits() == []
    driver.commit_config()
    assert [record["kind"] for record in control.commits()] == ["commit"]


def test_lock_held_by_another_user_fails_the_lock_check_and_commits(eos, driver, control, make_driver):
    control.inject(lock_held_by="bob")
    sessions = driver._run_commands(["show configuration sessions"])[0]["sessions"]
    holders = [instance["user"] for session in sessions.values() if session["state"] == "pending"
               for instance in session["instances"].values()]
    assert holders == ["bob"]
    with pytest.raises(SessionLockedException):
        driver._lock()  # the check napalm's load retries for 10 s (test_napalm_contract covers the retry)
    unlocked = make_driver(eos, lock_disable=True)
    unlocked.open()
    try:
        unlocked.load_merge_candidate(config="hostname while-locked")
        with pytest.raises(CommandError, match="locked by another session \\(user bob\\)"):
            unlocked.commit_config()
        with pytest.raises(CommandError, match="locked by another session"):
            unlocked.device.config(["hostname via-terminal"])  # configure terminal is refused too
        control.clear()
        unlocked.commit_config()
    finally:
        unlocked.close()
    assert "hostname while-locked" in control.config()


def test_wrong_password_is_refused_with_401(eos, make_driver):
    wrong = dict(eos, password="not-the-password")
    with pytest.raises(ConnectionError, match="Unauthorized"):
        make_driver(wrong).open()
    request = urllib.request.Request(f"http://{eos['host']}:{eos['port']}/command-api", data=b"{}",
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 401
    assert raised.value.headers["WWW-Authenticate"].startswith("Basic")


def test_reboot_reverts_a_pending_commit_and_drops_sessions(driver, control):
    before = control.config()
    driver.load_merge_candidate(config="hostname unconfirmed")
    driver.commit_config(revert_in=600)
    control.reboot()
    assert control.config() == before
    assert [record["kind"] for record in control.commits()] == ["commit timer", "auto-revert"]
    assert driver._run_commands(["show configuration sessions"])[0]["sessions"] == {}
    assert driver.get_facts()["uptime"] < 60
