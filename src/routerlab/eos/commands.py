"""EOS CLI commands as eAPI runs them: one `Cli` per runCmds request, sharing the device's config database.

Every command returns its JSON result and its text output; the server picks one by the request's format.
Errors raise `CommandFailed`, which the server turns into EOS's JSON-RPC error (code 1002, per-command data).
"""
from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routerlab.eos import neighbors
from routerlab.eos import policy as eos_policy
from routerlab.eos import routes
from routerlab.eos.config import Config, ConfigError, Editor, Node, unified_diff

if TYPE_CHECKING:
    import asyncio

    from routerlab.eos.server import EosDevice

EOS_VERSION = "4.32.2F"
EOS_INTERNAL_VERSION = "4.32.2F-38195967.4322F"
MODEL = "cEOSLab"
MAX_OPEN_SESSIONS = 5
MAX_SAVED_SESSIONS = 1


class CommandFailed(Exception):
    """A command EOS refuses. `kind` ends the JSON-RPC message: "invalid command" or "could not run command"."""

    def __init__(self, error: str, kind: str = "could not run command", code: int = 1002) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind
        self.code = code


class DropConnection(Exception):
    """Close the client's connection without answering (the drop_next_commit and drop_next_load faults)."""


@dataclass
class Session:
    name: str
    user: str
    candidate: Config
    #: pending (open), pendingCommitTimer (committed, awaiting confirmation) or completed
    state: str = "pending"
    #: the running config to restore if a commit timer expires or the session is aborted meanwhile
    before: Config | None = None
    timer: "asyncio.TimerHandle | None" = None
    expire_uptime: float | None = None
    completed_time: float | None = None
    commit_user: str = ""
    terminal: str = "vty0"


Result = tuple[dict | None, str]  # (json result, or None when EOS has no JSON form; text output)
_OK: Result = ({}, "")
_COPIED: Result = ({"messages": ["Copy completed successfully."]}, "Copy completed successfully.\n")
_SANITIZE = [
    (re.compile(r"\b(secret|password|key)( sha512| \d)? \S+"), r"\1\2 <removed>"),
    (re.compile(r"^(snmp-server community) \S+", re.M), r"\1 <removed>"),
]


