"""What every emulated device shares: identity, credentials, clock, faults, commit history, persistence.

A vendor emulator subclasses `Device`, keeps its own config database, and implements `start`/`stop`,
`committed_config`, `reboot`, and `export_state`/`import_state` for `--state-dir`.
"""
from __future__ import annotations

import abc
import asyncio
import ipaddress
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from routerlab.bgp import Network, Route, ranked
from routerlab.clock import LabClock
from routerlab.faults import Faults

#: committed configs kept for the `convergence_s` fault
ROUTING_HISTORY = 32


@dataclass(frozen=True)
class CommitRecord:
    user: str
    time: float  # device epoch seconds
    comment: str = ""
    #: "commit", "commit confirmed", "confirm", "rollback", "auto-revert", ...
    kind: str = "commit"


@dataclass(frozen=True)
class BgpSession:
    """One configured BGP neighbor as the router reports it (Junos `show bgp neighbor`, EOS `show ip bgp
    neighbors`): the lab's sessions carry the address family of the neighbor's address, and are established
    unless the `sessions_down` fault holds them down."""

    neighbor: str
    peer_as: int | None
    description: str | None
    established: bool
    #: device time of the session's last change of state (up or down; the boot when none since)
    since: float
    #: how many times it went down since the boot
    flaps: int
    #: the neighbor's BGP identifier (None while the session is down)
    peer_router_id: str | None
    #: routes of the session's family the neighbor sends, those the import policy accepts, those that are
    #: the best path, and the routes sent to the neighbor (all 0 while down)
    received: int
    accepted: int
    active: int
    sent: int

    @property
    def version(self) -> int:
        return ipaddress.ip_address(self.neighbor).version


def peer_identifier(neighbor: str, routes) -> str:
    """The BGP identifier a neighbor opens its session with: the one its routes carry, else its IPv4 address,
    else (an IPv6 neighbor, which must still have a 32-bit identifier) the low 32 bits of its address."""
    given = next((route.peer_router_id for route in routes if route.peer_router_id), None)
    if given:
        return given
    address = ipaddress.ip_address(neighbor)
    return str(address) if address.version == 4 else str(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))


