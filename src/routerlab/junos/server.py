"""The Junos emulator: NETCONF over SSH (asyncssh) in front of a `ConfigDatabase`.

One `JunosDevice` listens on its own loopback port with its own ed25519 host key and accepts the
``netconf`` subsystem only. Framing is base:1.0 (``]]>]]>``) until both hellos carry base:1.1, then
RFC 6242 chunks. Requests of a session are answered in order, each after the ``delay_s`` fault.
"""
from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import itertools
import logging
import re
from collections import deque

import asyncssh
from lxml import etree

from routerlab.bgp import Route
from routerlab.device import Device
from routerlab.junos import config as cfg
from routerlab.junos import policy
from routerlab.junos.database import Client, ConfigDatabase, DatabaseError, Revision, RpcErrorInfo
from routerlab.junos.elements import JUNOS_NS
from routerlab.junos.rpc import DropConnection, RpcHandlers, render_error, serial_for

log = logging.getLogger(__name__)

BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"
EOM = b"]]>]]>"
CAPABILITIES = (
    BASE_10, BASE_11,
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
    "urn:ietf:params:netconf:capability:validate:1.0",
    "urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
    "http://xml.juniper.net/netconf/junos/1.0",
    "http://xml.juniper.net/dmi/system/1.0",
)
_CHUNK_HEADER = re.compile(rb"\n#(\d+)\n")
_session_ids = itertools.count(1000)
#: client XML never expands entities nor fetches anything
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _strip_namespaces(element: etree._Element) -> etree._Element:
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    etree.cleanup_namespaces(element)
    return element


class NetconfSession(asyncssh.SSHServerSession):
    """One NETCONF session on one SSH channel."""

    def __init__(self, device: "JunosDevice", user: str, conn: asyncssh.SSHServerConnection) -> None:
        self.device = device
        self.conn = conn
        self.session_id = next(_session_ids)
        self.client = Client(session_id=self.session_id, user=user, login_time=device.clock.now())
        self.handlers = RpcHandlers(device, self.client)
        self.chan: asyncssh.SSHServerChannel | None = None
        self.buffer = b""
        self.chunked = False
        self.hello_done = False
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.closed = False

    # -- asyncssh callbacks -----------------------------------------------------------------------
    def connection_made(self, chan) -> None:
        self.chan = chan

    def subsystem_requested(self, subsystem: str) -> bool:
        return subsystem == "netconf"

    def shell_requested(self) -> bool:
        return False

    def exec_requested(self, command: str) -> bool:
        return False

    def session_started(self) -> None:
        self.device.sessions.add(self)
        self.device.db.attach(self.client)
        self.worker = asyncio.get_running_loop().create_task(self._serve())
        self._send_raw(self._hello())

    def data_received(self, data: bytes, datatype) -> None:
        self.buffer += data
        for message in self._split_messages():
            self.queue.put_nowait(message)

    def eof_received(self) -> bool:
        self.close()
        return False

    def connection_lost(self, exc) -> None:
        self.close()

    # -- framing ------------------------------------------------------------------------------------
    def _hello(self) -> bytes:
        caps = "".join(f"<capability>{cap}</capability>" for cap in CAPABILITIES)
        return (f'<hello xmlns="{BASE_NS}"><capabilities>{caps}</capabilities>'
                f"<session-id>{self.session_id}</session-id></hello>").encode() + EOM

    def _split_messages(self) -> list[bytes]:
        messages = []
        while True:
            if not self.chunked:
                end = self.buffer.find(EOM)
                if end < 0:
                    return messages
                message, self.buffer = self.buffer[:end], self.buffer[end + len(EOM):]
                if not self.hello_done:
                    self._take_hello(message)
                    continue
                messages.append(message)
            else:
                message = self._take_chunked()
                if message is None:
                    return messages
                messages.append(message)

    def _take_chunked(self) -> bytes | None:
        parts, position = [], 0
        while True:
            if self.buffer.startswith(b"\n##\n", position):
                self.buffer = self.buffer[position + 4:]
                return b"".join(parts)
            match = _CHUNK_HEADER.match(self.buffer, position)
            if match is None:
                if len(self.buffer) - position > 20 and not self.buffer.startswith(b"\n#", position):
                    log.warning("%s: bad chunk framing, closing", self.device.name)
                    self.close()
                return None
            size = int(match.group(1))
            start = match.end()
            if len(self.buffer) < start + size:
                return None
            parts.append(self.buffer[start:start + size])
            position = start + size

    def _take_hello(self, message: bytes) -> None:
        self.hello_done = True
        try:
            hello = _strip_namespaces(etree.fromstring(message.strip(), _PARSER))
        except etree.XMLSyntaxError:
            self.close()
            return
        capabilities = {(cap.text or "").strip() for cap in hello.iter("capability")}
        self.chunked = BASE_11 in capabilities

    def _frame(self, payload: bytes) -> bytes:
        if self.chunked:
            return b"\n#%d\n" % len(payload) + payload + b"\n##\n"
        return payload + EOM

    def _send_raw(self, data: bytes) -> None:
        if self.chan is not None and not self.closed:
            self.chan.write(data)

    # -- requests -----------------------------------------------------------------------------------
    async def _serve(self) -> None:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            try:
                reply = await self._handle(message)
            except DropConnection:
                self.conn.abort()
                self.close()
                return
            if reply is not None:
                self._send_raw(self._frame(reply))

    async def _handle(self, message: bytes) -> bytes | None:
        try:
            rpc = etree.fromstring(message.strip(), _PARSER)
        except etree.XMLSyntaxError as exc:
            return self._reply({}, [render_error(_malformed(str(exc)))])
        attrs = {key: value for key, value in rpc.attrib.items() if not key.startswith("{")}
        _strip_namespaces(rpc)
        if rpc.tag != "rpc" or len(rpc) == 0:
            return self._reply(attrs, [render_error(_malformed(f"expected <rpc>, got <{rpc.tag}>"))])
        request = rpc[0]
        log.debug("%s session %d: <%s %s>", self.device.name, self.session_id, request.tag, dict(request.attrib))
        self.device.rpc_log.append((self.session_id, request.tag))
        if request.tag == "close-session":
            await self.device.reply_delay()
            self._send_raw(self._frame(self._reply(attrs, [etree.Element("ok")])))
            self.chan.exit(0)
            self.close()
            return None
        try:
            body = self.handlers.dispatch(request)
        except DatabaseError as exc:
            body = [render_error(error) for error in exc.errors]
        except DropConnection:
            raise
        except Exception as exc:  # a bug in a handler must answer an rpc-error, not hang the client
            log.exception("%s: <%s> failed", self.device.name, request.tag)
            body = [render_error(_internal(request.tag, exc))]
        await self.device.reply_delay()
        if self.closed:
            return None
        return self._reply(attrs, body)

    @staticmethod
    def _reply(attrs: dict, body: list) -> bytes:
        extra = "".join(f' {key}="{_escape_attr(value)}"' for key, value in attrs.items())
        inner = b"".join(etree.tostring(element) for element in body)
        return (f'<rpc-reply xmlns="{BASE_NS}" xmlns:junos="{JUNOS_NS}"{extra}>'.encode() + inner
                + b"</rpc-reply>")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.queue.put_nowait(None)
        self.device.sessions.discard(self)
        self.device.db.detach(self.client)
        if self.chan is not None:
            self.chan.close()


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _malformed(detail: str) -> RpcErrorInfo:
    return RpcErrorInfo(message=f"malformed rpc: {detail}", tag="malformed-message", error_type="rpc")


