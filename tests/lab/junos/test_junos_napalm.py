"""Contract: the unmodified napalm junos driver works against the Junos emulator as against a router."""
from __future__ import annotations

import time

import pytest
from jnpr.junos.exception import CommitError as JunosCommitError
from jnpr.junos import Device
from jnpr.junos.exception import ConnectClosedError, ConnectRefusedError, RpcError, RpcTimeoutError
from jnpr.junos.utils.config import Config
from napalm.base.exceptions import LockError, MergeConfigException, ReplaceConfigException

from conftest import base_config

NEW_NEIGHBOR = """\
protocols {
    bgp {
        group EBGP {
            neighbor 192.0.2.3 {
                peer-as 65003;
            }
        }
    }
}
"""
NEW_NEIGHBOR_DIFF = """\
[edit protocols bgp group EBGP]
+   neighbor 192.0.2.3 {
+       peer-as 65003;
+   }"""


def test_get_facts_reports_config_identity_and_interfaces(open_driver):
    facts = open_driver("facts").get_facts()
    assert facts == {
        "vendor": "Juniper", "model": "VMX", "serial_number": facts["serial_number"], "os_version": "21.4R3.15",
        "hostname": "facts", "fqdn": "facts.lab.example.net", "uptime": facts["uptime"],
        "interface_list": ["ge-0/0/0", "lo0"],
    }
    assert facts["serial_number"].startswith("VM") and facts["uptime"] > 0


def test_merge_curly_text_shows_junos_diff_and_commits_with_user_and_comment(lab, open_driver):
    driver = open_driver("merge-text")
    driver.load_merge_candidate(config=NEW_NEIGHBOR)
    assert driver.compare_config() == NEW_NEIGHBOR_DIFF
    driver.commit_config(message="add customer peer")
    assert driver.compare_config() == ""
    assert "neighbor 192.0.2.3 {\n                peer-as 65003;" in lab.control("merge-text").config()
    last = lab.control("merge-text").commits()[-1]
    assert (last["user"], last["comment"], last["kind"]) == ("admin", "add customer peer", "commit")


def test_napalm_sends_the_rpc_sequence_the_lab_was_built_for(lab, open_driver):
    """Catches drift in the driver: a new napalm/junos-eznc that sends other RPCs fails here first."""
    device = lab.devices["rpc-sequence"]
    before = lab.call(lambda: len(device.rpc_log))
    driver = open_driver("rpc-sequence")
    driver.load_merge_candidate(config="set system host-name sequence")
    driver.compare_config()
    driver.discard_config()
    driver.close()
    sent = [rpc for _, rpc in lab.call(lambda: list(device.rpc_log))[before:]]
    assert sent == ["lock-configuration", "load-configuration", "get-configuration", "load-configuration",
                    "unlock-configuration", "close-session"]


def test_merge_set_lines_including_delete(lab, open_driver):
    driver = open_driver("merge-set")
    driver.load_merge_candidate(config=(
        "set policy-options community BLACKHOLE members 65535:666\n"
        "set protocols bgp group EBGP neighbor 192.0.2.1 import BLOCK\n"
        "set policy-options policy-statement BLOCK then community add BLACKHOLE\n"
        "delete system domain-name\n"))
    assert driver.compare_config() == (
        "[edit system]\n"
        "-  domain-name lab.example.net;\n"
        "[edit protocols bgp group EBGP neighbor 192.0.2.1]\n"
        "+  import BLOCK;\n"
        "[edit policy-options]\n"
        "+   policy-statement BLOCK {\n"
        "+       then community add BLACKHOLE;\n"
        "+   }\n"
        "+   community BLACKHOLE members 65535:666;")
    driver.commit_config()
    running = driver.get_config(retrieve="running")["running"]
    assert "domain-name" not in running and "community BLACKHOLE members 65535:666;" in running


def test_replace_candidate_overrides_whole_config(lab, open_driver):
    driver = open_driver("replace")
    new_config = base_config("replace").replace("    domain-name lab.example.net;\n", "")
    new_config = new_config[:new_config.index("protocols {")]  # no BGP, no policy-options
    driver.load_replace_candidate(config=new_config)
    diff = driver.compare_config()
    assert diff.startswith("[edit system]\n-  domain-name lab.example.net;\n[edit]\n-   protocols {")
    assert "-   policy-options {" in diff and "+" not in diff
    driver.commit_config()
    assert lab.control("replace").config() == new_config