class Device(abc.ABC):
    vendor: ClassVar[str]

    def __init__(
        self,
        name: str,
        *,
        host: str,
        username: str,
        password: str,
        clock: LabClock,
        state_dir: Path | None = None,
        initial_config: str | None = None,
    ) -> None:
        self.name = name
        self.host = host
        self.username = username
        self.password = password
        self.clock = clock
        self.state_dir = Path(state_dir) if state_dir else None
        self.initial_config = initial_config
        self.faults = Faults()
        self.commits: list[CommitRecord] = []
        self.boot_time = clock.now()
        self.port: int | None = None
        #: True while a `restart` keeps the device from listening
        self.down = False
        #: set by `stop` so that a restart under way does not listen again
        self.stopped = False
        #: the routes each BGP neighbor sends (neighbor address -> prefix -> route), set through the control
        #: API; runtime state, not kept across a lab restart
        self.received: dict[str, dict] = {}
        #: when each neighbor's routes were last set (device clock), for the routes' age
        self.received_at: dict[str, float] = {}
        #: the router's own routes (statics to discard, aggregates): what it can announce; set through the
        #: control API and the devices file
        self.originated: set = set()
        #: (device time, committed config from then on), oldest first: what the routes follow while the
        #: `convergence_s` fault holds them on an older config
        self.routing_history: list[tuple[float, object]] = []
        #: neighbor -> (device time of its session's last change of state, times it went down)
        self.session_changes: dict[str, tuple[float, int]] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    @abc.abstractmethod
    async def start(self) -> None:
        """Start listening on `self.host`; set `self.port` (and any extra ports) before returning."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop listening and close every client session."""

    @abc.abstractmethod
    def reboot(self) -> None:
        """Drop every session and lose uncommitted state (candidates, sessions, pending timers);
        keep the committed config. Uptime restarts. What becomes of a pending commit-confirmed follows the
        vendor (docs/lab.md, "Reboot")."""

    @abc.abstractmethod
    async def stop_listening(self) -> None:
        """Close the listening socket(s) and every open connection; keep the port number(s)."""

    @abc.abstractmethod
    async def listen_again(self) -> None:
        """Listen again on the same port(s) after `stop_listening`."""

    async def go_down(self) -> None:
        """The first half of a reboot that takes time: `reboot()`, then nothing listens (a client's connect
        is refused) until `come_back`."""
        self.reboot()
        self.down = True
        await self.stop_listening()

    async def come_back(self, after_s: float) -> None:
        """Listen again on the same port(s) `after_s` wall-clock seconds after `go_down`."""
        try:
            await asyncio.sleep(after_s)
        finally:
            self.down = False
            if not self.stopped:
                await self.listen_again()

    # -- inspection --------------------------------------------------------------------------------
    @abc.abstractmethod
    def committed_config(self) -> str:
        """The committed (running) configuration as vendor text."""

    def inventory(self) -> dict:
        """What a client needs to connect; extended by vendors (e.g. EOS adds https_port)."""
        return {"vendor": self.vendor, "host": self.host, "port": self.port,
                "username": self.username, "password": self.password}

    def record_commit(self, user: str, comment: str = "", kind: str = "commit") -> None:
        self.commits.append(CommitRecord(user=user, time=self.clock.now(), comment=comment, kind=kind))
        self.remember_routing_config()
        self.save_state()

    # -- routing (issue 15: the lab's routing model) ---------------------------------------------------
    def receive(self, neighbor: str, routes: list[Route]) -> None:
        """`neighbor` now sends exactly `routes` (an empty list withdraws everything it sent)."""
        self.received[neighbor] = {route.prefix: route for route in routes}
        self.received_at[neighbor] = self.clock.now()

    @abc.abstractmethod
    def import_policy(self, route: Route, config) -> Route | None:
        """`route` (learned from `route.neighbor`) after the import policy of that neighbor in `config` (a
        `committed_snapshot`); None when it is rejected or the router has no session with that neighbor."""

    @abc.abstractmethod
    def committed_snapshot(self):
        """A copy of the committed configuration (the vendor's tree) that later commits do not change."""

    def remember_routing_config(self) -> None:
        """Note the committed config as of now (vendors call it at start; `record_commit` after every commit);
        only the newest `ROUTING_HISTORY` are kept."""
        now = self.clock.now()
        self.routing_history.append((now, self.committed_snapshot()))
        del self.routing_history[:-ROUTING_HISTORY]

    def converge_now(self) -> None:
        """The routes follow the committed config at once (a new `convergence_s` delays only later commits)."""
        self.routing_history = [(self.clock.now(), self.committed_snapshot())]

    def routing_config(self):
        """The committed config the routes follow now: the newest one committed at least `convergence_s`
        device seconds ago (the oldest one known when none is that old)."""
        if self.faults.convergence_s == 0 or not self.routing_history:
            return self.committed_snapshot()
        cutoff = self.clock.now() - self.faults.convergence_s
        settled = [config for when, config in self.routing_history if when <= cutoff]
        return settled[-1] if settled else self.routing_history[0][1]

    @abc.abstractmethod
    def local_as(self) -> int | None:
        """The router's own AS number, from the committed config (None when it has none)."""

    @abc.abstractmethod
    def interface_addresses(self) -> list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]]:
        """(interface name as the router shows it in routes, address with its subnet), committed config."""

    def outgoing_interface(self, next_hop: str | None) -> str | None:
        """The interface whose subnet holds `next_hop` (None: no connected subnet does)."""
        if next_hop is None:
            return None
        address = ipaddress.ip_address(next_hop)
        return next((name for name, interface in self.interface_addresses()
                     if interface.version == address.version and address in interface.network), None)

    def local_address(self, neighbor: str) -> str | None:
        """The router's own address on the subnet holding `neighbor` (None: no connected subnet does)."""
        address = ipaddress.ip_address(neighbor)
        return next((str(interface.ip) for _, interface in self.interface_addresses()
                     if interface.version == address.version and address in interface.network), None)

    def candidates(self) -> dict[Network, list[Route]]:
        """The received routes the import policies accept, per prefix in address order, best path first;
        routes of a session that is down (the `sessions_down` fault) are gone."""
        config = self.routing_config()
        down = set(self.faults.sessions_down)
        paths: dict = {}
        for neighbor, routes in self.received.items():
            if neighbor in down:
                continue
            for route in routes.values():
                kept = self.import_policy(route, config)
                if kept is not None:
                    paths.setdefault(kept.prefix, []).append(kept)
        return {prefix: ranked(paths[prefix]) for prefix in sorted(paths, key=lambda p: (p.version, p))}

    def hidden_count(self, version: int) -> int:
        """How many received IPv4 or IPv6 routes the import policies rejected (Junos shows them as hidden)."""
        down = set(self.faults.sessions_down)
        received = sum(1 for neighbor, routes in self.received.items() if neighbor not in down
                       for prefix in routes if prefix.version == version)
        return received - sum(len(paths) for prefix, paths in self.candidates().items() if prefix.version == version)

    def rib(self) -> dict:
        """The best path per prefix among the received routes the import policies accept."""
        return {prefix: paths[0] for prefix, paths in self.candidates().items()}

    # -- BGP sessions ---------------------------------------------------------------------------------
    def set_faults(self, changes: dict) -> None:
        """Apply fault changes (`Faults.update`); a session going down or up is noted, and a new
        `convergence_s` applies to commits from now on."""
        down_before = set(self.faults.sessions_down)
        try:
            self.faults.update(changes)
        finally:  # a refused value may follow accepted ones
            self._note_session_changes(down_before)
        if "convergence_s" in changes:
            self.converge_now()

    def clear_faults(self) -> None:
        down_before = set(self.faults.sessions_down)
        self.faults.clear()
        self._note_session_changes(down_before)
        self.converge_now()

    def _note_session_changes(self, down_before: set[str]) -> None:
        now = self.clock.now()
        down_now = set(self.faults.sessions_down)
        for neighbor in down_before ^ down_now:
            _, flaps = self._session_change(neighbor)
            self.session_changes[neighbor] = (now, flaps + (neighbor in down_now))

    def _session_change(self, neighbor: str) -> tuple[float, int]:
        """(last change, flaps) since the boot: a reboot brings every session up afresh."""
        changed, flaps = self.session_changes.get(neighbor, (self.boot_time, 0))
        return (changed, flaps) if changed >= self.boot_time else (self.boot_time, 0)

    @abc.abstractmethod
    def bgp_peers(self, config) -> dict[str, tuple[int | None, str | None]]:
        """Every BGP neighbor `config` configures (address as Python prints it) -> (peer AS, description)."""

    @abc.abstractmethod
    def router_id(self) -> str:
        """The router's BGP identifier, from the committed config ("0.0.0.0" when unset)."""

    def bgp_sessions(self) -> list[BgpSession]:
        """The state of every configured BGP neighbor, in address order."""
        down = set(self.faults.sessions_down)
        candidates = self.candidates()
        accepted: dict[str, int] = {}
        active: dict[str, int] = {}
        for prefix, paths in candidates.items():
            for path in paths:
                if path.neighbor is not None and path.prefix.version == ipaddress.ip_address(path.neighbor).version:
                    accepted[path.neighbor] = accepted.get(path.neighbor, 0) + 1
            if paths[0].neighbor is not None:
                active[paths[0].neighbor] = active.get(paths[0].neighbor, 0) + 1
        sessions = []
        peers = self.bgp_peers(self.committed_snapshot())
        for neighbor in sorted(peers, key=lambda n: (ipaddress.ip_address(n).version, ipaddress.ip_address(n))):
            peer_as, description = peers[neighbor]
            changed, flaps = self._session_change(neighbor)
            routes = list(self.received.get(neighbor, {}).values())
            if peer_as is None:
                peer_as = next((route.peer_as for route in routes if route.peer_as is not None), None)
            up = neighbor not in down
            version = ipaddress.ip_address(neighbor).version
            sessions.append(BgpSession(
                neighbor=neighbor, peer_as=peer_as, description=description, established=up, since=changed,
                flaps=flaps, peer_router_id=peer_identifier(neighbor, routes) if up else None,
                received=sum(1 for route in routes if route.prefix.version == version) if up else 0,
                accepted=accepted.get(neighbor, 0), active=active.get(neighbor, 0),
                sent=len(self.advertised(neighbor)) if up else 0))
        return sessions

    @abc.abstractmethod
    def local_routes(self, config) -> list[Route]:
        """The router's own routes BGP may announce under `config` (Junos: every originated route, as a static
        route the export policy must accept; EOS: the originated prefixes a `network` statement names)."""

    @abc.abstractmethod
    def export_policy(self, route: Route, neighbor: str, config) -> Route | None:
        """`route` after `neighbor`'s export policy in `config`; None when it is not sent."""

    def advertised(self, neighbor: str) -> dict[Network, Route]:
        """What the router sends `neighbor` (which must be a neighbor of its config), in address order: its
        own routes and its best paths (except those learned from that neighbor) of the session's address family
        (the neighbor address's: the lab's sessions carry one family each) through the neighbor's export
        policy, with the router's AS put in front of the AS path (eBGP)."""
        config = self.routing_config()
        address = ipaddress.ip_address(neighbor)
        key = str(address)
        candidates = [route for route in self.local_routes(config)]
        candidates += [route for route in self.rib().values() if route.neighbor != key]
        candidates = [route for route in candidates if route.prefix.version == address.version]
        sent = {}
        local_as = self.local_as()
        for route in candidates:
            exported = self.export_policy(route, key, config)
            if exported is not None and exported.prefix not in sent:
                path = ((local_as,) if local_as is not None else ()) + exported.as_path
                sent[exported.prefix] = exported.with_changes(as_path=path, neighbor=key, local_pref=None)
        return {prefix: sent[prefix] for prefix in sorted(sent, key=lambda p: (p.version, p))}

    def lookup(self, destination: str, *, more_specifics: bool) -> dict[Network, list[Route]]:
        """The paths per prefix a route lookup for `destination` (an address or a prefix) shows: with
        `more_specifics`, every prefix inside it; otherwise the prefix itself. Either way, when none of those
        is in the table, the longest prefix covering it (the route forwarding uses)."""
        target = ipaddress.ip_network(destination, strict=False)
        table = self.candidates()
        found = {prefix: paths for prefix, paths in table.items() if prefix.version == target.version
                 and (prefix.subnet_of(target) if more_specifics else prefix == target)}
        if found:
            return found
        covering = [prefix for prefix in table if prefix.version == target.version and target.subnet_of(prefix)]
        if not covering:
            return {}
        longest = max(covering, key=lambda p: p.prefixlen)
        return {longest: table[longest]}

    # -- fault helpers for vendor servers --------------------------------------------------------------
    async def reply_delay(self) -> None:
        """Await before every reply; honours the `delay_s` fault."""
        if self.faults.delay_s > 0:
            await asyncio.sleep(self.faults.delay_s)

    # -- persistence (--state-dir) ------------------------------------------------------------------
    @abc.abstractmethod
    def export_state(self) -> dict:
        """Vendor config state worth surviving a lab restart (committed config, rollbacks, ...)."""

    @abc.abstractmethod
    def import_state(self, state: dict) -> None:
        """Restore what `export_state` returned."""

    def _state_file(self) -> Path | None:
        return self.state_dir / f"{self.name}.json" if self.state_dir else None

    def save_state(self) -> None:
        path = self._state_file()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"vendor": self.vendor, "config": self.export_state(),
                   "commits": [asdict(record) for record in self.commits]}
        # write-then-rename so a lab killed mid-write never leaves a torn state file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{self.name}.")
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)

    def load_state(self) -> bool:
        """Restore from the state dir if a state file exists; returns whether one was loaded."""
        path = self._state_file()
        if path is None or not path.exists():
            return False
        payload = json.loads(path.read_text())
        if payload.get("vendor") != self.vendor:
            raise ValueError(f"{path}: state is for vendor {payload.get('vendor')!r}, device is {self.vendor!r}")
        self.import_state(payload["config"])
        self.commits = [CommitRecord(**record) for record in payload.get("commits", [])]
        return True
