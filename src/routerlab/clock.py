"""Device time: timers run `time_scale` times faster than the wall clock.

Device timestamps (commit times, current time, uptime) advance at the same accelerated rate, so what a
client computes from them (e.g. napalm's "is the confirmed commit still pending") stays consistent.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable


class LabClock:
    def __init__(self, time_scale: float = 1.0) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale!r}")
        self.time_scale = float(time_scale)
        self._wall_start = time.time()
        self._mono_start = time.monotonic()

    def now(self) -> float:
        """Device epoch seconds."""
        return self._wall_start + (time.monotonic() - self._mono_start) * self.time_scale

    def call_later(self, device_seconds: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        """Run `callback` on the running loop after `device_seconds` of device time."""
        loop = asyncio.get_running_loop()
        return loop.call_later(device_seconds / self.time_scale, callback)
