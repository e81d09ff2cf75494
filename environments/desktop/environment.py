"""The desktop environment: a private (or attached) X display seen through mss and driven
through pyautogui, settling after each action by comparing frames."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from subprocess import Popen

import mss
from PIL import Image

from agent import actions as A
from agent.errors import EnvironmentFailure, InvalidAction
from agent.keys import PHONE_KEYS
from environments.base import ActionResult, Environment, Observation
from environments.desktop.display import SESSION_USER, Desktop, VirtualDisplay
from environments.desktop.input import Input, TextInput
from environments.desktop.windows import WindowInfo, Windows
from environments.settle import SettleSettings, wait_until_still

_NO_SCREEN_CHANGE = (A.Answer, A.Terminate)
_PHONE_ONLY = {
    A.SystemButton: "a desktop has no system buttons: use a key (e.g. alt+left for back)",
    A.OpenApp: "a desktop cannot open apps by name here: click the app or use a terminal",
}

_STARTED = SettleSettings(quiet=0.4, timeout=10.0)


@dataclass(frozen=True)
class DesktopSettings:
    screen: tuple[int, int] = (1280, 800)
    display: str | None = None
    text_input: TextInput = "auto"
    settle: SettleSettings = field(default_factory=SettleSettings)
    desktop: Desktop = "xfce"  # or "openbox" (a bare window manager) or "none"
    home: Path | None = None  # the session's home (default: a temporary one, removed on close)
    user: str | None = SESSION_USER  # as root: whom the session's programs see themselves as


class DesktopEnvironment(Environment):
    name = "desktop"

    def __init__(self, settings: DesktopSettings | None = None) -> None:
        self.settings = settings or DesktopSettings()
        if self.settings.display:
            self.display = VirtualDisplay.attach(self.settings.display)
        else:
            self.display = VirtualDisplay(
                self.settings.screen, self.settings.desktop, self.settings.home, self.settings.user
            )
            self.display.start()
        try:
            self.input = Input(self.display.child_env(), self.settings.text_input)
            self._mss = mss.MSS(display=self.display.name)
            self._windows = Windows(self.display.name)
        except Exception as exc:
            self.display.close()
            if isinstance(exc, EnvironmentFailure):
                raise
            raise EnvironmentFailure(f"cannot use display {self.display.name}: {exc}") from exc
        monitor = self._mss.monitors[1]
        self._monitor = monitor
        self._size = (monitor["width"], monitor["height"])
        if self.display.owned and self.settings.desktop == "xfce":
            wait_until_still(self._grab, _STARTED)  # until the wallpaper and icons are drawn

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._size

    def _grab(self) -> bytes:
        return self._mss.grab(self._monitor).raw

    def screenshot(self) -> Image.Image:
        shot = self._mss.grab(self._monitor)
        return Image.frombuffer("RGB", shot.size, shot.raw, "raw", "BGRX", 0, 1)

    def observe(self) -> Observation:
        try:
            image = self.screenshot()
            pointer = self.input.gui.position()
        except Exception as exc:
            raise EnvironmentFailure(f"the display {self.display.name} is gone: {exc}") from exc
        return Observation(
            image, pointer=(int(pointer[0]), int(pointer[1])), focused=self._windows.focused_title()
        )

    def perform(self, action: A.Action) -> ActionResult:
        try:
            A.validate(action, self.screen_size)
        except InvalidAction as exc:
            return ActionResult(error=str(exc))
        if isinstance(action, _NO_SCREEN_CHANGE):
            return ActionResult()
        if type(action) in _PHONE_ONLY:
            return ActionResult(error=f"{action.kind}: {_PHONE_ONLY[type(action)]}")
        if isinstance(action, A.Key) and PHONE_KEYS.intersection(action.keys):
            keys = ", ".join(sorted(PHONE_KEYS.intersection(action.keys)))
            return ActionResult(error=f"a desktop keyboard has no {keys} key")
        started = time.monotonic()
        try:
            self.input.perform(action)
        except EnvironmentFailure:
            raise
        except Exception as exc:
            raise EnvironmentFailure(f"{action.kind} failed on {self.display.name}: {exc}") from exc
        return ActionResult(act_seconds=time.monotonic() - started)

    def settle(self, result: ActionResult) -> ActionResult:
        try:
            settled = wait_until_still(self._grab, self.settings.settle)
        except Exception as exc:  # the X server died under the action (mss asserts, or raises)
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise EnvironmentFailure(
                f"the display {self.display.name} is gone while the screen settled ({detail})"
            ) from exc
        return replace(result, settle_seconds=settled.seconds, settled=settled.settled)

    def launch(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        *,
        home: str | PathLike[str] | None = None,
        log: str | PathLike[str] | None = None,
    ) -> Popen[bytes]:
        """Start an app on this desktop (see VirtualDisplay.launch for `home` and `log`)."""
        return self.display.launch(argv, env, home=home, log=log)

    def windows(self) -> list[WindowInfo]:
        return self._windows.list()

    def wait_for_window(self, title: str, timeout: float = 10.0) -> WindowInfo:
        return self._windows.wait_for(title, timeout)

    def wait_for_new_window(self, known: set[int], timeout: float = 10.0) -> WindowInfo:
        """The first window that is not in `known` (ids), once it is mapped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fresh = [w for w in self.windows() if w.id not in known]
            if fresh:
                return fresh[0]
            time.sleep(0.05)
        raise TimeoutError(f"no new window within {timeout:g} s")

    def find_window(self, title_or_id: str) -> WindowInfo:
        return self._windows.find(title_or_id)

    def focus(self, window_id: int) -> None:
        self._windows.focus(window_id)

    def close_window(self, window_id: int) -> None:
        self._windows.close_window(window_id)

    def close(self) -> None:
        for closer in (self.input.close, self._windows.close, self._mss.close):
            with contextlib.suppress(Exception):  # the display may be gone; close the rest
                closer()
        self.display.close()
