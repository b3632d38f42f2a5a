"""The lab's replies have the shape of replies recorded from real EOS devices (tests/lab/eos/data)."""
from __future__ import annotations

import re

import pytest


def assert_same_shape(recorded, actual, path: str = "reply") -> None:
    """Every key the real device sent is there, with the same JSON type, recursively."""
    if isinstance(recorded, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        missing = sorted(set(recorded) - set(actual))
        assert not missing, f"{path}: missing keys {missing}"
        for key, value in recorded.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        if recorded and actual:
            assert_same_shape(recorded[0], actual[0], f"{path}[0]")
    else:
        # bool is an int in Python but not in JSON; int and float are distinct JSON number spellings in EOS
        assert type(actual) is type(recorded), f"{path}: {type(recorded).__name__} expected, got {actual!r}"


@pytest.fixture
def run(driver):
    return lambda command, encoding="json": driver._run_commands([command], encoding=encoding)[0]


def test_show_version_matches_a_recorded_ceos_reply(run, recorded):
    assert_same_shape(recorded("show_version.json"), run("show version"))


def test_show_hostname_matches_the_recorded_reply(run, recorded):
    assert_same_shape(recorded("show_hostname.json"), run("show hostname"))


@pytest.mark.parametrize(("recorded_name", "lab_name"), [
    ("Management1", "Management1"), ("Ethernet2", "Ethernet1"), ("Loopback0", "Loopback0")])
def test_show_interfaces_matches_recorded_interfaces(run, recorded, recorded_name, lab_name):
    real = recorded("show_interfaces.json")["interfaces"][recorded_name]
    lab = run("show interfaces")["interfaces"][lab_name]
    assert_same_shape(real, lab, f"interfaces.{lab_name}")
    assert lab["hardware"] == real["hardware"]


def test_get_facts_through_the_driver_has_the_recorded_result_shape(driver, recorded):
    expected = recorded("get_facts_expected_result.json")
    facts = driver.get_facts()
    assert set(facts) == set(expected)
    for key in ("fqdn", "hostname", "model", "os_version", "serial_number", "vendor"):
        assert isinstance(facts[key], str), key
    assert isinstance(facts["uptime"], float)  # the fixture stores a placeholder, napalm returns float
    assert all(isinstance(name, str) for name in facts["interface_list"])


HEADER_PATTERNS = [
    r"! Command: show startup-config",
    r"! Startup-config last modified at  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} by \S+",
    r"! device: \S+ \(\S+, EOS-[\d.]+\w*\)",
    r"!",
]


def test_startup_config_header_is_laid_out_like_eos(run, recorded):
    for text in (recorded("show_startup_config.text"), run("show startup-config", "text")["output"]):
        for pattern, line in zip(HEADER_PATTERNS, text.splitlines()):
            assert re.fullmatch(pattern, line), (pattern, line)
    assert run("show startup-config", "text")["output"].endswith("\n!\nend\n")


def test_sanitized_config_removes_secrets_the_way_eos_does(run, recorded):
    removed = re.compile(r".*\bsecret (?:\d|sha512) <removed>$")
    real = [line for line in recorded("show_running_config_sanitized.text").splitlines() if "<removed>" in line]
    lab = [line for line in run("show running-config sanitized", "text")["output"].splitlines()
           if "<removed>" in line]
    assert real and lab
    assert all(removed.fullmatch(line) for line in real + lab)
    assert "secret sha512 $6$" not in run("show running-config sanitized", "text")["output"]


def test_configuration_sessions_use_the_eos_432_shape(driver, run):
    driver.load_merge_candidate(config="hostname timed")
    idle = run("show configuration sessions detail")
    assert {"maxSavedSessions", "maxOpenSessions", "sessions"} <= set(idle)
    assert "commitTimerSessionName" not in idle  # present only while a commit timer runs
    assert idle["sessions"][driver.config_session]["state"] == "pending"
    driver.commit_config(revert_in=3600)  # a minute of wall time at time_scale 60: confirmed well before it expires
    pending = run("show configuration sessions detail")
    assert pending["commitTimerSessionName"] == driver.config_session
    uptime = run("show version")["uptime"]
    assert isinstance(pending["commitTimerExpireTime"], float)
    assert 0 < pending["commitTimerExpireTime"] - uptime <= 3600  # seconds of uptime, as napalm reads it
    assert pending["sessions"][driver.config_session]["state"] == "pendingCommitTimer"
    driver.confirm_commit()
