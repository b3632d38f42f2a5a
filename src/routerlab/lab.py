"""A fleet of emulated devices plus the control API, in the caller's event loop or a background thread."""
from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from aiohttp import web

from routerlab.clock import LabClock
from routerlab.control import ControlClient, build_app, prefixes_from_json, routes_from_json
from routerlab.device import Device
from routerlab.vendors import emulator_class


def napalm_optional_args(entry: dict) -> dict:
    """NAPALM `optional_args` that reach the device of an inventory entry (EOS: eAPI over plain HTTP)."""
    optional_args = {"port": entry["port"]}
    if entry["vendor"] == "eos":
        optional_args["transport"] = "http"
    return optional_args


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    vendor: str
    initial_config: str | None = None
    username: str = "admin"
    password: str | None = None  # None: the lab's password
    #: what each BGP neighbor sends from the start: address -> {"peer_as": N, "routes": [...]}, as the
    #: control API's PUT /devices/NAME/routes/ADDRESS takes it
    routes: Mapping[str, dict] = field(default_factory=dict)
    #: the router's own routes from the start (what BGP may announce), as the control API's originated takes
    originate: tuple[str, ...] = ()


class Lab:
    """Start with ``with Lab([...]) as lab:`` (background thread) or ``await lab.astart()`` (own loop)."""

    def __init__(self, specs: list[DeviceSpec], *, host: str = "127.0.0.1", time_scale: float = 1.0,
                 state_dir: str | Path | None = None, password: str | None = None,
                 allow_non_loopback: bool = False) -> None:
        if not allow_non_loopback and not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"host {host} is not a loopback address; the lab binds to loopback only")
        names = [spec.name for spec in specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate device names: {', '.join(duplicates)}")
        self.host = host
        self.clock = LabClock(time_scale)
        self.password = password or secrets.token_urlsafe(12)
        self.devices: dict[str, Device] = {}
        for spec in specs:
            cls = emulator_class(spec.vendor)
            self.devices[spec.name] = cls(
                spec.name, host=host, username=spec.username, password=spec.password or self.password,
                clock=self.clock, state_dir=Path(state_dir) if state_dir else None,
                initial_config=spec.initial_config)
            for neighbor, body in spec.routes.items():
                self.devices[spec.name].receive(neighbor, routes_from_json(neighbor, body))
            self.devices[spec.name].originated = prefixes_from_json({"prefixes": list(spec.originate)})
        self.control_port: int | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- in the caller's loop ------------------------------------------------------------------------
    async def astart(self) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.gather(*(device.start() for device in self.devices.values()))
        self._runner = web.AppRunner(build_app(self.devices, self.control_url), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.control_port = site._server.sockets[0].getsockname()[1]

    async def astop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await asyncio.gather(*(device.stop() for device in self.devices.values()), return_exceptions=True)

    # -- in a background thread (pytest fixtures, the demo) ---------------------------------------------
    def start(self, timeout: float = 30.0) -> "Lab":
        ready: Future = Future()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.astart())
            except BaseException as exc:  # report start failures to the caller, then end the thread
                ready.set_exception(exc)
                loop.run_until_complete(self.astop())
                loop.close()
                return
            ready.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self.astop())
            loop.close()

        self._thread = threading.Thread(target=run, name="routerlab", daemon=True)
        self._thread.start()
        ready.result(timeout)
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._thread = None

    def call(self, fn, *args):
        """Run `fn(*args)` in the lab's loop thread and return its result (device state lives there)."""
        async def wrapper():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(30)

    def __enter__(self) -> "Lab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- inspection ---------------------------------------------------------------------------------
    def control_url(self, name: str) -> str:
        return f"http://{self.host}:{self.control_port}/devices/{name}"

    def control(self, name: str) -> ControlClient:
        return ControlClient(self.control_url(name))

    def inventory(self) -> dict:
        return {name: device.inventory() | {"control_url": self.control_url(name)}
                for name, device in sorted(self.devices.items())}

    def write_inventory(self, path: str | Path) -> None:
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.inventory(), indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
