"""eAPI on the wire, below pyeapi: JSON-RPC envelope, text-format errors, HTTP status codes."""
from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec


def post(entry: dict, body: bytes, path: str = "/command-api", method: str = "POST"):
    token = base64.b64encode(f"{entry['username']}:{entry['password']}".encode()).decode()
    request = urllib.request.Request(f"http://{entry['host']}:{entry['port']}{path}", data=body, method=method,
                                     headers={"Authorization": f"Basic {token}",
                                              "Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def run_cmds(entry: dict, cmds: list, output_format: str = "json", request_id="req-7") -> dict:
    body = {"jsonrpc": "2.0", "method": "runCmds", "id": request_id,
            "params": {"version": 1, "cmds": cmds, "format": output_format}}
    return post(entry, json.dumps(body).encode())


def test_reply_echoes_the_request_id(eos):
    reply = run_cmds(eos, ["show hostname"])
    assert reply == {"jsonrpc": "2.0", "id": "req-7", "result": [{"hostname": "ams01-r2",
                                                                    "fqdn": "ams01-r2.lab.example"}]}


def test_text_format_error_carries_output_and_errors(eos):
    reply = run_cmds(eos, ["enable", "show hostname", "show nonsense"], "text")
    assert reply["error"]["code"] == 1002
    assert reply["error"]["message"] == "CLI command 3 of 3 'show nonsense' failed: invalid command"
    assert reply["error"]["data"] == [
        {"output": ""},
        {"output": "Hostname: ams01-r2\nFQDN:     ams01-r2.lab.example\n"},
        {"errors": ["Invalid input (at token 1: 'nonsense')"], "output": "% Invalid input (at token 1: 'nonsense')\n"},
    ]
    assert "result" not in reply


def test_enable_with_a_password_input_is_accepted(eos):
    reply = run_cmds(eos, [{"cmd": "enable", "input": "enable-secret"}, "configure session probe",
                           "hostname probed", "end", "configure session probe abort"])
    assert reply["result"] == [{}, {}, {}, {}, {}]


def test_malformed_requests_get_json_rpc_errors(eos):
    assert post(eos, b"{not json")["error"]["code"] == -32700
    assert post(eos, json.dumps({"jsonrpc": "2.0", "method": "runShell", "id": 1}).encode())["error"]["code"] \
        == -32601
    assert run_cmds(eos, ["show version"], "xml")["error"]["code"] == -32602


@pytest.mark.parametrize(("path", "method", "status"), [("/command-api", "GET", 405), ("/", "POST", 404)])
def test_other_paths_and_methods_are_refused(eos, path, method, status):
    with pytest.raises(urllib.error.HTTPError) as raised:
        post(eos, b"{}" if method == "POST" else None, path, method)
    assert raised.value.code == status


def test_every_device_serves_the_same_self_signed_ec_certificate(eos_lab):
    # one certificate per process keeps a 100-device lab's start fast
    inventory = eos_lab.inventory()
    pems = {ssl.get_server_certificate((entry["host"], entry["https_port"])) for entry in inventory.values()}
    assert len(pems) == 1
    certificate = x509.load_pem_x509_certificate(pems.pop().encode())
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert certificate.issuer == certificate.subject
