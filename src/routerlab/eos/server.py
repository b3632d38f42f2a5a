"""The emulated Arista EOS device: eAPI (JSON-RPC `runCmds` on /command-api) over HTTP and HTTPS.

One aiohttp low-level server answers both ports; the HTTPS port uses one self-signed EC certificate made
once per process and shared by every device, so a 100-device lab starts fast.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import functools
import hashlib
import hmac
import ipaddress
import json
import os
import ssl
import tempfile

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from routerlab.bgp import Route
from routerlab.device import Device
from routerlab.eos import policy
from routerlab.eos.commands import MAX_SAVED_SESSIONS, Cli, CommandFailed, DropConnection, Session
from routerlab.eos.config import Config

DEFAULT_CONFIG = """\
service routing protocols model multi-agent
!
hostname {hostname}
!
spanning-tree mode mstp
!
no aaa root
!
username {username} privilege 15 role network-admin secret sha512 {secret}
!
interface Ethernet1
!
interface Ethernet2
!
interface Management1
!
ip routing
!
management api http-commands
   no shutdown
!
end
"""


@functools.lru_cache(maxsize=1)
def shared_tls_context() -> ssl.SSLContext:
    """A server TLS context with a self-signed EC certificate for localhost, made once per process."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "routerlab-eos")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain only reads files: write them to a private directory and delete them at once
    with tempfile.TemporaryDirectory(prefix="routerlab-eos-") as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        with open(cert_path, "wb") as handle:
            handle.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        context.load_cert_chain(cert_path, key_path)
    return context