class Cli:
    """The CLI state of one eAPI request: privilege, config mode, the config session it is in."""

    def __init__(self, device: "EosDevice", user: str) -> None:
        self.device = device
        self.user = user
        self.privileged = False
        self.editor: Editor | None = None
        self.session: Session | None = None
        self._terminal_before: str | None = None

    # -- dispatch ------------------------------------------------------------------------------------
    def run(self, command: str, text_input: str | None = None) -> Result:
        words = command.split()
        if not words:
            return _OK
        line = " ".join(words)
        if words[0] == "enable":
            self.privileged = True
            return _OK
        if words[0] == "disable":
            self.privileged = False
            return _OK
        if self.editor is not None:
            return self._config_mode(line, words, text_input)
        return self._exec_mode(line, words)

    def finish(self) -> None:
        """End of the request: leave config mode (a session stays pending, as after `end`)."""
        self._leave_config()

    # -- exec mode ------------------------------------------------------------------------------------
    def _exec_mode(self, line: str, words: list[str]) -> Result:
        if words[0] == "show":
            return self.show(line, words)
        if words[0] in ("exit", "end"):
            return _OK
        if words[0] in ("configure", "copy", "write") and not self.privileged:
            raise CommandFailed("Invalid input (privileged mode required)", "invalid command")
        if line in ("configure", "configure terminal"):
            self._check_lock()
            self._terminal_before = self.device.running.render()
            self.editor = Editor(self.device.running)
            return _OK
        if words[:2] == ["configure", "session"]:
            return self._configure_session(words[2:])
        if words[:2] == ["configure", "replace"] and len(words) in (3, 4) and words[3:] in ([], ["force"]):
            return self._configure_replace(words[2])
        if words[0] == "copy" and len(words) == 3:
            return self._copy(words[1], words[2])
        if line in ("write", "write memory"):
            return self._copy("running-config", "startup-config")
        raise invalid(words, 0)

    def _configure_session(self, args: list[str]) -> Result:
        device = self.device
        if not args:
            device.session_counter += 1
            args = [f"session{device.session_counter}"]
        name, action = args[0], args[1:]
        if action == []:
            self._enter_session(name)
            return _OK
        if action == ["commit"]:
            self.commit(name)
            return _OK
        if action[:2] == ["commit", "timer"] and len(action) == 3:
            self.commit(name, timer=parse_timer(action[2]))
            return _OK
        if action == ["abort"]:
            self.abort(name)
            return _OK
        raise invalid(["configure", "session", *args], 3)

    def _enter_session(self, name: str) -> None:
        device = self.device
        session = device.sessions.get(name)
        if session is None:
            pending = [s for s in device.sessions.values() if s.state == "pending"]
            if len(pending) >= MAX_OPEN_SESSIONS:
                raise CommandFailed("Maximum number of pending sessions has been reached")
            device.terminal_counter += 1
            session = Session(name, self.user, device.running.copy(), terminal=f"vty{device.terminal_counter}")
            device.sessions[name] = session
        elif session.state == "completed":
            raise CommandFailed(f"Cannot enter session {name} (already completed)")
        elif session.state == "pendingCommitTimer":
            raise CommandFailed(f"Cannot enter session {name} (commit timer pending)")
        self.session = session
        self.editor = Editor(session.candidate)

    # -- config mode ----------------------------------------------------------------------------------
    def _config_mode(self, line: str, words: list[str], text_input: str | None) -> Result:
        if line == "end":
            self._leave_config()
            return _OK
        if line == "exit":
            if not self.editor.exit():
                self._leave_config()
            return _OK
        if words[0] == "show":
            return self.show(line, words)
        if self.session is not None:
            if line == "rollback clean-config":
                self._drop_if_load_fault()
                self.session.candidate = Config()
                self.editor = Editor(self.session.candidate)
                return _OK
            if line == "commit":
                self.commit(self.session.name)
                return _OK
            if words[:2] == ["commit", "timer"] and len(words) == 3:
                self.commit(self.session.name, timer=parse_timer(words[2]))
                return _OK
            if line == "abort":
                self.abort(self.session.name)
                return _OK
        if words[0] == "configure":  # another session (or terminal) from config mode: this one stays pending
            self._leave_config()
            return self._exec_mode(line, words)
        if words[0] in ("copy", "write"):
            return self._exec_mode(line, words)
        self._drop_if_load_fault()
        try:
            self.editor.apply(line, text_input)
        except ConfigError as exc:
            raise CommandFailed(str(exc), "invalid command") from None
        return _OK

    def _drop_if_load_fault(self) -> None:
        """The drop_next_load fault: the first configuration line of a load drops the connection (one shot);
        a session entered before it stays pending with nothing loaded."""
        faults = self.device.faults
        if faults.drop_next_load:
            faults.drop_next_load = False
            raise DropConnection()

    def _leave_config(self) -> None:
        if self._terminal_before is not None and self.device.running.render() != self._terminal_before:
            # `configure terminal` changes take effect line by line; the history gets one entry per request
            self.device.record_commit(self.user, "configure terminal", "commit")
        self._terminal_before = None
        self.editor = None
        self.session = None

    # -- sessions: commit, commit timer, confirm, abort -----------------------------------------------------
    def commit(self, name: str, timer: int | None = None) -> None:
        device = self.device
        session = device.sessions.get(name)
        if session is None or session.state == "completed":
            raise CommandFailed(f"Session {name} does not exist or is already completed")
        faults = device.faults
        if faults.drop_next_commit:
            faults.drop_next_commit = False
            raise DropConnection()
        if faults.fail_next_commit is not None:
            message, faults.fail_next_commit = faults.fail_next_commit, None
            raise CommandFailed(message)
        self._check_lock()
        self._leave_config()
        if session.state == "pendingCommitTimer":
            device.cancel_timer(session)
            if timer is not None:  # committing again with a timer restarts the timer
                device.start_timer(session, timer)
                return
            session.state = "completed"
            device.complete(session, self.user)
            device.record_commit(self.user, "", "confirm")
            return
        if timer is not None:
            others = [s.name for s in device.sessions.values() if s.state == "pendingCommitTimer"]
            if others:
                raise CommandFailed(f"Session {others[0]} has a pending commit timer")
            session.before = device.running
            device.running = session.candidate.copy()
            session.state = "pendingCommitTimer"
            device.start_timer(session, timer)
            device.record_commit(self.user, "", "commit timer")
            return
        device.running = session.candidate.copy()
        session.state = "completed"
        device.complete(session, self.user)
        device.record_commit(self.user, "", "commit")

    def _check_lock(self) -> None:
        """The lock_held_by fault: another user's session holds the configuration lock."""
        holder = self.device.faults.lock_held_by
        if holder is not None:
            raise CommandFailed(f"Configuration is locked by another session (user {holder})")

    def abort(self, name: str) -> None:
        device = self.device
        self._leave_config()
        session = device.sessions.get(name)
        if session is None or session.state == "completed":
            return  # EOS accepts aborting a session that does not exist (napalm's discard relies on it)
        if session.state == "pendingCommitTimer":
            # aborting during a commit timer rolls back to the config from before the commit
            device.cancel_timer(session)
            device.running = session.before
            device.record_commit(self.user, f"session {name} aborted", "rollback")
        del device.sessions[name]

    # -- files: copy, write, configure replace ---------------------------------------------------------------
    def _read_url(self, url: str) -> str:
        device = self.device
        if url in ("running-config", "system:/running-config", "system:running-config"):
            return device.running.render()
        if url in ("startup-config", "flash:startup-config", "flash:/startup-config"):
            return device.startup
        if url == "clean-config":
            return ""
        if url.startswith("flash:"):
            name = url.removeprefix("flash:").lstrip("/")
            if name in device.flash:
                return device.flash[name]
        raise CommandFailed(f"Error opening {url} (No such file or directory)")

    def _copy(self, source: str, destination: str) -> Result:
        device = self.device
        text = self._read_url(source)
        if destination in ("startup-config", "flash:startup-config", "flash:/startup-config"):
            self._parse(text, source)
            device.startup = text
            device.startup_saved = (device.clock.now(), self.user)
        elif destination == "running-config":
            self._check_lock()
            try:
                Config.from_text(text, into=device.running)
            except ConfigError as exc:
                raise CommandFailed(f"Error copying {source} to running-config ({exc})") from None
            device.record_commit(self.user, f"copy {source} running-config", "commit")
        elif destination.startswith("flash:") and destination.removeprefix("flash:").lstrip("/"):
            device.flash[destination.removeprefix("flash:").lstrip("/")] = text
        else:
            raise invalid(["copy", source, destination], 2)
        device.save_state()
        return _COPIED

    def _configure_replace(self, url: str) -> Result:
        self._check_lock()
        replacement = self._parse(self._read_url(url), url)
        self.device.running = replacement
        kind = "rollback" if url.startswith(("flash:rollback", "flash:/rollback")) else "replace"
        self.device.record_commit(self.user, f"configure replace {url}", kind)
        return _OK

    @staticmethod
    def _parse(text: str, url: str) -> Config:
        try:
            return Config.from_text(text)
        except ConfigError as exc:
            raise CommandFailed(f"Error loading {url} ({exc})") from None

    # -- show commands ----------------------------------------------------------------------------------
    def show(self, line: str, words: list[str]) -> Result:
        device = self.device
        if line == "show version":
            return show_version(device)
        if line == "show hostname":
            hostname = device.running.hostname(device.name)
            domain = next((node.text.split()[-1] for node in device.running.root.children
                           if node.text.startswith(("ip domain-name ", "dns domain "))), None)
            fqdn = f"{hostname}.{domain}" if domain else hostname
            return {"hostname": hostname, "fqdn": fqdn}, f"Hostname: {hostname}\nFQDN:     {fqdn}\n"
        if line == "show interfaces":
            return show_interfaces(device)
        if line in ("show configuration sessions", "show configuration sessions detail"):
            return show_sessions(device, self)
        if words[:2] in (["show", "running-config"], ["show", "startup-config"]):
            if not self.privileged:
                raise CommandFailed("Invalid input (privileged mode required)", "invalid command")
            options = words[2:]
            if not set(options) <= {"all", "sanitized"} or len(set(options)) != len(options):
                raise invalid(words, 2 + len([o for o in options if o in ("all", "sanitized")]))
            if words[1] == "startup-config":
                if options:
                    raise invalid(words, 2)
                return config_reply(Config.from_text(device.startup), self.startup_header())
            return config_reply(device.running, self.running_header("running-config"), "sanitized" in options,
                                defaults="all" in options)
        if words[:2] == ["show", "session-config"]:
            return self._show_session_config(words)
        if line == "show vrf":
            return routes.show_vrf(device)
        if words[1:2] in (["ip"], ["ipv6"]) and words[2:3] == ["bgp"] and \
                (words[3:4] == ["summary"] or words[3:4] in (["neighbors"], ["peers"]) and words[4:5] in ([], ["vrf"])):
            return self._show_bgp_sessions(words)
        if words[1:2] in (["ip"], ["ipv6"]) and words[2:4] == ["bgp", "neighbors"]:
            return self._show_advertised(words)
        if words[1:2] in (["ip"], ["ipv6"]) and words[2:3] in (["route"], ["bgp"]):
            return self._show_routes(words)
        raise invalid(words, 1)

    def _show_bgp_sessions(self, words: list[str]) -> Result:
        """`show ip[v6] bgp summary [vrf all|default]`, `show ip bgp neighbors [vrf all|default]`, `show ipv6
        bgp peers [vrf all|default]` (routerlab/eos/neighbors.py)."""
        if words[4:] not in ([], ["vrf", "all"], ["vrf", "default"]):
            raise invalid(words, 4 if words[4:5] != ["vrf"] else 5)
        if words[3] == "peers" and words[1] == "ip":
            raise invalid(words, 3)
        version = 6 if words[1] == "ipv6" else 4
        if words[3] == "summary":
            return neighbors.show_summary(self.device, version)
        return neighbors.show_neighbors(self.device, version)

    def _show_advertised(self, words: list[str]) -> Result:
        """`show ip[v6] bgp neighbors NEIGHBOR advertised-routes [vrf default]` (routerlab/eos/routes.py)."""
        if words[5:6] != ["advertised-routes"] or words[6:] not in ([], ["vrf", "default"]):
            raise invalid(words, min(5, len(words) - 1))
        try:
            neighbor = str(ipaddress.ip_address(words[4]))
        except ValueError:
            raise invalid(words, 4) from None
        if neighbor not in eos_policy.configured_neighbors(self.device.running):
            raise CommandFailed(f"BGP neighbor {neighbor} not found")
        return routes.show_advertised(self.device, words[1], neighbor)

    def _show_routes(self, words: list[str]) -> Result:
        """`show ip[v6] route vrf default <destination> [longer-prefixes] [bgp] detail` and
        `show ip[v6] bgp <destination> [longer-prefixes] vrf default` (routerlab/eos/routes.py)."""
        if words[2] == "route":
            if words[3:4] != ["vrf"] or len(words) < 6:
                raise invalid(words, min(3, len(words) - 1))
            if words[4] != "default":
                raise CommandFailed(f"VRF {words[4]} does not exist", "invalid command")
            at, options, allowed = 5, words[6:], {"longer-prefixes", "bgp", "detail"}
        else:
            at, options, allowed = 3, words[4:-2], {"longer-prefixes", "detail"}
            if words[-2:] != ["vrf", "default"]:
                raise invalid(words, len(words) - 1)
        try:
            destination = str(ipaddress.ip_network(words[at], strict=False))
        except (ValueError, IndexError):
            raise invalid(words, at) from None
        if not set(options) <= allowed:
            raise invalid(words, at + 1)
        longer = "longer-prefixes" in options
        if words[2] == "route":
            return routes.show_route(self.device, words[1], destination, longer)
        return routes.show_bgp(self.device, destination, longer)

    def _show_session_config(self, words: list[str]) -> Result:
        args = words[2:]
        if args[:1] == ["named"] and len(args) >= 2:
            name, args = args[1], args[2:]
        elif self.session is not None:
            name = self.session.name
        else:
            raise CommandFailed("Not currently in a config session")
        session = self.device.sessions.get(name)
        if session is None or session.state == "completed":
            raise CommandFailed(f"Session {name} does not exist")
        if args == ["diffs"]:
            diff = unified_diff(self.device.running.render(), session.candidate.render(), name)
            return None, diff  # EOS has no JSON form of the diff; pyeapi and napalm ask for text
        if args in ([], ["sanitized"]):
            return config_reply(session.candidate, self.running_header(f"session-config named {name}"),
                                args == ["sanitized"])
        raise invalid(words, len(words) - len(args))

    def running_header(self, what: str) -> str:
        return (f"! Command: show {what}\n! device: {self.device.running.hostname(self.device.name)} "
                f"({MODEL}, EOS-{EOS_VERSION})\n!\n")

    def startup_header(self) -> str:
        saved_at, saved_by = self.device.startup_saved
        stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(saved_at))
        # two spaces after "at", as EOS prints it
        return (f"! Command: show startup-config\n! Startup-config last modified at  {stamp} by {saved_by}\n"
                f"! device: {self.device.running.hostname(self.device.name)} ({MODEL}, EOS-{EOS_VERSION})\n!\n")