def test_replace_tag_replaces_only_the_tagged_stanza(lab, open_driver):
    driver = open_driver("replace-tag")
    driver.load_merge_candidate(config=(
        "protocols {\n    bgp {\n        replace:\n        group EBGP {\n            type external;\n"
        "            neighbor 192.0.2.9 {\n                peer-as 65009;\n            }\n        }\n    }\n}\n"
        "system {\n    ntp {\n        server 192.0.2.123;\n    }\n}\n"))
    assert driver.compare_config() == (
        "[edit system]\n"
        "+   ntp {\n"
        "+       server 192.0.2.123;\n"
        "+   }\n"
        "[edit protocols bgp group EBGP]\n"
        "-  export EXPORT-CUSTOMERS;\n"
        "-   neighbor 192.0.2.1 {\n"
        "-       peer-as 65001;\n"
        "-   }\n"
        "+   neighbor 192.0.2.9 {\n"
        "+       peer-as 65009;\n"
        "+   }")


def test_replace_tag_on_one_line_named_leaf_replaces_it(lab, open_driver):
    """Renderer feedback, issue 4: the members of a `replace:`d one-line community did not get replaced."""
    driver = open_driver("replace-one-line-leaf")
    marker = "policy-options {\n    replace:\n    community TS-MARKER members 65535:%s;\n}\n"
    driver.load_merge_candidate(config=marker % "666")
    driver.commit_config()
    driver.load_merge_candidate(config=marker % "777")
    assert driver.compare_config() == (
        "[edit policy-options community TS-MARKER]\n-  members 65535:666;\n+  members 65535:777;")
    driver.commit_config()
    assert lab.control("replace-one-line-leaf").config() == (
        base_config("replace-one-line-leaf")[:-2] + "    community TS-MARKER members 65535:777;\n}\n")


#: a shift block as trafficshift renders it: every managed object `replace:`d, here in another order than
#: the one they were first configured in
EMPTY_SHIFT = """\
policy-options {
    replace:
    policy-statement TS-IN {
        term PASS {
            then next policy;
        }
    }
    replace:
    policy-statement TS-OUT {
        term PASS {
            then next policy;
        }
    }
    replace:
    community TS-MARKER members 65535:666;
}
"""
SHIFT = """\
policy-options {
    replace:
    community TS-MARKER members 65535:666;
    replace:
    policy-statement TS-OUT {
        term PREPEND {
            from prefix-list CUSTOMERS;
            then {
                as-path-prepend 65000;
                community add TS-MARKER;
            }
        }
        term PASS {
            then next policy;
        }
    }
    replace:
    policy-statement TS-IN {
        term PASS {
            then next policy;
        }
    }
}
"""


def test_loading_a_shift_then_the_empty_block_restores_the_config_byte_for_byte(lab, open_driver):
    driver = open_driver("shift-round-trip")
    driver.load_merge_candidate(config=EMPTY_SHIFT)
    driver.commit_config()
    before = lab.control("shift-round-trip").config()
    driver.load_merge_candidate(config=SHIFT)
    driver.commit_config()
    shifted = lab.control("shift-round-trip").config()
    # replaced objects keep their places: TS-IN before TS-OUT, the community after the policy-statements
    assert shifted.index("policy-statement TS-IN") < shifted.index("policy-statement TS-OUT") \
        < shifted.index("term PREPEND") < shifted.index("community TS-MARKER")
    driver.load_merge_candidate(config=EMPTY_SHIFT)
    driver.commit_config()
    assert lab.control("shift-round-trip").config() == before


def test_discard_config_drops_changes_and_releases_the_lock(lab, open_driver):
    driver = open_driver("discard")
    driver.load_merge_candidate(config="system { host-name scratch; }")
    driver.discard_config()
    assert driver.compare_config() == ""
    other = open_driver("discard")
    other.load_merge_candidate(config="system { host-name other; }")  # would raise LockError if still held
    assert other.compare_config() == "[edit system]\n-  host-name discard;\n+  host-name other;"
    other.discard_config()
    assert lab.control("discard").config() == base_config("discard")


def test_rollback_restores_previous_commit_and_is_recorded(lab, open_driver):
    driver = open_driver("rollback")
    driver.load_merge_candidate(config="system { host-name changed; }")
    driver.commit_config()
    driver.rollback()
    assert lab.control("rollback").config() == base_config("rollback")
    assert [record["kind"] for record in lab.control("rollback").commits()] == ["commit", "rollback"]


def test_get_config_separates_candidate_and_running(open_driver):
    driver = open_driver("get-config")
    driver.load_merge_candidate(config="set system host-name candidate-name")
    configs = driver.get_config()
    assert configs["running"] == base_config("get-config")
    assert "host-name candidate-name;" in configs["candidate"] and configs["startup"] == ""
    driver.discard_config()