def _internal(tag: str, exc: Exception) -> RpcErrorInfo:
    return RpcErrorInfo(message=f"lab emulator error in <{tag}>: {exc}", tag="operation-failed",
                        error_type="application", bad_element=tag)


class _SSHServer(asyncssh.SSHServer):
    def __init__(self, device: "JunosDevice") -> None:
        self.device = device
        self.conn: asyncssh.SSHServerConnection | None = None
        self.user = ""

    def connection_made(self, conn) -> None:
        self.conn = conn
        if self.device.faults.refuse_connections:
            conn.abort()
            return
        self.device.connections.add(conn)

    def connection_lost(self, exc) -> None:
        self.device.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        self.user = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.device.username and password == self.device.password

    def session_requested(self):
        return NetconfSession(self.device, self.user, self.conn)


class JunosDevice(Device):
    vendor = "junos"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.sessions: set[NetconfSession] = set()
        #: (session id, RPC name) of the latest requests, oldest first: what the drivers actually send
        self.rpc_log: deque[tuple[int, str]] = deque(maxlen=1000)
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.server: asyncssh.SSHAcceptor | None = None
        self.db = self._new_database(cfg.Node.root())

    def _new_database(self, committed: cfg.Node, rollbacks: list[cfg.Node] | None = None) -> ConfigDatabase:
        return ConfigDatabase(clock=self.clock, committed=committed, rollbacks=rollbacks or [],
                              record=lambda user, comment, kind: self.record_commit(user, comment, kind))

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        if not self.load_state():
            text = self.initial_config if self.initial_config is not None else cfg.default_config(self.name)
            self.db = self._new_database(cfg.parse_text(text).tree)
        self.remember_routing_config()
        await self._listen(0)

    async def _listen(self, port: int) -> None:
        self.server = await asyncssh.create_server(
            lambda: _SSHServer(self), self.host, port, server_host_keys=[self.host_key], encoding=None,
            line_editor=False, keepalive_interval=0, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        self._drop_sessions()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def listen_again(self) -> None:
        await self._listen(self.port)

    async def stop(self) -> None:
        # like a reboot: an unconfirmed commit does not outlive the device (nor reach --state-dir)
        self.stopped = True
        self._drop_sessions()
        self.db.reset_sessions()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    def reboot(self) -> None:
        self._drop_sessions()
        self.db.reset_sessions()
        self.boot_time = self.clock.now()

    def _drop_sessions(self) -> None:
        for session in list(self.sessions):
            session.close()
        for conn in list(self.connections):
            conn.abort()
        self.connections.clear()

    # -- inspection --------------------------------------------------------------------------------------
    def committed_config(self) -> str:
        return self.db.committed.render()

    def committed_snapshot(self) -> cfg.Node:
        return self.db.committed.copy()

    def import_policy(self, route: Route, config: cfg.Node) -> Route | None:
        chains = policy.neighbor_chains(config)
        key = str(ipaddress.ip_address(route.neighbor)) if route.neighbor else None
        if key not in chains:
            return None
        return policy.evaluate(config, chains[key][0], route, direction="import")

    def local_routes(self, config: cfg.Node) -> list[Route]:
        return [Route(prefix, protocol="static") for prefix in sorted(self.originated, key=lambda p: (p.version, p))]

    def export_policy(self, route: Route, neighbor: str, config: cfg.Node) -> Route | None:
        chains = policy.neighbor_chains(config)
        if neighbor not in chains:
            return None
        return policy.evaluate(config, chains[neighbor][1], route, direction="export")

    def bgp_peers(self, config: cfg.Node) -> dict[str, tuple[int | None, str | None]]:
        return policy.neighbor_peers(config)

    def router_id(self) -> str:
        node = self.db.committed.find("routing-options", "router-id")
        return node.words[1] if node is not None and len(node.words) > 1 else "0.0.0.0"

    def local_as(self) -> int | None:
        node = self.db.committed.find("routing-options", "autonomous-system")
        return int(node.words[1]) if node is not None and len(node.words) > 1 else None

    def interface_addresses(self) -> list:
        found = []
        interfaces = self.db.committed.find("interfaces")
        for name, node in (interfaces.children.items() if interfaces is not None else ()):
            units = node.children.items() if node.kind == "container" else ()
            for key, unit in units:
                if not key.startswith("unit "):
                    continue
                for family in ("inet", "inet6"):
                    addresses = unit.find(f"family {family}")
                    for child in (addresses.children.values() if addresses is not None else ()):
                        if child.name_words[:1] == ["address"] and len(child.name_words) > 1:
                            found.append((f"{name}.{key.split()[1]}", ipaddress.ip_interface(child.name_words[1])))
        return found

    def hostname(self) -> str:
        node = self.db.committed.find("system", "host-name")
        return node.words[1] if node is not None and len(node.words) > 1 else self.name

    def serial_number(self) -> str:
        return serial_for(self.name)

    def mac_address(self, interface: str) -> str:
        digest = hashlib.sha256(f"{self.name}/{interface}".encode()).digest()
        return "2c:6b:f5:" + ":".join(f"{byte:02x}" for byte in digest[:3])

    def interfaces(self) -> list[tuple[str, str | None, list[tuple[str, list[str]]]]]:
        """(name, description, [(unit, [inet address])]) for every configured interface."""
        result = []
        interfaces = self.db.committed.find("interfaces")
        for name, node in (interfaces.children.items() if interfaces is not None else ()):
            if node.kind != "container" or " " in name:
                continue
            units = []
            for key, unit in node.children.items():
                if key.startswith("unit "):
                    inet = unit.find("family inet")
                    addresses = [child.name_words[1] for child in (inet.children.values() if inet else ())
                                 if child.name_words[0] == "address" and len(child.name_words) > 1]
                    units.append((key.split()[1], addresses))
            description = node.find("description")
            result.append((name, description.words[1] if description is not None and len(description.words) > 1
                           else None, units))
        return result

    # -- persistence ------------------------------------------------------------------------------------
    def export_state(self) -> dict:
        return {"rollbacks": [tree.render() for tree in self.db.rollbacks],
                "revisions": [vars(revision) for revision in self.db.revisions]}

    def import_state(self, state: dict) -> None:
        rollbacks = [cfg.parse_text(text).tree for text in state["rollbacks"]]
        self.db = self._new_database(rollbacks[0].copy(), rollbacks)
        self.db.revisions = [Revision(**revision) for revision in state.get("revisions", [])]
