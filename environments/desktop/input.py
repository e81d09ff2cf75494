"""Mouse and keyboard on one X display: pyautogui, with xdotool or the clipboard for text that
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
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Literal

from agent import actions as A
from agent.errors import EnvironmentFailure
from environments.desktop.keymap import keysym

TextInput = Literal["auto", "xdotool", "clipboard"]
_TYPABLE = set(string.ascii_letters + string.digits + string.punctuation + " \t") - set("<>")
_BUTTONS = {"left": "left", "right": "right", "middle": "middle"}
_DRAG_STEPS = 8

_bound_display: str | None = None


def bind_pyautogui(env: Mapping[str, str]) -> ModuleType:
    """Import pyautogui bound to the display in `env` (DISPLAY, XAUTHORITY)."""
    global _bound_display
    display = env["DISPLAY"]
    if _bound_display not in (None, display):
        raise EnvironmentFailure(
            f"one desktop per process: pyautogui is bound to {_bound_display} in this process "
            f"and cannot drive {display}; run each desktop in its own process"
        )
    os.environ["DISPLAY"] = display
    if "XAUTHORITY" in env:
        os.environ["XAUTHORITY"] = env["XAUTHORITY"]
    import pyautogui

    pyautogui.FAILSAFE = False  # a model may legitimately click the top-left corner
    pyautogui.PAUSE = 0  # settling is measured, not slept
    pyautogui.MINIMUM_DURATION = 0
    _bound_display = display
    return pyautogui


class Input:
    def __init__(self, env: Mapping[str, str], text_input: TextInput = "auto") -> None:
        # xdotool and xclip read the text's encoding from the locale
        self.env = {**env, "LC_ALL": "C.UTF-8"}
        self.text_input = text_input
        self.gui = bind_pyautogui(env)

    def perform(self, action: A.Action) -> None:
        gui = self.gui
        if isinstance(action, A.Click):
            gui.click(
                action.x,
                action.y,
                clicks=action.count,
                interval=0.03,
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
        elif isinstance(action, A.Wait):
            time.sleep(action.seconds)

    def key(self, keys: tuple[str, ...]) -> None:
        """Press a chord: pyautogui where it maps every key, else xdotool with X keysyms."""
        mapping = self.gui.platformModule.keyboardMapping
        if all(mapping.get(k) for k in keys):
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
        """Plain ASCII through pyautogui; anything else pasted, or typed by xdotool on request.

        pyautogui maps characters to keys itself and gets non-ASCII wrong and `<`/`>` wrong on
        some layouts; xdotool remaps a spare key per character and apps sometimes miss the
        remapping, dropping a character. A paste is one event: nothing is dropped.
        """
        method = self.text_input
        if method == "auto":
            method = "pyautogui" if set(text) <= _TYPABLE | {"\n"} else "clipboard"
        if method == "clipboard":
            self._paste(text)
        elif method == "xdotool":
            self._run(["xdotool", "type", "--delay", "12", "--", text])
        else:
            for index, line in enumerate(text.split("\n")):
                if index:
                    self.gui.press("enter")
                self.gui.write(line)

    def _paste(self, text: str) -> None:
        """Put `text` in both selections and press Shift+Insert, which pastes in GTK, Qt,
        browsers and office apps (CLIPBOARD) as well as in xterm (PRIMARY)."""
        for selection in ("clipboard", "primary"):
            subprocess.run(
                ["xclip", "-selection", selection],
                input=text.encode(),
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
        self.gui.hotkey("shift", "insert")

    def _run(self, argv: list[str]) -> None:
        result = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise EnvironmentFailure(f"{argv[0]} failed: {result.stderr.strip()}")
