"""Wait until the screen stops changing, instead of sleeping a fixed time after each action.

Frames are compared as raw bytes (no encoding); the screen counts as settled once it has not
changed for `quiet` seconds, and the wait is bounded by `timeout`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SettleSettings:
    quiet: float = 0.12
    interval: float = 0.03
    timeout: float = 2.0


@dataclass(frozen=True)
class Settled:
    seconds: float
    settled: bool


def wait_until_still(grab: Callable[[], bytes], settings: SettleSettings) -> Settled:
    started = time.monotonic()
    deadline = started + settings.timeout
    previous = grab()
    still_since = time.monotonic()
    while True:
        time.sleep(settings.interval)
        frame = grab()
        now = time.monotonic()
        if frame != previous:
            previous, still_since = frame, now
        elif now - still_since >= settings.quiet:
            return Settled(now - started, True)
        if now >= deadline:
            return Settled(now - started, False)