class _RefusedConnection(asyncio.Protocol):
    """The refuse_connections fault: close each new connection at once."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()


class EosDevice(Device):
    vendor = "eos"

    def __init__(self, name: str, **kwargs) -> None:
        super().__init__(name, **kwargs)
        self.https_port: int | None = None
        self.running = Config()
        self.startup = ""
        self.startup_saved: tuple[float, str] = (self.clock.now(), self.username)
        self.flash: dict[str, str] = {}
        self.sessions: dict[str, Session] = {}
        self.session_counter = 0
        self.terminal_counter = 0
        #: stable per-device serial number and MAC address
        self.identity_digest = hashlib.sha256(name.encode()).hexdigest()
        self._http: web.Server | None = None
        self._listeners: list[asyncio.AbstractServer] = []

    # -- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        if not self.load_state():
            text = self.initial_config if self.initial_config is not None else self.default_config()
            self.running = Config.from_text(text)
            self.startup = self.running.render()
        self.remember_routing_config()
        await self._listen(0, 0)

    async def _listen(self, port: int, https_port: int) -> None:
        loop = asyncio.get_running_loop()
        self._http = web.Server(self._handle, access_log=None)

        def protocol() -> asyncio.Protocol:
            return _RefusedConnection() if self.faults.refuse_connections else self._http()

        plain = await loop.create_server(protocol, self.host, port, reuse_address=True)
        secure = await loop.create_server(protocol, self.host, https_port, ssl=shared_tls_context(),
                                          reuse_address=True)
        self._listeners = [plain, secure]
        self.port = plain.sockets[0].getsockname()[1]
        self.https_port = secure.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        for listener in self._listeners:
            listener.close()
        if self._http is not None:
            await self._http.shutdown(0.1)  # closes the kept-alive client connections too
            self._http = None
        for listener in self._listeners:
            await listener.wait_closed()
        self._listeners = []

    async def listen_again(self) -> None:
        await self._listen(self.port, self.https_port)

    async def stop(self) -> None:
        self.stopped = True
        for session in self.sessions.values():
            self.cancel_timer(session)
        await self.stop_listening()

    def reboot(self) -> None:
        # EOS reloads from startup-config. napalm writes memory only when a commit is confirmed (or committed
        # without a timer), so a change under a pending commit timer is gone after the reload, like any change
        # nobody saved; the history records the pending one as reverted.
        pending = [s for s in self.sessions.values() if s.state == "pendingCommitTimer"]
        for session in self.sessions.values():
            self.cancel_timer(session)
        self.sessions.clear()
        self.running = Config.from_text(self.startup)
        for session in pending:
            self.record_commit(session.user, "reverted by reboot", "auto-revert")
        self.save_state()
        self.boot_time = self.clock.now()

    def default_config(self) -> str:
        secret = "$6$routerlab$" + hashlib.sha512(self.name.encode()).hexdigest()[:86]
        return DEFAULT_CONFIG.format(hostname=self.name, username=self.username, secret=secret)

    # -- inspection and persistence ----------------------------------------------------------------------
    def inventory(self) -> dict:
        return super().inventory() | {"https_port": self.https_port}

    def committed_config(self) -> str:
        return self.running.render()

    def committed_snapshot(self) -> Config:
        return self.running.copy()

    def import_policy(self, route: Route, config: Config) -> Route | None:
        if route.neighbor is None or str(ipaddress.ip_address(route.neighbor)) not in \
                policy.configured_neighbors(config):
            return None
        return policy.evaluate(config, route.neighbor, route, direction="import")

    def local_routes(self, config: Config) -> list[Route]:
        # EOS announces a `network` prefix only while a route for it exactly is in the RIB
        announced = policy.network_statements(config)
        return [Route(prefix, protocol="bgp") for prefix in sorted(self.originated & announced,
                                                                   key=lambda p: (p.version, p))]

    def export_policy(self, route: Route, neighbor: str, config: Config) -> Route | None:
        if neighbor not in policy.configured_neighbors(config):
            return None
        return policy.evaluate(config, neighbor, route, direction="export")

    def local_as(self) -> int | None:
        for node in self.running.root.children:
            words = node.text.split()
            if words[:2] == ["router", "bgp"]:
                return policy.asn(words[2])
        return None

    def bgp_peers(self, config: Config) -> dict[str, tuple[int | None, str | None]]:
        return policy.neighbor_peers(config)

    def router_id(self) -> str:
        """`router-id` under `router bgp` ("0.0.0.0" when unset)."""
        for node in self.running.root.children:
            if node.text.startswith("router bgp "):
                for child in node.children:
                    if child.text.startswith("router-id "):
                        return child.text.split()[1]
        return "0.0.0.0"

    def interface_addresses(self) -> list:
        found = []
        for node in self.running.root.children:
            if not node.text.startswith("interface "):
                continue
            for child in node.children:
                words = child.text.split()
                if words[:2] in (["ip", "address"], ["ipv6", "address"]) and len(words) == 3:
                    found.append((node.text.split()[1], ipaddress.ip_interface(words[2])))
        return found

    def uptime(self) -> float:
        return self.clock.now() - self.boot_time

    def export_state(self) -> dict:
        return {"running": self.running.render(), "startup": self.startup, "flash": dict(self.flash)}

    def import_state(self, state: dict) -> None:
        self.running = Config.from_text(state["running"])
        self.startup = state["startup"]
        self.flash = dict(state.get("flash", {}))

    # -- commit timers ---------------------------------------------------------------------------------------
    def start_timer(self, session: Session, seconds: int) -> None:
        session.expire_uptime = self.uptime() + seconds
        session.timer = self.clock.call_later(seconds, lambda: self._revert(session, "commit timer expired"))

    def cancel_timer(self, session: Session) -> None:
        if session.timer is not None:
            session.timer.cancel()
            session.timer = None
        session.expire_uptime = None

    def _revert(self, session: Session, reason: str) -> None:
        if session.state != "pendingCommitTimer":
            return
        self.cancel_timer(session)
        self.running = session.before
        self.sessions.pop(session.name, None)
        self.record_commit(session.user, reason, "auto-revert")

    def complete(self, session: Session, user: str) -> None:
        """Mark a session committed; EOS keeps only the newest completed sessions."""
        session.completed_time = self.clock.now()
        session.commit_user = user
        session.before = None
        completed = [s for s in self.sessions.values() if s.state == "completed"]
        for old in completed[:-MAX_SAVED_SESSIONS]:
            del self.sessions[old.name]

    # -- eAPI ---------------------------------------------------------------------------------------------
    def _authenticate(self, request: web.BaseRequest) -> str | None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if hmac.compare_digest(user.encode(), self.username.encode()) and \
                hmac.compare_digest(password.encode(), self.password.encode()):
            return user
        return None

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path != "/command-api":
            return web.Response(status=404, text="Not Found")
        if request.method != "POST":
            return web.Response(status=405, text="Method Not Allowed")
        user = self._authenticate(request)
        if user is None:
            await self.reply_delay()
            return web.Response(status=401, text="Unable to authenticate user: Bad username/password combination",
                                headers={"WWW-Authenticate": 'Basic realm="eAPI"'})
        try:
            body = json.loads(await request.read())
            request_id = body.get("id")
        except (ValueError, AttributeError):
            await self.reply_delay()
            return web.json_response({"jsonrpc": "2.0", "id": None,
                                      "error": {"code": -32700, "message": "Parse error"}})
        try:
            reply = self._run(body, user)
        except DropConnection:
            # close without answering; cancelling the handler keeps aiohttp from writing to the dead socket
            request.transport.abort()
            raise asyncio.CancelledError() from None
        reply = {"jsonrpc": "2.0", "id": request_id} | reply
        await self.reply_delay()
        return web.json_response(reply)

    def _run(self, body: dict, user: str) -> dict:
        params = body.get("params") or {}
        commands = params.get("cmds")
        output_format = params.get("format") or "json"
        if body.get("method") != "runCmds":
            return {"error": {"code": -32601, "message": f"Method not found: {body.get('method')}"}}
        if not isinstance(commands, list) or output_format not in ("json", "text"):
            return {"error": {"code": -32602, "message": "Invalid params: expected cmds list and format json|text"}}
        cli = Cli(self, user)
        results: list[dict] = []
        try:
            for index, item in enumerate(commands):
                command, text_input = (item, None) if isinstance(item, str) else (item.get("cmd", ""),
                                                                                  item.get("input"))
                try:
                    data, text = cli.run(command, text_input)
                    if output_format == "json" and data is None:
                        raise CommandFailed("Command cannot be converted to JSON; use format text",
                                            "unconverted command", code=1003)
                except CommandFailed as exc:
                    failing = {"errors": [exc.error]}
                    if output_format == "text":
                        failing["output"] = f"% {exc.error}\n"
                    message = f"CLI command {index + 1} of {len(commands)} '{command}' failed: {exc.kind}"
                    return {"error": {"code": exc.code, "message": message, "data": results + [failing]}}
                results.append({"output": text} if output_format == "text" else data)
        finally:
            cli.finish()
        return {"result": results}
