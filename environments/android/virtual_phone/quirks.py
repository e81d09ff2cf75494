"""How the virtual phone behaves where real phones differ from each other or from the ideal.

The defaults are what a current phone does after a plain set-up (the ADB Keyboard installed with
`adb install`, so installed but not enabled; its receiver only listening a moment after it was
selected; no focused window yet the first time `dumpsys window` is read after an app starts).
The switches play other real behaviours, so that hosts are tested against them:

- `dump_failures`: the next N `uiautomator dump`s fail as they do on animated screens, printing
  `dump_failure` and exiting 0.
- `dump_seconds`: how long each `uiautomator dump` takes (a real one waits for the screen to go
  idle, up to 10 s on animated screens).
- `sdk`: 29 or lower plays Android 10's app_process `input`, which has no keycombination (it
  prints "Error: Unknown command: keycombination" and exits 0).
- `displays`: more than one display; `screencap` without `-d` then prints Android 16's
  three-line warning before the frame.
- `focus_null`: `dumpsys window` shows `mCurrentFocus=null` this many times after an app starts.
- `secure`: packages whose windows carry FLAG_SECURE (captured as black frames).
- `bandwidth`: bytes per second the transport delivers (USB or Wi-Fi adb); None: loopback speed.
"""

from __future__ import annotations

from dataclasses import dataclass

IDLE_STATE = "ERROR: could not get idle state."
NULL_ROOT = "ERROR: null root node returned by UiTestAutomationBridge."


@dataclass(frozen=True)
class Quirks:
    adb_keyboard_enabled: bool = False
    ime_receiver_delay: float = 0.3  # seconds after the ADB Keyboard is selected
    dump_failures: int = 0
    dump_failure: str = IDLE_STATE
    dump_seconds: float = 0.0
    sdk: int = 34
    displays: int = 1
    focus_null: int = 1  # a real phone shows null while the app's window is not yet up
    secure: frozenset[str] = frozenset()
    bandwidth: float | None = None
