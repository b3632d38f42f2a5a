"""The unmodified napalm EOS driver against the emulator: every operation trafficshift uses."""
from __future__ import annotations

import pytest
from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException, SessionLockedException

from waiting import wait_for

NEW_POLICY = """\
ip prefix-list SHIFT-OUT seq 10 permit 203.0.113.0/25
!
route-map SHIFT-OUT permit 10
   match ip address prefix-list SHIFT-OUT
   set as-path prepend 65000 65000
!
router bgp 65000
   neighbor 192.0.2.2 route-map SHIFT-OUT out
"""


def body(config_text: str) -> str:
    """A config without its header comments (they name the command and the save time)."""
    lines = config_text.splitlines()
    return "\n".join(lines[next(i for i, line in enumerate(lines) if not line.startswith("!")):])


def kinds(control) -> list[str]:
    return [record["kind"] for record in control.commits()]


@pytest.mark.parametrize("transport", ["http", "https"])
def test_open_and_get_facts_over_both_transports(eos, make_driver, transport):
    device = make_driver(eos, transport)
    device.open()
    try:
        facts = device.get_facts()
    finally:
        device.close()
    assert facts["hostname"] == "ams01-r2"
    assert facts["fqdn"] == "ams01-r2.lab.example"
    assert facts["vendor"] == "Arista"
    assert facts["os_version"].startswith("4.32.")
    assert facts["interface_list"] == ["Ethernet1", "Ethernet2", "Loopback0", "Management1"]
    assert 0 <= facts["uptime"] < 3600


def test_get_interfaces_follows_the_config(driver):
    driver.load_merge_candidate(config="interface Ethernet2\n   shutdown\ninterface Port-Channel10\n")
    driver.commit_config()
    interfaces = driver.get_interfaces()
    assert sorted(interfaces) == ["Ethernet1", "Ethernet2", "Loopback0", "Management1", "Port-Channel10"]
    assert interfaces["Ethernet1"]["is_up"] and interfaces["Ethernet1"]["description"] == "to ams01-r1"
    assert not interfaces["Ethernet2"]["is_up"] and not interfaces["Ethernet2"]["is_enabled"]
    assert interfaces["Loopback0"]["mtu"] == 65535 and interfaces["Loopback0"]["mac_address"] == ""
    counters = driver.get_interfaces_counters()
    assert counters["Ethernet1"]["rx_octets"] == 0


def test_merge_commit_applies_policy_and_saves_startup(driver, control):
    before = control.config()
    driver.load_merge_candidate(config=NEW_POLICY)
    diff = driver.compare_config()
    assert "+   neighbor 192.0.2.2 route-map SHIFT-OUT out" in diff.splitlines()
    lines = diff.splitlines()  # the running-config shows the prefix-list in block form
    assert lines[lines.index("+ip prefix-list SHIFT-OUT") + 1] == "+   seq 10 permit 203.0.113.0/25"
    assert control.config() == before  # nothing applied before the commit
    driver.commit_config()
    committed = control.config()
    assert "   set as-path prepend 65000 65000" in committed
    assert "   neighbor 192.0.2.0 route-map TRANSIT-IN in" in committed  # merge keeps the rest
    config = driver.get_config()
    assert body(config["startup"]) == body(config["running"])  # write memory ran
    assert driver.compare_config() == ""
    assert [(r["user"], r["kind"]) for r in control.commits()] == [("admin", "commit")]


def test_replace_commit_removes_what_the_new_config_lacks(driver, control, baseline):
    replacement = baseline.replace("   neighbor 192.0.2.0 route-map TRANSIT-IN in\n", "").replace(
        "hostname ams01-r2", "hostname ams01-r2-new")
    driver.load_replace_candidate(config=replacement)
    diff = driver.compare_config().splitlines()
    assert "-   neighbor 192.0.2.0 route-map TRANSIT-IN in" in diff
    assert "+hostname ams01-r2-new" in diff
    assert not [line for line in diff if line.startswith(("+", "-")) and "management" in line]
    driver.commit_config()
    assert "route-map TRANSIT-IN in" not in control.config()
    assert driver.get_facts()["hostname"] == "ams01-r2-new"


def test_compare_without_changes_is_empty_and_discard_frees_the_session(driver, control):
    driver.load_merge_candidate(config="route-map TRANSIT-IN permit 10\n   set local-preference 200\n")
    assert driver.compare_config() == ""
    driver.load_merge_candidate(config="hostname other")
    session = driver.config_session
    assert driver.get_config(retrieve="candidate")["candidate"].count("hostname other") == 1
    driver.discard_config()
    sessions = driver._run_commands(["show configuration sessions"])[0]["sessions"]
    assert session not in sessions
    assert driver.compare_config() == ""
    assert "hostname ams01-r2\n" in control.config() and control.commits() == []


def test_commit_confirm_keeps_the_change_once_confirmed(driver, control):
    driver.load_merge_candidate(config=NEW_POLICY)
    driver.commit_config(revert_in=300)
    assert driver.has_pending_commit()
    assert "route-map SHIFT-OUT out" in control.config()
    with pytest.raises(CommitError, match="Pending commit confirm already in process"):
        driver.commit_config(revert_in=300)
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    assert "route-map SHIFT-OUT out" in driver.get_config(retrieve="startup")["startup"]
    assert kinds(control) == ["commit timer", "confirm"]
    with pytest.raises(CommitError, match="No pending commit-confirm"):
        driver.confirm_commit()