def test_commit_confirmed_is_pending_until_confirmed(lab, open_driver):
    driver = open_driver("confirm")
    driver.load_merge_candidate(config="set system host-name confirmed")
    driver.commit_config(revert_in=600)
    assert driver.has_pending_commit() is True
    pending = driver._get_pending_commits()
    assert list(pending.values())[0] <= 600
    driver.confirm_commit()
    assert driver.has_pending_commit() is False
    assert "host-name confirmed;" in lab.control("confirm").config()
    assert [record["kind"] for record in lab.control("confirm").commits()] == ["commit confirmed", "confirm"]


def test_unconfirmed_commit_reverts_by_itself(lab, open_driver):
    driver = open_driver("auto-revert")
    driver.load_merge_candidate(config="set system host-name unconfirmed")
    driver.commit_config(revert_in=60)  # one device minute = one second at TIME_SCALE 60
    deadline = time.monotonic() + 10
    while len(lab.control("auto-revert").commits()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [record["kind"] for record in lab.control("auto-revert").commits()] == ["commit confirmed",
                                                                                  "auto-revert"]
    assert lab.control("auto-revert").config() == base_config("auto-revert")
    assert driver.has_pending_commit() is False
    assert driver.compare_config() == ""


def test_second_session_cannot_load_while_first_holds_the_lock(open_driver):
    first = open_driver("lock-napalm")
    second = open_driver("lock-napalm")
    first.load_merge_candidate(config="set system host-name first")
    with pytest.raises(LockError, match="configuration database locked by:\n  admin"):
        second.load_merge_candidate(config="set system host-name second")
    first.commit_config()
    second.load_merge_candidate(config="set system host-name second")
    assert second.compare_config() == "[edit system]\n-  host-name first;\n+  host-name second;"
    second.discard_config()


def test_lock_fails_while_another_session_has_uncommitted_changes(open_driver):
    holder = open_driver("lock-modified", lock_disable=True)
    holder.load_merge_candidate(config="set system host-name edited-elsewhere")
    with pytest.raises(LockError, match="configuration database modified"):
        open_driver("lock-modified").load_merge_candidate(config="set system host-name mine")
    holder.discard_config()


@pytest.mark.parametrize(("change", "message"), [
    ("set protocols bgp group EBGP import MISSING-IN", "Policy error: Policy MISSING-IN referenced but not defined"),
    ("set policy-options policy-statement EXPORT-CUSTOMERS term rest from policy NOPE",
     "Policy error: Policy NOPE referenced but not defined"),
    ("set policy-options policy-statement EXPORT-CUSTOMERS term rest from prefix-list NO-PL",
     "Policy error: Prefix-list NO-PL referenced but not defined"),
    ("set policy-options policy-statement EXPORT-CUSTOMERS term rest from prefix-list-filter NO-PLF orlonger",
     "Policy error: Prefix-list NO-PLF referenced but not defined"),
    ("set policy-options policy-statement EXPORT-CUSTOMERS term rest then community add NO-COMM",
     "Policy error: Community NO-COMM referenced but not defined"),
    ("set policy-options policy-statement EXPORT-CUSTOMERS term rest from community NO-MATCH",
     "Policy error: Community NO-MATCH referenced but not defined"),
])
def test_commit_refuses_undefined_policy_references(lab, open_driver, change, message):
    driver = open_driver("refs")
    driver.load_merge_candidate(config=change)
    with pytest.raises(JunosCommitError) as failure:
        driver.commit_config()
    assert message in str(failure.value) and "configuration check-out failed" in str(failure.value)
    driver.discard_config()
    assert lab.control("refs").config() == base_config("refs")


@pytest.mark.parametrize(("config", "replace"), [
    ("system {\n    host-name broken;\n", False),
    ("system {\n    host-name broken;\n}\n}\n", True),
    ("bogus-stanza {\n    thing 1;\n}\n", False),
    ("set bogus-stanza thing 1", False),
])
def test_load_rejects_syntax_errors(open_driver, config, replace):
    driver = open_driver("syntax")
    with pytest.raises(ReplaceConfigException if replace else MergeConfigException):
        if replace:
            driver.load_replace_candidate(config=config)
        else:
            driver.load_merge_candidate(config=config)
    assert driver.compare_config() == ""


def test_xml_load_gets_a_clear_refusal(open_driver):
    driver = open_driver("xml-load")
    with pytest.raises(MergeConfigException, match="format 'xml' is not supported by the lab"):
        driver.load_merge_candidate(config="<configuration><system><host-name>x</host-name></system></configuration>")


def test_private_candidate_commits_without_touching_the_shared_one(lab, open_driver):
    driver = open_driver("private", config_private=True)
    driver.load_merge_candidate(config="set system host-name private-edit")
    assert driver.compare_config() == "[edit system]\n-  host-name private;\n+  host-name private-edit;"
    driver.commit_config()
    assert "host-name private-edit;" in lab.control("private").config()


def test_a_private_candidate_cannot_be_committed_confirmed(lab, open_driver):
    # Juniper: a confirmed commit cannot be performed on a private copy of the configuration, so NAPALM's
    # config_private cannot give a commit-confirmed change its own candidate
    driver = open_driver("private-confirmed", config_private=True)
    driver.load_merge_candidate(config="set system host-name private-confirmed-edit")
    with pytest.raises(RpcError, match="commit confirmed is not supported on a private copy"):
        driver.commit_config(revert_in=60)
    assert "private-confirmed-edit" not in lab.control("private-confirmed").config()
    driver.discard_config()


def test_private_mode_refused_while_shared_candidate_is_modified(lab, open_driver):
    shared = open_driver("private-refused", lock_disable=True)
    shared.load_merge_candidate(config="set system host-name shared-edit")
    inventory = lab.inventory()["private-refused"]
    with Device(inventory["host"], user=inventory["username"], password=inventory["password"],
                port=inventory["port"], gather_facts=False) as device:
        # napalm swallows this refusal (and then edits the shared candidate); junos-eznc raises it
        with pytest.raises(RpcError, match="shared configuration database modified"):
            with Config(device, mode="private"):
                pass
    shared.discard_config()


# -- injected faults surface as the driver's own exceptions ------------------------------------------------
def test_refused_connection_fails_open(lab, open_driver):
    lab.control("fault-refuse").inject(refuse_connections=True)
    try:
        with pytest.raises(ConnectRefusedError):
            open_driver("fault-refuse")
    finally:
        lab.control("fault-refuse").clear()
    assert open_driver("fault-refuse").get_facts()["hostname"] == "fault-refuse"


def test_slow_replies_time_out(lab, open_driver):
    driver = open_driver("fault-delay", timeout=1)
    lab.control("fault-delay").inject(delay_s=2.5)
    try:
        with pytest.raises(RpcTimeoutError):
            driver.get_config(retrieve="running")
    finally:
        lab.control("fault-delay").clear()


def test_injected_commit_failure_is_one_shot(lab, open_driver):
    driver = open_driver("fault-fail-commit")
    lab.control("fault-fail-commit").inject(fail_next_commit="commit failed: disk full")
    driver.load_merge_candidate(config="set system host-name after-failure")
    with pytest.raises(JunosCommitError, match="commit failed: disk full"):
        driver.commit_config()
    driver.commit_config()
    assert "host-name after-failure;" in lab.control("fault-fail-commit").config()


def test_lock_held_by_someone_else(lab, open_driver):
    lab.control("fault-lock").inject(lock_held_by="netops")
    try:
        with pytest.raises(LockError, match="configuration database locked by:\n  netops"):
            open_driver("fault-lock").load_merge_candidate(config="set system host-name locked-out")
    finally:
        lab.control("fault-lock").clear()


def test_dropped_connection_on_commit_leaves_config_unchanged(lab, open_driver):
    driver = open_driver("fault-drop")
    lab.control("fault-drop").inject(drop_next_commit=True)
    driver.load_merge_candidate(config="set system host-name never-committed")
    with pytest.raises(ConnectClosedError):
        driver.commit_config()
    assert lab.control("fault-drop").config() == base_config("fault-drop")
    assert lab.control("fault-drop").commits() == []
    # the dropped session's lock and changes went with it: a new session can work normally
    fresh = open_driver("fault-drop")
    fresh.load_merge_candidate(config="set system host-name second-try")
    assert fresh.compare_config() == "[edit system]\n-  host-name fault-drop;\n+  host-name second-try;"
    fresh.discard_config()


def test_dropped_connection_on_load_loads_nothing_and_is_one_shot(lab, open_driver):
    driver = open_driver("fault-drop-load")
    lab.control("fault-drop-load").inject(drop_next_load=True)
    with pytest.raises(ConnectClosedError):
        driver.load_merge_candidate(config="set system host-name never-loaded")
    assert lab.control("fault-drop-load").faults()["drop_next_load"] is False
    assert lab.control("fault-drop-load").config() == base_config("fault-drop-load")
    assert lab.control("fault-drop-load").commits() == []
    # nothing was loaded and the session's lock went with it: a new session sees a clean candidate
    fresh = open_driver("fault-drop-load")
    assert fresh.compare_config() == ""
    fresh.load_merge_candidate(config="set system host-name second-try")
    fresh.commit_config()
    assert "host-name second-try;" in lab.control("fault-drop-load").config()
