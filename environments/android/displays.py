"""The phone's displays, and the one a run works on.

Foldables, flips and two-display emulators have several. `screencap` takes SurfaceFlinger's
display id (`dumpsys SurfaceFlinger --display-id`: `Display 4619827259835644672 (HWC display 0)`)
and, without one, captures a display that is not guaranteed to stay the same; `input -d` takes the
DisplayManager's logical id (0 for the built-in screen), which `dumpsys display` pairs with the
SurfaceFlinger id in its viewports (`displayId=0, uniqueId='local:4619827259835644672'`). A run
works on the display it was given, else on the first one SurfaceFlinger lists; a phone with one
display is left to its defaults, which older builds need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adbutils import AdbDevice

from agent.errors import EnvironmentFailure

_SURFACE = re.compile(r"^Display (\d+) \(HWC display (\d+)\)(.*)$", re.MULTILINE)
_NAME = re.compile(r'displayName="([^"]*)"')
_VIEWPORT = re.compile(r"displayId=(\d+), uniqueId='local:(\d+)'")


@dataclass(frozen=True)
class Display:
    id: str  # SurfaceFlinger's, for `screencap -d`
    logical: int  # DisplayManager's, for `input -d`
    name: str = ""

    def describe(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"{self.id} (display {self.logical}{name})"


def list_displays(device: AdbDevice) -> list[Display]:
    """Every display SurfaceFlinger knows, the primary one first."""
    listed = _SURFACE.findall(device.shell("dumpsys SurfaceFlinger --display-id"))
    if not listed:
        return []
    viewports = _VIEWPORT.findall(device.shell("dumpsys display"))
    logical = {unique: int(number) for number, unique in viewports}
    displays = []
    for unique, hwc, rest in listed:
        name = _NAME.search(rest)
        number = logical.get(unique, int(hwc))
        displays.append(Display(unique, number, name.group(1) if name else ""))
    return displays


def choose_display(displays: list[Display], wanted: str | None) -> Display | None:
    """The display to pass to screencap and input, or None to leave the phone's default."""
    if wanted is None:
        return displays[0] if len(displays) > 1 else None
    for display in displays:
        if wanted in (display.id, str(display.logical)):
            return display
    listed = ", ".join(d.describe() for d in displays) or "none listed"
    raise EnvironmentFailure(
        f"the phone has no display {wanted!r} (displays: {listed}); pass one of these ids to "
        "--display-id, or leave it out for the primary display"
    )


def doctor_report(serial: str | None, wanted: str | None) -> tuple[bool | None, str, str]:
    """(ok, detail, fix) for `agent doctor --env android`: the phone's displays and the one a
    run would use."""
    from environments.android.device import AdbSettings, open_device

    try:
        _, device = open_device(AdbSettings(serial=serial))
        displays = list_displays(device)
        chosen = choose_display(displays, wanted)
    except EnvironmentFailure as exc:
        return False, str(exc), "pass --device SERIAL and one of the listed ids to --display-id"
    if not displays:
        return None, f"{device.serial} lists no displays (an old build: its default is used)", ""
    listed = ", ".join(d.describe() for d in displays)
    used = (chosen or displays[0]).describe()
    return True, f"{device.serial}: {listed}; a run uses {used} (choose with --display-id)", ""
