"""Faults a test or the demo can inject into a device at run time (see docs/lab.md)."""
from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field


@dataclass
class Faults:
    #: refuse new connections (the TCP accept is closed at once)
    refuse_connections: bool = False
    #: delay every reply by this many wall-clock seconds
    delay_s: float = 0.0
    #: fail the next commit with this error message (one shot)
    fail_next_commit: str | None = None
    #: the configuration lock is held by this user (another session) until cleared
    lock_held_by: str | None = None
    #: drop the client's connection when the next commit arrives, before committing (one shot)
    drop_next_commit: bool = False
    #: drop the client's connection when the next config load arrives (Junos <load-configuration>, EOS the
    #: first configuration line of a request), before loading anything (one shot)
    drop_next_load: bool = False
    #: device seconds from a commit until the routes follow its policies (BGP re-evaluating the table without
    #: a session reset); device time, so `--time-scale` shortens it like every device timer
    convergence_s: float = 0.0
    #: BGP sessions that are down (neighbor addresses): the routes those neighbors sent are gone meanwhile
    sessions_down: list[str] = field(default_factory=list)

    FIELDS = ("refuse_connections", "delay_s", "fail_next_commit", "lock_held_by", "drop_next_commit",
              "drop_next_load", "convergence_s", "sessions_down")

    def update(self, changes: dict) -> None:
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}; known: {', '.join(self.FIELDS)}")
        for key, value in changes.items():
            if key == "delay_s":
                value = float(value)
                if not 0 <= value <= 3600:
                    raise ValueError(f"delay_s must be within 0..3600, got {value}")
            elif key == "convergence_s":
                value = float(value)
                if not 0 <= value <= 86400:
                    raise ValueError(f"convergence_s must be within 0..86400 device seconds, got {value}")
            elif key == "sessions_down":
                if not isinstance(value, list):
                    raise ValueError(f"sessions_down must be a list of neighbor addresses, got {value!r}")
                value = sorted({str(ipaddress.ip_address(str(address))) for address in value})
            elif key in ("refuse_connections", "drop_next_commit", "drop_next_load"):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false, got {value!r}")
            elif value is not None and not isinstance(value, str):
                raise ValueError(f"{key} must be a string or null, got {value!r}")
            setattr(self, key, value)

    def clear(self) -> None:
        for spec in dataclasses.fields(self):
            setattr(self, spec.name, spec.default_factory() if spec.default is dataclasses.MISSING else spec.default)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