def test_unconfirmed_commit_reverts_when_the_timer_expires(driver, control):
    before = control.config()
    driver.load_merge_candidate(config=NEW_POLICY)
    # five device minutes: about five seconds at time_scale 60, time enough to see the change before it reverts
    driver.commit_config(revert_in=300)
    assert "route-map SHIFT-OUT out" in control.config()
    wait_for(lambda: "auto-revert" in kinds(control), 60, "the commit timer to expire", interval=0.1)
    assert control.config() == before
    assert not driver.has_pending_commit()
    assert [(r["user"], r["kind"]) for r in control.commits()] == [("admin", "commit timer"),
                                                                   ("admin", "auto-revert")]


def test_rollback_during_a_pending_commit_reverts_at_once(driver, control):
    before = control.config()
    driver.load_merge_candidate(config=NEW_POLICY)
    driver.commit_config(revert_in=300)
    driver.rollback()
    assert control.config() == before
    assert not driver.has_pending_commit()
    assert kinds(control) == ["commit timer", "rollback"]


def test_closing_the_driver_during_a_pending_commit_rolls_it_back(eos, control, make_driver):
    # napalm keeps the session name after commit_config(revert_in=...), so close() aborts it: on EOS an
    # abort during a commit timer reverts at once. Confirm from the same driver before closing it.
    before = control.config()
    device = make_driver(eos)
    device.open()
    device.load_merge_candidate(config=NEW_POLICY)
    device.commit_config(revert_in=300)
    device.close()
    assert control.config() == before
    assert kinds(control) == ["commit timer", "rollback"]


def test_rollback_restores_the_config_saved_before_the_last_commit(driver, control):
    driver.load_merge_candidate(config="hostname first")
    driver.commit_config()
    first = control.config()
    driver.load_merge_candidate(config=NEW_POLICY)
    driver.commit_config()
    driver.rollback()
    assert control.config() == first
    assert kinds(control) == ["commit", "commit", "rollback"]


def test_get_config_returns_running_startup_candidate_and_sanitized(driver):
    driver.load_merge_candidate(config="hostname candidate-name")
    config = driver.get_config()
    assert config["running"].startswith("! Command: show running-config\n")
    assert config["running"].endswith("\nend\n")
    assert config["startup"].startswith("! Command: show startup-config\n")
    assert "hostname candidate-name" in config["candidate"]
    assert "hostname candidate-name" not in config["running"]
    sanitized = driver.get_config(retrieve="running", sanitized=True)["running"]
    assert "secret sha512 <removed>" in sanitized
    full = driver.get_config(retrieve="running", full=True)["running"]
    assert "interface Ethernet2\n   no switchport\n   ip address 192.0.2.3/31\n   no shutdown\n" in full


def test_an_invalid_line_fails_the_whole_load_and_leaves_no_session(driver, control, baseline):
    before = control.config()
    bad = NEW_POLICY + "router bgp 65000\n   neighbor 192.0.2.2 frobnicate\n"
    with pytest.raises(MergeConfigException, match="invalid command"):
        driver.load_merge_candidate(config=bad)
    with pytest.raises(ReplaceConfigException, match="BGP is already running with AS number 65000"):
        driver.load_replace_candidate(config=baseline.replace("router bgp 65000", "router bgp 65000\nrouter bgp 1"))
    assert driver.config_session is None
    sessions = driver._run_commands(["show configuration sessions"])[0]["sessions"]
    assert [s["state"] for s in sessions.values()] == []
    assert control.config() == before and control.commits() == []


def test_undefined_route_map_and_prefix_list_references_are_accepted(driver, control):
    # EOS does not refuse a reference to a policy that does not exist (it matches nothing)
    driver.load_merge_candidate(config="router bgp 65000\n   neighbor 192.0.2.2 route-map NOT-DEFINED in\n"
                                       "route-map USES-MISSING permit 10\n"
                                       "   match ip address prefix-list NOT-DEFINED\n")
    driver.commit_config()
    assert "neighbor 192.0.2.2 route-map NOT-DEFINED in" in control.config()


def test_a_second_session_waits_for_the_lock_then_fails(eos, driver, make_driver):
    driver.load_merge_candidate(config="hostname holder")
    second = make_driver(eos)
    second.open()
    try:
        with pytest.raises(SessionLockedException):
            second.load_merge_candidate(config="hostname intruder")
    finally:
        second.close()
    driver.commit_config()
    assert driver.get_facts()["hostname"] == "holder"


def test_default_device_config_is_usable(eos_default, make_driver):
    device = make_driver(eos_default, "https")
    device.open()
    try:
        assert device.get_facts()["hostname"] == "ams01-r3"
        device.load_replace_candidate(config=device.get_config(retrieve="running")["running"])
        assert device.compare_config() == ""
    finally:
        device.close()


def test_banner_heredoc_and_mode_comments_arrive_as_command_input(driver, control):
    # napalm turns a banner's lines into one {"cmd", "input"} item and `!!` lines into a `comment` command
    # (only when another line follows: napalm drops trailing `!!` lines)
    driver.load_merge_candidate(config="banner motd\nAuthorised use only\nEOF\n"
                                       "route-map TRANSIT-IN permit 10\n   !! shifted by trafficshift\n"
                                       "   set local-preference 200\n")
    driver.commit_config()
    committed = control.config()
    assert "banner motd\nAuthorised use only\nEOF\n" in committed
    assert "route-map TRANSIT-IN permit 10\n   !! shifted by trafficshift\n" in committed


def test_commit_history_names_the_authenticated_user(eos_lab, eos_ops, make_driver):
    assert eos_ops["username"] == "ops"
    device = make_driver(eos_ops)
    device.open()
    try:
        device.load_merge_candidate(config="hostname ops-owned")
        device.commit_config(revert_in=300)
        device.confirm_commit()
    finally:
        device.close()
    history = eos_lab.control("ams01-r4").commits()
    assert [(record["user"], record["kind"]) for record in history] == [("ops", "commit timer"), ("ops", "confirm")]
