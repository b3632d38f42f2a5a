"""pyeapi used directly: eAPI request/response shapes, config modes, sessions, errors, HTTPS."""
from __future__ import annotations

import pyeapi
import pytest
from pyeapi.eapilib import CommandError


@pytest.fixture(params=["http", "https"])
def node(request, eos):
    port = eos["https_port"] if request.param == "https" else eos["port"]
    return pyeapi.connect(transport=request.param, host=eos["host"], port=port, username=eos["username"],
                          password=eos["password"], timeout=10, return_node=True)


def test_json_and_text_formats(node):
    version = node.enable("show version")[0]
    assert version["encoding"] == "json" and version["result"]["version"] == "4.32.2F"
    text = node.run_commands(["show version", "show hostname"], encoding="text")
    assert all(set(result) == {"output"} for result in text)
    assert "Software image version: 4.32.2F" in text[0]["output"]
    assert text[1]["output"] == "Hostname: ams01-r2\nFQDN:     ams01-r2.lab.example\n"
    assert node.version == "4.32.2F" and node.model == "cEOSLab"


def test_error_reply_carries_per_command_data_like_eos(node):
    with pytest.raises(CommandError) as raised:
        node.run_commands(["show version", "show bogus", "show hostname"])
    error = raised.value
    assert error.error_code == 1002
    assert error.error_text == "CLI command 3 of 4 'show bogus' failed: invalid command"
    # data: one entry per command that ran (enable, show version), then the failing one; nothing after it
    assert len(error.output) == 3
    assert error.output[0] == {} and "modelName" in error.output[1]
    assert error.output[2] == {"errors": ["Invalid input (at token 1: 'bogus')"]}


def test_configure_terminal_applies_at_once_and_is_logged(node, control):
    node.config(["interface Ethernet1", "shutdown", "description drained"])
    assert "interface Ethernet1\n   description drained\n   shutdown\n" in control.config()
    assert [(r["kind"], r["comment"]) for r in control.commits()] == [("commit", "configure terminal")]
    # pyeapi's interface API parses `show running-config all`
    interface = node.api("interfaces").get("Ethernet1")
    assert interface["shutdown"] is True and interface["description"] == "drained"
    assert node.api("interfaces").get("Ethernet2")["shutdown"] is False


def test_session_diff_commit_and_abort(node, control):
    before = control.config()
    node.configure_session()
    node.config(["route-map TRANSIT-IN permit 10", "set local-preference 50"])
    diff = node.diff().splitlines()
    assert diff[:2] == ["--- system:/running-config", f"+++ session:/{node._session_name}-session-config"]
    assert "-   set local-preference 200" in diff and "+   set local-preference 50" in diff
    node.abort()
    assert control.config() == before
    node._session_name = None
    node.configure_session()
    node.config(["router bgp 65000", "neighbor 192.0.2.2 shutdown"])
    node.commit()
    assert "   neighbor 192.0.2.2 shutdown\n" in control.config()
    assert [r["kind"] for r in control.commits()] == ["commit"]


def test_text_only_command_in_json_falls_back_to_text(node):
    node.run_commands(["configure session inspect", "hostname inspected", "end"])
    # EOS has no JSON form of a session diff (error 1003); pyeapi's enable() retries it as text
    result = node.enable("show session-config named inspect diffs")[0]
    assert result["encoding"] == "text" and "+hostname inspected" in result["result"]["output"]
    node.run_commands(["configure session inspect abort"])


def test_privileged_commands_need_enable(node):
    with pytest.raises(CommandError, match="privileged mode required"):
        node.run_commands(["configure terminal"], send_enable=False)
    with pytest.raises(CommandError, match="privileged mode required"):
        node.run_commands(["show running-config"], send_enable=False)
    assert node.run_commands(["show hostname"], send_enable=False)[0]["hostname"] == "ams01-r2"


def test_at_most_five_sessions_can_be_pending(node):
    node.run_commands([f"configure session pending{index}" for index in range(5)])
    with pytest.raises(CommandError, match="Maximum number of pending sessions has been reached"):
        node.run_commands(["configure session one-too-many"])
    node.run_commands([f"configure session pending{index} abort" for index in range(5)])
    node.run_commands(["configure session now-fits", "configure session now-fits abort"])


def test_copy_write_and_configure_replace(node, control):
    saved = node.run_commands(["copy running-config flash:before-change", "write memory"])
    assert saved == [{"messages": ["Copy completed successfully."]}] * 2
    before = control.config()
    node.config(["hostname changed"])
    node.run_commands(["configure replace flash:before-change"])
    assert control.config() == before
    assert [r["kind"] for r in control.commits()] == ["commit", "replace"]
    with pytest.raises(CommandError, match="No such file or directory"):
        node.run_commands(["configure replace flash:missing"])
