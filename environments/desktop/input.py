"""Mouse and keyboard on one X display: pyautogui, with the clipboard or xdotool for text that
pyautogui cannot type.

pyautogui connects to `$DISPLAY` once, when it is imported, and keeps that connection for the
life of the process. So a process drives one desktop: the display is fixed before the first
import, and a second desktop in the same process is refused rather than silently driving the
first one (`agent bench` runs one worker process per display).
"""

from __future__ import annotations

import os
import string
import subprocess
import sys
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Literal

from agent import actions as A
from agent.errors import EnvironmentFailure
from environments.desktop.clipboard import CHUNK, SelectionPaster
from environments.desktop.keymap import PYAUTOGUI_MISTYPED, keysym

TextInput = Literal["auto", "xdotool", "clipboard"]
_TYPABLE = set(string.ascii_letters + string.digits + string.punctuation + " \t") - set(
    PYAUTOGUI_MISTYPED
)
_BUTTONS = {"left": "left", "right": "right", "middle": "middle"}
_DRAG_STEPS = 8
_MULTI_CLICK_INTERVAL = 0.03  # a hand-like gap, well inside GTK (400 ms) and xterm (250 ms)


def _screen_less(name: str) -> str:
    """':3', ':3.0' and 'unix:3' all name display 3 of this machine."""
    host, _, rest = name.partition(":")
    number = rest.split(".")[0]
    return f"{'' if host in ('', 'unix', 'localhost') else host}:{number}"


def bound_display() -> str | None:
    """The display an already imported pyautogui is connected to, if any."""
    x11 = sys.modules.get("pyautogui._pyautogui_x11")
    if x11 is None:
        return None
    return str(x11._display.get_display_name())


def bind_pyautogui(env: Mapping[str, str]) -> ModuleType:
    """Import pyautogui bound to the display in `env` (DISPLAY, XAUTHORITY).

    DISPLAY and XAUTHORITY are set in this process's environment first, because pyautogui reads
    them while it is imported; if pyautogui already drives another display, this is an error.
    """
    display = env["DISPLAY"]
    bound = bound_display()
    if bound is not None and _screen_less(bound) != _screen_less(display):
        raise EnvironmentFailure(
            f"one desktop per process: pyautogui is bound to {bound} in this process and "
            f"cannot drive {display}; run each desktop in its own process"
        )
    os.environ["DISPLAY"] = display
    if "XAUTHORITY" in env:
        os.environ["XAUTHORITY"] = env["XAUTHORITY"]
    import pyautogui

    pyautogui.FAILSAFE = False  # a model may legitimately click the top-left corner
    pyautogui.PAUSE = 0  # settling is measured, not slept
    pyautogui.MINIMUM_DURATION = 0
    return pyautogui


class Input:
    def __init__(self, env: Mapping[str, str], text_input: TextInput = "auto") -> None:
        # xdotool reads the text's encoding from the locale
        self.env = {**env, "LC_ALL": "C.UTF-8"}
        self.text_input = text_input
        self.gui = bind_pyautogui(env)
        self._paster: SelectionPaster | None = None

    def perform(self, action: A.Action) -> None:
        gui = self.gui
        if isinstance(action, A.Click):
            gui.click(
                action.x,
                action.y,
                clicks=action.count,
                interval=_MULTI_CLICK_INTERVAL if action.count > 1 else 0.0,
                button=_BUTTONS[action.button],
            )
        elif isinstance(action, A.Move):
            gui.moveTo(action.x, action.y)
        elif isinstance(action, A.Drag):
            self._drag(action)
        elif isinstance(action, A.Scroll):
            gui.moveTo(action.x, action.y)
            if action.dy:
                gui.scroll(action.dy)
            if action.dx:
                gui.hscroll(action.dx)
        elif isinstance(action, A.Type):
            self.type(action.text)
        elif isinstance(action, A.Key):
            self.key(action.keys)
        elif isinstance(action, A.LongPress):
            gui.moveTo(action.x, action.y)
            gui.mouseDown(button="left")
            time.sleep(action.seconds)
            gui.mouseUp(button="left")
        elif isinstance(action, A.Wait):
            time.sleep(action.seconds)

    def key(self, keys: tuple[str, ...]) -> None:
        """Press a chord, modifiers first, released in reverse: pyautogui where it maps every
        key correctly, else xdotool with X keysyms (pyautogui drops unmapped keys silently)."""
        mapping = self.gui.platformModule.keyboardMapping
        if all(mapping.get(k) and k not in PYAUTOGUI_MISTYPED for k in keys):
            self.gui.hotkey(*keys)
        else:
            self._run(["xdotool", "key", "--clearmodifiers", "+".join(keysym(k) for k in keys)])

    def _drag(self, action: A.Drag) -> None:
        """Press, move in steps, release: apps need the motion events in between."""
        gui = self.gui
        gui.moveTo(action.x1, action.y1)
        gui.mouseDown(button="left")
        for step in range(1, _DRAG_STEPS + 1):
            x = action.x1 + (action.x2 - action.x1) * step / _DRAG_STEPS
            y = action.y1 + (action.y2 - action.y1) * step / _DRAG_STEPS
            gui.moveTo(round(x), round(y))
            time.sleep(0.01)
        gui.mouseUp(button="left")

    def type(self, text: str) -> None:
        """Type `text`, one line at a time, with an Enter press for each newline (in a form or
        a terminal, Enter submits; a pasted newline may not).

        A line of plain ASCII goes through pyautogui. pyautogui gets non-ASCII wrong and `<`/`>`
        wrong on some layouts, so any other line is pasted (auto, clipboard) or typed by xdotool
        on request: xdotool remaps a spare key per character and apps sometimes miss the
        remapping, dropping a character, while a paste is one event.
        """
        for index, line in enumerate(text.replace("\r\n", "\n").split("\n")):
            if index:
                self.gui.press("enter")
            if not line:
                continue
            method = self.text_input
            if method == "auto":
                method = "pyautogui" if set(line) <= _TYPABLE else "clipboard"
            if method == "clipboard":
                self._paste(line)
            elif method == "xdotool":
                self._run(["xdotool", "type", "--delay", "12", "--", line])
            else:
                self.gui.write(line)

    def _paste(self, text: str) -> None:
        """Paste through both selections with Shift+Insert, which pastes CLIPBOARD in GTK, Qt,
        browsers and office apps and PRIMARY in xterm; returns once the app has the text."""
        if self._paster is None:
            self._paster = SelectionPaster(self.env["DISPLAY"])
        for start in range(0, len(text), CHUNK):
            self._paster.paste(text[start : start + CHUNK], self._press_paste)

    def _press_paste(self) -> None:
        self.gui.hotkey("shift", "insert")

    def close(self) -> None:
        if self._paster is not None:
            self._paster.close()
            self._paster = None

    def _run(self, argv: list[str]) -> None:
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise EnvironmentFailure(f"{argv[0]} failed: {result.stderr.strip()}")
