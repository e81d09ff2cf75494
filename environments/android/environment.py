"""An Android phone as an Environment: screenshots over adb, actions as `input` commands.

Screen pixels are the phone's input coordinates (`wm size`, override first, in the current
orientation); a frame of another size is scaled to them so that a click lands where the model
saw the target. A device that drops off adb is reconnected a bounded number of times before
the run ends with the reason.

On a phone with several displays the run works on one display (`display_id`, default the
primary one), passed to screencap and to every touch and key. After an action the screen has
settled when the UI tree (`settle_by="tree"`, a few kilobytes per look, as AndroidWorld waits for
equal accessibility trees) or the frame (`"frames"`, megabytes per look) stops changing, within
a capped wait. A window with FLAG_SECURE captures black; the observation then says so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from adbutils import AdbError
from PIL import Image, ImageStat

from agent import actions as A
from agent.errors import EnvironmentFailure, InvalidAction
from environments.android import apps
from environments.android.device import AdbSettings, open_device
from environments.android.displays import choose_display, list_displays
from environments.android.hierarchy import (
    DumpSettings,
    ScreenUnreadable,
    UIElement,
    find,
    focused_text,
    parse_hierarchy,
    read_tree,
)
from environments.android.keys import SYSTEM_BUTTONS, Keyboard
from environments.android.screen import ScreenCapture
from environments.android.text import ImeSettings, Typist, run_checked
from environments.android.window import focused_display, foreground
from environments.base import ActionResult, Environment, Observation
from environments.settle import SettleSettings, wait_until_still

T = TypeVar("T")
_NO_SCREEN_CHANGE = (A.Answer, A.Terminate)
_OVERRIDE = re.compile(r"Override size: (\d+)x(\d+)")
_PHYSICAL = re.compile(r"Physical size: (\d+)x(\d+)")
SECURE_NOTICE = (
    "This screen is protected (FLAG_SECURE) and cannot be captured: the screenshot is black, "
    "not what the phone shows. Act on what you know of this app, or leave it with back or home."
)


@dataclass(frozen=True)
class SettleCost:
    """What the last wait for the screen to settle cost: time, looks, bytes over adb."""

    seconds: float = 0.0
    looks: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class AndroidSettings:
    adb: AdbSettings = field(default_factory=AdbSettings)
    raw_screencap: bool = True
    display_id: str | None = None  # `dumpsys SurfaceFlinger --display-id`; None: the primary
    settle_by: Literal["tree", "frames"] = "tree"
    settle: SettleSettings = field(
        default_factory=lambda: SettleSettings(quiet=0.25, interval=0.05, timeout=3.0)
    )
    dump: DumpSettings = field(default_factory=DumpSettings)
    ime: ImeSettings = field(default_factory=ImeSettings)
    swipe_ms: int = 400
    scroll_step: float = 0.1  # of the screen's height (or width) per wheel click
    reconnects: int = 3
    reconnect_wait: float = 1.0


class AndroidEnvironment(Environment):
    name = "android"

    def __init__(self, settings: AndroidSettings | None = None) -> None:
        self.settings = settings or AndroidSettings()
        self.client, self.device = open_device(self.settings.adb)
        self.serial = self.device.serial or ""
        wanted = self.settings.display_id
        self.display = self._call(lambda: choose_display(list_displays(self.device), wanted))
        self._input = "input" if self.display is None else f"input -d {self.display.logical}"
        shown = None if self.display is None else self.display.id
        self._screen = ScreenCapture(self.device, self.settings.raw_screencap, shown)
        self._typist = Typist(self.device, self._focused_field, self.settings.ime)
        self._keyboard = Keyboard(self.device, self._input)
        self._size = self._call(lambda: self._input_size(None))
        self.last_settle = SettleCost()

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._size

    def _input_size(self, frame: tuple[int, int] | None) -> tuple[int, int]:
        """`wm size` (the override if set) turned to the orientation of `frame`, or to the
        device's rotation before any frame was taken."""
        output = self.device.shell("wm size")
        match = _OVERRIDE.search(output) or _PHYSICAL.search(output)
        if match is None:
            raise EnvironmentFailure(f"`wm size` on {self.serial} said {output.strip()!r}")
        width, height = int(match.group(1)), int(match.group(2))
        if frame is None:
            turned = self.device.rotation() % 2 == 1
        else:
            turned = (frame[0] > frame[1]) != (width > height)
        return (height, width) if turned else (width, height)

    def _call(self, operation: Callable[[], T]) -> T:
        """Run `operation`; when the device has dropped off adb, reconnect and try again."""
        error: Exception | None = None
        for attempt in range(self.settings.reconnects + 1):
            try:
                return operation()
            except (AdbError, OSError) as exc:
                error = exc
                if self._state() == "device":
                    raise EnvironmentFailure(f"adb failed on {self.serial}: {exc}") from exc
                if attempt < self.settings.reconnects:
                    self._reconnect()
        raise EnvironmentFailure(
            f"lost the Android device {self.serial}: {error} (tried to reconnect "
            f"{self.settings.reconnects} times); check `adb devices` and reconnect it"
        ) from error

    def _state(self) -> str | None:
        """The device's state as the adb server sees it (None: not listed, or no server)."""
        try:
            return {info.serial: info.state for info in self.client.list()}.get(self.serial)
        except (AdbError, OSError):
            return None

    def _reconnect(self) -> None:
        time.sleep(self.settings.reconnect_wait)
        try:
            if ":" in self.serial:
                self.client.connect(self.serial, timeout=5)
        except (AdbError, OSError):
            return
        if self._state() == "device":
            self.device = self.client.device(self.serial)
            self._screen.device = self._typist.device = self._keyboard.device = self.device

    def shell(self, command: str) -> str:
        """Run a shell command on the phone (for task setup and evaluation)."""
        return self._call(lambda: self.device.shell(command))

    def screenshot(self) -> Image.Image:
        image = self._call(self._screen.capture)
        if image.size != self._size:
            self._size = self._call(lambda: self._input_size(image.size))
            if image.size != self._size:
                image = image.resize(self._size, Image.Resampling.BILINEAR)
        return image

    def observe(self) -> Observation:
        image = self.screenshot()
        front = self._call(lambda: foreground(self.device))
        secure = front.secure and ImageStat.Stat(image.convert("L")).extrema[0][1] <= 8
        return Observation(image, focused=front.package, notice=SECURE_NOTICE if secure else None)

    def current_app(self) -> str | None:
        return self._call(lambda: foreground(self.device).package)

    def hierarchy(self) -> list[UIElement]:
        """The UI tree as elements with screen bounds (uiautomator dump, retried; a dump that
        keeps failing raises ScreenUnreadable, which an action reports to the model)."""
        self._check_tree_display()
        return parse_hierarchy(self._call(lambda: read_tree(self.device, self.settings.dump)))

    def _tree_on_display(self) -> bool:
        """Whether `uiautomator dump` shows this run's display: it takes no display option and
        reads the active window, which is on the focused display."""
        if self.display is None or self.display.logical == 0:
            return True
        output = self._call(lambda: self.device.shell("dumpsys window"))
        return focused_display(output) == self.display.logical

    def _check_tree_display(self) -> None:
        if not self._tree_on_display() and self.display is not None:
            raise ScreenUnreadable(
                f"the UI tree cannot be read on display {self.display.describe()}: "
                "`uiautomator dump` reads the focused display only; tap on what the screenshot "
                "shows instead"
            )

    def _focused_field(self) -> str | None:
        """The focused text field's content, or None when the tree cannot tell this time."""
        try:
            xml = self._call(lambda: read_tree(self.device, DumpSettings(attempts=1)))
        except ScreenUnreadable:
            return None
        return focused_text(parse_hierarchy(xml))

    def find(self, label: str) -> UIElement | None:
        return find(self.hierarchy(), label)

    def perform(self, action: A.Action) -> ActionResult:
        try:
            A.validate(action, self.screen_size)
            if isinstance(action, _NO_SCREEN_CHANGE):
                return ActionResult()
            started = time.monotonic()
            self._call(lambda: self._perform(action))
        except InvalidAction as exc:
            return ActionResult(error=str(exc))
        return ActionResult(act_seconds=time.monotonic() - started)

    def _perform(self, action: A.Action) -> None:
        if isinstance(action, A.Click):
            if action.button != "left":
                raise InvalidAction(f"a phone has no {action.button} button: use long_press")
            self._run("; ".join([f"{self._input} tap {action.x} {action.y}"] * action.count))
        elif isinstance(action, A.LongPress):
            x, y, ms = action.x, action.y, round(action.seconds * 1000)
            self._run(f"{self._input} swipe {x} {y} {x} {y} {ms}")
        elif isinstance(action, A.Drag):
            self._swipe(action.x1, action.y1, action.x2, action.y2)
        elif isinstance(action, A.Scroll):
            self._scroll(action)
        elif isinstance(action, A.Type):
            self._typist.type(action.text)
        elif isinstance(action, A.Key):
            self._keyboard.press(action.keys)
        elif isinstance(action, A.SystemButton):
            self._run(f"{self._input} keyevent KEYCODE_{SYSTEM_BUTTONS[action.button]}")
        elif isinstance(action, A.OpenApp):
            self._open_app(action.name)
        elif isinstance(action, A.Wait):
            time.sleep(action.seconds)
        elif isinstance(action, A.Move):
            raise InvalidAction("a phone has no pointer to move: tap, long_press or swipe")

    def _run(self, command: str) -> None:
        run_checked(self.device, command)

    def _swipe(self, x1: int, y1: int, x2: int, y2: int) -> None:
        self._run(f"{self._input} swipe {x1} {y1} {x2} {y2} {self.settings.swipe_ms}")

    def _scroll(self, action: A.Scroll) -> None:
        """Wheel clicks as a finger swipe: scrolling up drags the content down."""
        width, height = self.screen_size
        dx = round(action.dx * self.settings.scroll_step * width)
        dy = round(action.dy * self.settings.scroll_step * height)
        end_x = min(max(action.x - dx, 1), width - 2)
        end_y = min(max(action.y + dy, 1), height - 2)
        self._swipe(action.x, action.y, end_x, end_y)

    def _open_app(self, name: str) -> None:
        package = apps.resolve_package(name, apps.installed_packages(self.device))
        if package is not None:
            apps.launch(self.device, package)
            return
        self._run(f"{self._input} keyevent KEYCODE_HOME")
        try:
            icon = find(self.hierarchy(), name)
        except ScreenUnreadable as exc:
            raise ScreenUnreadable(f"cannot look for an app icon called {name!r}: {exc}") from exc
        if icon is None:
            raise InvalidAction(
                f"no app called {name!r} on the phone (not an installed package, not a known "
                "app, no such icon on the home screen): open it from the app drawer instead"
            )
        self._run("{} tap {} {}".format(self._input, *icon.center))

    def settle(self, result: ActionResult) -> ActionResult:
        by_tree = self.settings.settle_by == "tree" and self._tree_on_display()
        way = self._tree_snapshot if by_tree else self._screen.grab
        cost = [0, 0]

        def look() -> bytes:
            data = way()
            cost[0], cost[1] = cost[0] + 1, cost[1] + len(data)
            return data

        settled = self._call(lambda: wait_until_still(look, self.settings.settle))
        self.last_settle = SettleCost(settled.seconds, cost[0], cost[1])
        return replace(result, settle_seconds=settled.seconds, settled=settled.settled)

    def _tree_snapshot(self) -> bytes:
        """One UI tree as bytes to compare; a failed (or too slow) dump counts as a change."""
        once = DumpSettings(attempts=1, timeout=self.settings.settle.timeout)
        try:
            return read_tree(self.device, once).encode()
        except ScreenUnreadable:
            return str(time.monotonic()).encode()

    def close(self) -> None:
        """Nothing to stop: the phone and the adb server outlive a run."""