# -- helpers -------------------------------------------------------------------------------------------------
def invalid(words: list[str], token: int) -> CommandFailed:
    token = min(token, len(words) - 1)
    return CommandFailed(f"Invalid input (at token {token}: '{words[token]}')", "invalid command")


def parse_timer(text: str) -> int:
    match = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})", text)
    if not match or int(match.group(2)) > 59 or int(match.group(3)) > 59:
        raise CommandFailed(f"Invalid input (at token 4: '{text}')", "invalid command")
    seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(match.group(3))
    if seconds == 0:
        raise CommandFailed("Commit timer must be at least 00:00:01", "invalid command")
    return seconds


def config_reply(config: Config, header: str, sanitized: bool = False, defaults: bool = False) -> Result:
    text = header + config.render(defaults) + "end\n"
    if sanitized:
        for pattern, replacement in _SANITIZE:
            text = pattern.sub(replacement, text)
    return {"header": header.splitlines(), "cmds": _json_tree(config.root)}, text


def _json_tree(node: Node) -> dict:
    return {child.text: ({"cmds": _json_tree(child), "comments": []} if child.mode else None)
            for child in node.children}


def _identity(device: "EosDevice") -> tuple[str, str]:
    digest = device.identity_digest
    mac = ":".join(["00", "1c", "73"] + [digest[i:i + 2] for i in range(0, 6, 2)])
    return digest[:32].upper(), mac


