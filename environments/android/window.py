"""What is in front on the phone, from one `dumpsys window` per observation.

adbutils' `app_current()` tries three dumpsys commands three times with pauses while an app
starts (when `mCurrentFocus=null` is normal): about a second and nine shell calls per step.
Here one `dumpsys window` answers: the focused window (`mCurrentFocus`), else the focused app
(`mFocusedApp`); only when neither names one is `dumpsys activity activities` read
(`topResumedActivity=` on Android 12+, `mResumedActivity:` before). The same output says whether
the focused window has FLAG_SECURE (`fl=... SECURE`), whose frames capture black.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adbutils import AdbDevice

_FOCUS = re.compile(r"mCurrentFocus=Window\{\S+ \S+ ([\w.]+)/")
_FOCUSED_APP = re.compile(r"mFocusedApp=.*?ActivityRecord\{\S+ \S+ ([\w.]+)/")
_RESUMED = re.compile(
    r"(?:topResumedActivity=|mResumedActivity: )ActivityRecord\{\S+ \S+ ([\w.]+)/"
)
_WINDOW = re.compile(r"^  Window #\d+ (Window\{\S+ \S+ [^}]*\}):$", re.MULTILINE)
_CURRENT = re.compile(r"mCurrentFocus=(Window\{[^}]*\})")
_FLAGS = re.compile(r"\bfl=([^\n}]*)")
FLAG_SECURE = 0x2000
_TOP_DISPLAY = re.compile(r"mTopFocusedDisplayId=(-?\d+)")


@dataclass(frozen=True)
class Foreground:
    package: str | None
    secure: bool = False  # the focused window has FLAG_SECURE


def parse_window_dump(output: str) -> Foreground:
    """The package in front and whether its window is secure, from `dumpsys window`."""
    match = _FOCUS.search(output) or _FOCUSED_APP.search(output)
    package = match.group(1) if match else None
    return Foreground(package, _secure(output, package))


def _secure(output: str, package: str | None) -> bool:
    """Whether the focused window (or, while focus is null, the focused app's window) has
    FLAG_SECURE."""
    current = _CURRENT.search(output)
    windows = list(_WINDOW.finditer(output))
    for index, window in enumerate(windows):
        name = window.group(1)
        if current is not None and name != current.group(1):
            continue
        if current is None and (package is None or f" {package}/" not in name):
            continue
        end = windows[index + 1].start() if index + 1 < len(windows) else len(output)
        flags = _FLAGS.search(output, window.end(), end)
        return flags is not None and _has_secure(flags.group(1))
    return False


def _has_secure(flags: str) -> bool:
    """`fl=SECURE ...` by name (Android 10+) or `fl=#2000` as hex (older builds)."""
    if flags.startswith("#"):
        number = flags[1:].split()[0] if flags[1:].split() else ""
        return bool(re.fullmatch(r"[0-9a-fA-F]+", number)) and bool(int(number, 16) & FLAG_SECURE)
    return "SECURE" in flags.split()


def foreground(device: AdbDevice) -> Foreground:
    found = parse_window_dump(device.shell("dumpsys window"))
    if found.package is not None:
        return found
    match = _RESUMED.search(device.shell("dumpsys activity activities"))
    return Foreground(match.group(1) if match else None, found.secure)


def focused_display(output: str) -> int:
    """The logical id of the display with focus, from `dumpsys window` (0 if it does not say)."""
    match = _TOP_DISPLAY.search(output)
    return int(match.group(1)) if match else 0
