"""The NETCONF transport as ncclient and a raw SSH client see it: hello, framing, ids, errors, sessions."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import asyncssh
import pytest
from lxml import etree
from ncclient import manager
from ncclient.operations import RPCError
from ncclient.transport.errors import AuthenticationError

BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
EOM = b"]]>]]>"


def connect(lab, name: str, password: str | None = None):
    inventory = lab.inventory()[name]
    return manager.connect(host=inventory["host"], port=inventory["port"], username=inventory["username"],
                           password=password or inventory["password"], hostkey_verify=False,
                           allow_agent=False, look_for_keys=False, timeout=10,
                           device_params={"name": "junos"})


def test_hello_capabilities_and_distinct_session_ids(lab):
    with connect(lab, "ncclient") as first, connect(lab, "ncclient") as second:
        capabilities = set(first.server_capabilities)
        assert {"urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1",
                "http://xml.juniper.net/netconf/junos/1.0"} <= capabilities
        assert first.session_id.isdigit() and second.session_id.isdigit()
        assert first.session_id != second.session_id


def test_unknown_rpc_is_an_rpc_error(lab):
    with connect(lab, "ncclient") as session:
        with pytest.raises(RPCError) as failure:
            session.rpc(etree.XML("<get-frobnicator-information/>"))
    assert (failure.value.severity, failure.value.message) == ("error", "syntax error")
    assert "<bad-element>get-frobnicator-information</bad-element>" in etree.tostring(failure.value.xml).decode()


def test_wrong_password_is_refused(lab):
    with pytest.raises(AuthenticationError):
        connect(lab, "ncclient", password="not-the-password")


def test_concurrent_sessions_each_get_their_reply(lab):
    def hostname(_):
        with connect(lab, "ncclient") as session:
            return session.rpc(etree.XML("<get-software-information/>")).xpath("string(//host-name)")

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(hostname, range(6))) == ["ncclient"] * 6


# -- raw SSH: framing exactly as on the wire ---------------------------------------------------------------
async def _raw_exchange(inventory: dict, client_capabilities: list[str], rpc: bytes) -> tuple[bytes, bytes]:
    """Send our hello and one framed rpc; return (server hello, raw reply frame)."""
    async with asyncssh.connect(inventory["host"], inventory["port"], username=inventory["username"],
                                password=inventory["password"], known_hosts=None) as conn:
        writer, reader, _ = await conn.open_session(subsystem="netconf", encoding=None)
        server_hello = await reader.readuntil(EOM)
        caps = "".join(f"<capability>{cap}</capability>" for cap in client_capabilities)
        writer.write(f'<hello xmlns="{BASE_NS}"><capabilities>{caps}</capabilities></hello>'.encode() + EOM)
        if "urn:ietf:params:netconf:base:1.1" in client_capabilities:
            writer.write(b"\n#%d\n" % len(rpc) + rpc + b"\n##\n")
            reply = await reader.readuntil(b"\n##\n")
        else:
            writer.write(rpc + EOM)
            reply = await reader.readuntil(EOM)
        writer.close()
        return server_hello, reply


def raw_exchange(lab, client_capabilities: list[str], rpc: bytes) -> tuple[bytes, bytes]:
    return asyncio.run(asyncio.wait_for(_raw_exchange(lab.inventory()["framing"], client_capabilities, rpc), 10))


def test_base_10_framing_echoes_message_id_without_xml_declaration(lab):
    rpc = f'<rpc xmlns="{BASE_NS}" message-id="42"><get-software-information/></rpc>'.encode()
    server_hello, reply = raw_exchange(lab, ["urn:ietf:params:netconf:base:1.0"], rpc)
    assert b"<session-id>" in server_hello and not server_hello.startswith(b"<?xml")
    assert reply.startswith(b"<rpc-reply") and reply.endswith(b"</rpc-reply>" + EOM)
    parsed = etree.fromstring(reply[:-len(EOM)])
    assert parsed.get("message-id") == "42"
    assert parsed.findtext(f"{{{BASE_NS}}}software-information/{{{BASE_NS}}}host-name") == "framing"


def test_base_11_chunked_framing(lab):
    rpc = f'<rpc xmlns="{BASE_NS}" message-id="7"><get-system-uptime-information/></rpc>'.encode()
    _, reply = raw_exchange(lab, ["urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1"], rpc)
    header, _, rest = reply[1:].partition(b"\n")
    body = rest[:-len(b"\n##\n")]
    assert header == b"#%d" % len(body)
    assert etree.fromstring(body).get("message-id") == "7"


def test_only_the_netconf_subsystem_is_offered(lab):
    inventory = lab.inventory()["framing"]

    async def open_sftp():
        async with asyncssh.connect(inventory["host"], inventory["port"], username=inventory["username"],
                                    password=inventory["password"], known_hosts=None) as conn:
            await conn.open_session(subsystem="sftp")

    with pytest.raises(asyncssh.ChannelOpenError):
        asyncio.run(asyncio.wait_for(open_sftp(), 10))


def test_standard_netconf_operations(lab):
    """ncclient's manager API (lock, commit confirmed, commit, discard-changes, get-config) as on Junos."""
    with connect(lab, "ncclient-standard") as session:
        session.lock(target="candidate")
        session.rpc(etree.XML('<load-configuration action="set" format="text"><configuration-set>'
                              "set system host-name via-ncclient</configuration-set></load-configuration>"))
        assert session.get_config(source="candidate").xpath("string(//host-name)") == "via-ncclient"
        session.validate(source="candidate")
        session.commit(confirmed=True, timeout="120")
        session.commit()
        session.rpc(etree.XML('<load-configuration action="set" format="text"><configuration-set>'
                              "set system host-name scratch</configuration-set></load-configuration>"))
        session.discard_changes()
        session.unlock(target="candidate")
        assert session.get_config(source="running").xpath("string(//host-name)") == "via-ncclient"
    assert [record["kind"] for record in lab.control("ncclient-standard").commits()] == ["commit confirmed",
                                                                                       "confirm"]
