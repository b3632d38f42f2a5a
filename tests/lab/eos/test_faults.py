"""Injected faults surface as the napalm EOS driver's own exceptions (napalm lets pyeapi's errors through)."""
from __future__ import annotations

import time
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


def test_reboot_reverts_a_pending_commit_and_drops_sessions(eos_lab, driver, control):
    before = control.config()
    driver.load_merge_candidate(config="hostname unconfirmed")
    driver.commit_config(revert_in=600)
    rebooted_after = eos_lab.clock.now()  # device time
    control.reboot()
    assert control.config() == before
    assert [record["kind"] for record in control.commits()] == ["commit timer", "auto-revert"]
    assert driver._run_commands(["show configuration sessions"])[0]["sessions"] == {}
    uptime = driver.get_facts()["uptime"]
    assert 0 <= uptime <= eos_lab.clock.now() - rebooted_after  # uptime restarted at the reboot


def test_dropped_load_closes_the_connection_before_loading_anything(driver, control):
    before = control.config()
    control.inject(drop_next_load=True)
    with pytest.raises(ConnectionError, match="Remote end closed connection"):
        driver.load_merge_candidate(config="hostname never-loaded")
    assert control.faults()["drop_next_load"] is False
    assert driver.compare_config() == ""  # the session was entered, nothing was loaded into it
    driver.discard_config()
    assert control.config() == before and control.commits() == []
    driver.load_merge_candidate(config="hostname second-try")
    driver.commit_config()
    assert "hostname second-try" in control.config()


def test_reload_boots_the_startup_config_so_an_unsaved_change_is_gone(driver, control):
    before = control.config()
    driver._run_commands(["configure terminal", "hostname unsaved", "end"])
    assert "hostname unsaved" in control.config()
    control.reboot()
    assert control.config() == before


def test_reboot_with_down_time_refuses_connections_then_listens_again_on_the_same_ports(eos, driver, control,
                                                                                       make_driver):
    before = control.config()
    driver.load_merge_candidate(config="hostname unconfirmed")
    driver.commit_config(revert_in=600)
    started = time.monotonic()
    assert control.reboot(down_s=5) == {"rebooted": "ams01-r2", "down_s": 5.0}
    assert control.config() == before
    assert [record["kind"] for record in control.commits()] == ["commit timer", "auto-revert"]
    for transport in ("http", "https"):
        with pytest.raises(ConnectionError, match="Socket error during eAPI connection"):
            make_driver(eos, transport).open()
    while True:
        try:
            fresh = make_driver(eos)
            fresh.open()
            break
        except ConnectionError:
            assert time.monotonic() - started < 30, "the device did not come back"
            time.sleep(0.1)
    assert time.monotonic() - started >= 4.9
    assert fresh.has_pending_commit() is False
    fresh.close()
