"""Vendor name -> emulator class, imported lazily so one vendor's import cost is paid only when used."""
from __future__ import annotations

import importlib

from routerlab.device import Device

_EMULATORS = {
    "junos": "routerlab.junos.server:JunosDevice",
    "eos": "routerlab.eos.server:EosDevice",
}

VENDORS = tuple(sorted(_EMULATORS))


def emulator_class(vendor: str) -> type[Device]:
    try:
        module_name, class_name = _EMULATORS[vendor].split(":")
    except KeyError:
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(VENDORS)}") from None
    return getattr(importlib.import_module(module_name), class_name)
