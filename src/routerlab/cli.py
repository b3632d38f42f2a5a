"""`routerlab serve`: run a lab in the foreground until SIGTERM/SIGINT."""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import signal
import sys
from pathlib import Path

import yaml

from routerlab.control import prefixes_from_json, routes_from_json
from routerlab.lab import DeviceSpec, Lab
from routerlab.vendors import VENDORS


def parse_device(text: str) -> DeviceSpec:
    name, sep, vendor = text.partition("=")
    if not sep or not name or vendor not in VENDORS:
        raise argparse.ArgumentTypeError(f"expected NAME=VENDOR with VENDOR in {VENDORS}, got {text!r}")
    return DeviceSpec(name=name, vendor=vendor)


def load_devices_file(path: Path) -> list[DeviceSpec]:
    """YAML: ``devices: [{name, vendor, config?, config_file?, username?, password?, routes?, originate?}]``;
    `routes` maps a BGP neighbor's address to what it sends, ``{peer_as, routes: [{prefix, as_path?, origin?,
    med?, communities?}]}``; `originate` lists the router's own prefixes (docs/lab.md, "Routing model")."""
    data = yaml.safe_load(path.read_text()) or {}
    specs = []
    for index, entry in enumerate(data.get("devices", [])):
        where = f"{path}:devices[{index}]"
        if not isinstance(entry, dict) or "name" not in entry or entry.get("vendor") not in VENDORS:
            raise ValueError(f"{where}: needs name and vendor (one of {', '.join(VENDORS)})")
        config = entry.get("config")
        if entry.get("config_file"):
            config = (path.parent / entry["config_file"]).read_text()
        routes = entry.get("routes") or {}
        if not isinstance(routes, dict):
            raise ValueError(f"{where}.routes: must map neighbor addresses to {{peer_as, routes}}")
        sent = {}
        for neighbor, body in routes.items():
            try:
                address = str(ipaddress.ip_address(str(neighbor)))
                routes_from_json(address, body)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ValueError(f"{where}.routes.{neighbor}: {type(exc).__name__}: {exc}") from None
            sent[address] = body
        originate = entry.get("originate") or []
        try:
            prefixes_from_json({"prefixes": originate})
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}.originate: {type(exc).__name__}: {exc}") from None
        specs.append(DeviceSpec(name=str(entry["name"]), vendor=entry["vendor"], initial_config=config,
                                username=entry.get("username", "admin"), password=entry.get("password"),
                                routes=sent, originate=tuple(str(prefix) for prefix in originate)))
    return specs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="routerlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a lab of emulated routers in the foreground")
    serve.add_argument("--device", action="append", type=parse_device, default=[], metavar="NAME=VENDOR")
    serve.add_argument("--devices-file", type=Path, help="YAML list of devices with initial configs")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    serve.add_argument("--time-scale", type=float, default=1.0, help="device timers run F times faster")
    serve.add_argument("--state-dir", type=Path, help="keep committed configs and rollbacks here")
    serve.add_argument("--password", help="device password (default: random, written to the inventory)")
    serve.add_argument("--inventory-out", type=Path, required=True, help="JSON inventory written once listening")
    args = parser.parse_args(argv)

    specs = list(args.device)
    if args.devices_file:
        specs += load_devices_file(args.devices_file)
    if not specs:
        parser.error("no devices: give --device NAME=VENDOR or --devices-file")
    lab = Lab(specs, host=args.host, time_scale=args.time_scale, state_dir=args.state_dir,
              password=args.password)
    return asyncio.run(_serve(lab, args.inventory_out))


async def _serve(lab: Lab, inventory_out: Path) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await lab.astart()
    try:
        lab.write_inventory(inventory_out)
        print(f"routerlab: {len(lab.devices)} device(s) listening on {lab.host}; inventory in {inventory_out}",
              file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await lab.astop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