def show_version(device: "EosDevice") -> Result:
    serial, mac = _identity(device)
    uptime = device.uptime()
    reply = {
        "mfgName": "Arista", "modelName": MODEL, "hardwareRevision": "", "serialNumber": serial,
        "systemMacAddress": mac, "hwMacAddress": "00:00:00:00:00:00", "configMacAddress": "00:00:00:00:00:00",
        "version": EOS_VERSION, "architecture": "x86_64", "internalVersion": EOS_INTERNAL_VERSION,
        "internalBuildId": "routerlab-emulated-eos", "imageFormatVersion": "1.0", "imageOptimization": "None",
        "cEosToolsVersion": "(unknown)", "kernelVersion": "5.15.0-routerlab",
        # anchored to the host's clock: napalm computes uptime as time.time() - bootupTimestamp, which then
        # matches the device's (time-scaled) uptime
        "bootupTimestamp": time.time() - uptime,
        "uptime": uptime, "memTotal": 8155484, "memFree": 6123520, "isIntlVersion": False,
    }
    minutes, _ = divmod(int(uptime), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    weeks, days = divmod(days, 7)
    text = (f"Arista {MODEL}\nHardware version: \nSerial number: {serial}\nHardware MAC address: "
            f"{reply['hwMacAddress']}\nSystem MAC address: {mac}\n\nSoftware image version: {EOS_VERSION}\n"
            f"Architecture: x86_64\nInternal build version: {EOS_INTERNAL_VERSION}\n"
            f"Internal build ID: {reply['internalBuildId']}\nImage format version: 1.0\n"
            f"Image optimization: None\n\nKernel version: {reply['kernelVersion']}\n\n"
            f"Uptime: {weeks} weeks, {days} days, {hours} hours and {minutes} minutes\n"
            f"Total memory: {reply['memTotal']} kB\nFree memory: {reply['memFree']} kB\n\n")
    return reply, text


_COUNTERS = ["inOctets", "inUcastPkts", "inMulticastPkts", "inBroadcastPkts", "inDiscards", "inTotalPkts",
             "outOctets", "outUcastPkts", "outMulticastPkts", "outBroadcastPkts", "outDiscards", "outTotalPkts",
             "linkStatusChanges", "totalInErrors", "totalOutErrors"]


#: how `show interfaces` reports an unset address (a reply field, not a listening address)
NO_ADDRESS = str(ipaddress.IPv4Address(0))


def show_interfaces(device: "EosDevice") -> Result:
    _, base_mac = _identity(device)
    interfaces, lines = {}, []
    for index, node in enumerate(node for node in device.running.root.children if node.mode == "interface"):
        name = node.text.split()[1]
        settings = {child.text.split()[0]: child.text for child in node.children}
        down = "shutdown" in settings
        description = settings.get("description", "").removeprefix("description ")
        default_mtu = 65535 if name.startswith("Loopback") else 9214 if name.startswith("Ethernet") else 1500
        mtu = int(settings["mtu"].split()[1]) if "mtu" in settings else default_mtu
        address = []
        if "ip" in settings and settings["ip"].startswith("ip address "):
            ip, length = settings["ip"].split()[2].split("/")
            address = [{"primaryIp": {"address": ip, "maskLen": int(length)}, "secondaryIps": {},
                        "secondaryIpsOrderedList": [], "virtualIp": {"address": NO_ADDRESS, "maskLen": 0},
                        "virtualSecondaryIps": {}, "virtualSecondaryIpsOrderedList": [],
                        "broadcastAddress": "255.255.255.255", "dhcp": False}]
        entry = {
            "name": name, "forwardingModel": "routed" if address or not name.startswith("Ethernet") else "bridged",
            "lineProtocolStatus": "down" if down else "up",
            "interfaceStatus": "disabled" if down else "connected",
            "hardware": _hardware(name),
            "interfaceAddress": address, "description": description, "bandwidth": 0, "mtu": mtu,
            "lastStatusChangeTimestamp": device.boot_time,
        }
        if name.startswith("Loopback"):
            entry["interfaceAddressIp6"] = {"globalUnicastIp6s": [
                {"address": str(address.ip), "subnet": str(address.network), "active": True, "dadfailed": False}
                for address in (ipaddress.ip_interface(child.text.split()[2]) for child in node.children
                                if child.text.startswith("ipv6 address "))]}
        else:
            mac = base_mac[:-2] + f"{(index + 1) % 256:02x}"
            entry.update({
                "bandwidth": 1000000000 if name.startswith("Management") else 10000000000,
                "physicalAddress": mac, "burnedInAddress": mac, "duplex": "duplexFull",
                "autoNegotiate": "success" if name.startswith("Management") else "unknown",
                "loopbackMode": "loopbackNone", "l2Mtu": mtu, "l3MtuConfigured": "mtu" in settings,
                "interfaceMembership": "", "lanes": 0,
                "interfaceCounters": {counter: 0 for counter in _COUNTERS} | {
                    "counterRefreshTime": device.clock.now(),
                    "inputErrorsDetail": {"runtFrames": 0, "giantFrames": 0, "fcsErrors": 0,
                                          "alignmentErrors": 0, "symbolErrors": 0, "rxPause": 0},
                    "outputErrorsDetail": {"collisions": 0, "lateCollisions": 0, "deferredTransmissions": 0,
                                           "txPause": 0}},
                "interfaceStatistics": {"updateInterval": 300.0, "inBitsRate": 0.0, "inPktsRate": 0.0,
                                        "outBitsRate": 0.0, "outPktsRate": 0.0},
            })
        interfaces[name] = entry
        state = "administratively down" if down else "up"
        lines.append(f"{name} is {state}, line protocol is {entry['lineProtocolStatus']} "
                     f"({entry['interfaceStatus']})")
        if description:
            lines.append(f"  Description: {description}")
        lines.append(f"  IP MTU {mtu} bytes")
    return {"interfaces": interfaces}, "\n".join(lines) + "\n"


def _hardware(name: str) -> str:
    if "." in name:
        return "subinterface"
    return {"Loopback": "loopback", "Port-Channel": "portChannel", "Vlan": "vlan"}.get(
        name.rstrip("0123456789/"), "ethernet")


def show_sessions(device: "EosDevice", cli: Cli) -> Result:
    sessions = {}
    timer_session = None
    for session in device.sessions.values():
        entry = {"state": session.state, "commitUser": "", "description": "", "instances": {}}
        if session.state == "completed":
            entry["completedTime"] = session.completed_time
            entry["commitUser"] = session.commit_user
        else:
            entry["instances"] = {session.terminal.removeprefix("vty"): {
                "user": session.user, "terminal": session.terminal,
                "currentTerminal": cli.session is session}}
        if session.state == "pendingCommitTimer":
            timer_session = session
        sessions[session.name] = entry
    if device.faults.lock_held_by is not None:
        holder = device.faults.lock_held_by
        sessions[f"{holder}-session"] = {"state": "pending", "commitUser": "", "description": "",
                                         "instances": {"0": {"user": holder, "terminal": "vty0",
                                                             "currentTerminal": False}}}
    reply = {"maxSavedSessions": MAX_SAVED_SESSIONS, "maxOpenSessions": MAX_OPEN_SESSIONS, "sessions": sessions}
    lines = [f"Maximum number of completed sessions: {MAX_SAVED_SESSIONS}",
             f"Maximum number of pending sessions: {MAX_OPEN_SESSIONS}", ""]
    if timer_session is not None:
        # EOS 4.32 reports the running commit timer at top level, in seconds of uptime
        reply["commitTimerSessionName"] = timer_session.name
        reply["commitTimerExpireTime"] = timer_session.expire_uptime
        lines.insert(2, f"Commit timer for session {timer_session.name} expires in "
                        f"{max(0, round(timer_session.expire_uptime - device.uptime()))} seconds")
    if sessions:
        lines += ["  Name                 State                User     Terminal",
                  "  -------------------- -------------------- -------- --------"]
        for name, entry in sessions.items():
            instance = next(iter(entry["instances"].values()), {})
            lines.append(f"  {name:<20} {entry['state']:<20} {instance.get('user', ''):<8} "
                         f"{instance.get('terminal', '')}")
    return reply, "\n".join(lines) + "\n"
