"""The lab's control API: inspect devices and inject faults over HTTP on loopback.

    GET    /devices                      inventory of every device
    GET    /devices/NAME                 inventory, active faults, commit count
    GET    /devices/NAME/config          committed config (text/plain)
    GET    /devices/NAME/commits         commit history: [{user, time, comment, kind}]
    GET    /devices/NAME/faults          active faults
    POST   /devices/NAME/faults          set faults, JSON object of Faults fields
    DELETE /devices/NAME/faults          clear every fault
    POST   /devices/NAME/reboot          lose uncommitted state, keep committed config; body {"down_s": N}:
                                         not listening for N wall seconds, then back on the same port(s)
    PUT    /devices/NAME/routes/ADDRESS  the routes BGP neighbor ADDRESS sends, replacing its earlier ones:
                                         {"peer_as": N, "routes": [{"prefix", "as_path", "origin", "med",
                                         "communities"}]} (routing model, docs/lab.md)
    GET    /devices/NAME/rib             prefix -> the best path among the routes the import policies accept
    PUT    /devices/NAME/originated      the router's own routes (what BGP may announce): {"prefixes": [...]}
    GET    /devices/NAME/advertised/ADDRESS  prefix -> the route as sent to neighbor ADDRESS after its export
                                         policy

`ControlClient` is the matching client (stdlib only, so any process can use it).
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import asdict

from aiohttp import web

from routerlab.bgp import Route
from routerlab.device import Device


def build_app(devices: dict[str, Device], control_url) -> web.Application:
    def device_or_404(request: web.Request) -> Device:
        name = request.match_info["name"]
        try:
            return devices[name]
        except KeyError:
            raise web.HTTPNotFound(text=f"no device {name!r}") from None

    async def list_devices(request):
        return web.json_response({name: dev.inventory() | {"control_url": control_url(name)}
                                  for name, dev in sorted(devices.items())})

    async def show(request):
        dev = device_or_404(request)
        return web.json_response({"inventory": dev.inventory(), "faults": dev.faults.as_dict(),
                                  "commits": len(dev.commits), "down": dev.down})

    async def config(request):
        return web.Response(text=device_or_404(request).committed_config())

    async def commits(request):
        return web.json_response([asdict(record) for record in device_or_404(request).commits])

    async def get_faults(request):
        return web.json_response(device_or_404(request).faults.as_dict())

    async def set_faults(request):
        dev = device_or_404(request)
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("body must be a JSON object")
            dev.set_faults(changes)
        except (ValueError, TypeError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response(dev.faults.as_dict())

    async def clear_faults(request):
        dev = device_or_404(request)
        dev.clear_faults()
        return web.json_response(dev.faults.as_dict())

    restarts: set[asyncio.Task] = set()

    async def reboot(request):
        dev = device_or_404(request)
        try:
            body = await request.json() if request.can_read_body else {}
            down_s = float((body or {}).get("down_s", 0))
            if not 0 <= down_s <= 600:
                raise ValueError(f"down_s must be within 0..600, got {down_s}")
        except (ValueError, TypeError, AttributeError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        if dev.down:
            raise web.HTTPConflict(text=f"{dev.name} is rebooting already")
        if down_s == 0:
            dev.reboot()
        else:  # down when we answer; it comes back by itself after down_s
            await dev.go_down()
            task = asyncio.get_running_loop().create_task(dev.come_back(down_s))
            restarts.add(task)
            task.add_done_callback(restarts.discard)
        return web.json_response({"rebooted": request.match_info["name"], "down_s": down_s})

    async def set_routes(request):
        """The routes a neighbor sends, replacing what it sent before: {"peer_as": N, "routes": [{"prefix",
        "as_path", "origin", "med", "communities"}, ...]} (an empty list withdraws them all)."""
        dev = device_or_404(request)
        try:
            body = await request.json()
            neighbor = str(ipaddress.ip_address(request.match_info["neighbor"]))
            routes = routes_from_json(neighbor, body)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise web.HTTPBadRequest(text=f"{type(exc).__name__}: {exc}") from None
        dev.receive(neighbor, routes)
        return web.json_response({"neighbor": neighbor, "routes": len(routes)})

    async def set_originated(request):
        """The router's own routes (statics to discard, aggregates), replacing the earlier ones:
        {"prefixes": [...]}."""
        dev = device_or_404(request)
        try:
            body = await request.json()
            dev.originated = prefixes_from_json(body)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise web.HTTPBadRequest(text=f"{type(exc).__name__}: {exc}") from None
        return web.json_response({"originated": len(dev.originated)})

    async def get_advertised(request):
        dev = device_or_404(request)
        try:
            neighbor = str(ipaddress.ip_address(request.match_info["neighbor"]))
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({str(prefix): route_to_json(route)
                                  for prefix, route in dev.advertised(neighbor).items()})

    async def get_rib(request):
        return web.json_response({str(prefix): route_to_json(route)
                                  for prefix, route in device_or_404(request).rib().items()})

    app = web.Application()
    app.add_routes([
        web.get("/devices", list_devices),
        web.get("/devices/{name}", show),
        web.get("/devices/{name}/config", config),
        web.get("/devices/{name}/commits", commits),
        web.get("/devices/{name}/faults", get_faults),
        web.post("/devices/{name}/faults", set_faults),
        web.delete("/devices/{name}/faults", clear_faults),
        web.post("/devices/{name}/reboot", reboot),
        web.put("/devices/{name}/routes/{neighbor}", set_routes),
        web.get("/devices/{name}/rib", get_rib),
        web.put("/devices/{name}/originated", set_originated),
        web.get("/devices/{name}/advertised/{neighbor}", get_advertised),
    ])
    return app


def routes_from_json(neighbor: str, body: dict) -> list[Route]:
    peer_as = int(body["peer_as"])
    routes = []
    for entry in body.get("routes", []):
        if not isinstance(entry, dict):
            raise ValueError(f"a route must be an object, got {entry!r}")
        as_path = entry.get("as_path")
        routes.append(Route.learned(
            entry["prefix"], neighbor, peer_as, None if as_path is None else [int(a) for a in as_path],
            origin=entry.get("origin", "igp"), med=None if entry.get("med") is None else int(entry["med"]),
            communities=frozenset(str(c) for c in entry.get("communities", ()))))
    return routes


def prefixes_from_json(body: dict) -> set:
    prefixes = body["prefixes"]
    if not isinstance(prefixes, list):
        raise ValueError(f"prefixes must be a list, got {prefixes!r}")
    return {ipaddress.ip_network(str(prefix)) for prefix in prefixes}


def route_to_json(route: Route) -> dict:
    return {"neighbor": route.neighbor, "as_path": list(route.as_path), "origin": route.origin, "med": route.med,
            "local_pref": route.effective_local_pref, "communities": sorted(route.communities)}


class ControlError(RuntimeError):
    pass


#: no proxy, whatever http_proxy/HTTP_PROXY say: the control API is on loopback, and a proxy set for the CI
#: machine's outbound traffic must not receive (or refuse) these calls
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlClient:
    """Client for one device's control URL (``http://127.0.0.1:PORT/devices/NAME``)."""

    def __init__(self, control_url: str, timeout: float = 10.0) -> None:
        self.url = control_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str = "", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with _OPENER.open(request, timeout=self.timeout) as reply:
                payload = reply.read().decode()
                is_json = reply.headers.get_content_type() == "application/json"
        except urllib.error.HTTPError as exc:
            raise ControlError(f"{method} {self.url}{path}: {exc.code} {exc.read().decode()}") from None
        return json.loads(payload) if is_json else payload

    def config(self) -> str:
        return self._call("GET", "/config")

    def commits(self) -> list[dict]:
        return self._call("GET", "/commits")

    def faults(self) -> dict:
        return self._call("GET", "/faults")

    def inject(self, **faults) -> dict:
        return self._call("POST", "/faults", faults)

    def clear(self) -> dict:
        return self._call("DELETE", "/faults")

    def receive(self, neighbor: str, peer_as: int, routes: list[dict]) -> dict:
        """`neighbor` (in `peer_as`) now sends exactly `routes` ({"prefix", "as_path", "origin", "med",
        "communities"}; an empty list withdraws all)."""
        return self._call("PUT", f"/routes/{neighbor}", {"peer_as": peer_as, "routes": routes})

    def rib(self) -> dict:
        """Prefix -> the best path the router selected among the routes its import policies accept."""
        return self._call("GET", "/rib")

    def originate(self, prefixes: list[str]) -> dict:
        """The router's own routes are now exactly `prefixes` (what BGP may announce)."""
        return self._call("PUT", "/originated", {"prefixes": prefixes})

    def advertised(self, neighbor: str) -> dict:
        """Prefix -> the route as the router sends it to `neighbor` (its AS in front of the path)."""
        return self._call("GET", f"/advertised/{neighbor}")

    def reboot(self, down_s: float = 0) -> dict:
        """Reboot now; with `down_s` the device refuses connections for that many wall seconds (it answers
        at once: the device is down when this returns, and comes back by itself)."""
        return self._call("POST", "/reboot", {"down_s": down_s} if down_s else None)
