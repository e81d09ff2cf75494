"""Canonical key names (agent.keys) and system buttons as Android key codes for `input`.

A chord is one `input keycombination`. Android 10 and older have no such subcommand: their
`input` prints "Error: Unknown command: keycombination" and exits 0 (newer ones exit 255), so
the output is read, not only the exit code. There, shift with a letter is typed as the capital
letter; any other chord is reported to the model as not available on that phone.
"""

from __future__ import annotations

from adbutils import AdbDevice

from agent.errors import InvalidAction
from agent.keys import PHONE_KEYS

_NAMED = {
    "enter": "ENTER", "tab": "TAB", "space": "SPACE", "backspace": "DEL",
    "delete": "FORWARD_DEL", "escape": "ESCAPE", "insert": "INSERT", "home": "MOVE_HOME",
    "end": "MOVE_END", "pageup": "PAGE_UP", "pagedown": "PAGE_DOWN", "up": "DPAD_UP",
    "down": "DPAD_DOWN", "left": "DPAD_LEFT", "right": "DPAD_RIGHT", "ctrl": "CTRL_LEFT",
    "alt": "ALT_LEFT", "shift": "SHIFT_LEFT", "win": "META_LEFT", "capslock": "CAPS_LOCK",
    "numlock": "NUM_LOCK", "scrolllock": "SCROLL_LOCK", "printscreen": "SYSRQ",
    "pause": "BREAK", "menu": "MENU", "volumeup": "VOLUME_UP", "volumedown": "VOLUME_DOWN",
    "volumemute": "VOLUME_MUTE", "playpause": "MEDIA_PLAY_PAUSE", "nexttrack": "MEDIA_NEXT",
    "prevtrack": "MEDIA_PREVIOUS",
    **{f"f{n}": f"F{n}" for n in range(1, 13)},
    **{key: key.upper() for key in PHONE_KEYS},
}  # fmt: skip

_SYMBOLS = {
    "-": "MINUS", "=": "EQUALS", "[": "LEFT_BRACKET", "]": "RIGHT_BRACKET",
    "\\": "BACKSLASH", ";": "SEMICOLON", "'": "APOSTROPHE", "/": "SLASH", ",": "COMMA",
    ".": "PERIOD", "`": "GRAVE", "@": "AT", "+": "PLUS", "*": "STAR", "#": "POUND",
}  # fmt: skip

SYSTEM_BUTTONS = {"back": "BACK", "home": "HOME", "menu": "MENU", "recents": "APP_SWITCH"}


def keycode(key: str) -> str:
    """`KEYCODE_...` for one canonical key name."""
    if len(key) == 1 and key.isascii() and key.isalnum():
        return f"KEYCODE_{key.upper()}"
    name = _NAMED.get(key) or _SYMBOLS.get(key)
    if name is None:
        raise InvalidAction(f"the key {key!r} does not exist on an Android keyboard")
    return f"KEYCODE_{name}"


class Keyboard:
    """Presses keys and chords on one phone; `input` is the command with its display option."""

    def __init__(self, device: AdbDevice, input_command: str = "input") -> None:
        self.device = device
        self.input = input_command
        self.chords = True  # until the phone says it has no keycombination

    def _shell(self, command: str, chord: bool = False) -> str:
        result = self.device.shell2(command, v2=True)
        if chord and "Unknown command" in result.output:
            raise _NoSubcommand
        if result.returncode != 0 or "Error:" in result.output:
            raise InvalidAction(f"`{command}` failed on the phone: {result.output.strip()}")
        return result.output

    def press(self, keys: tuple[str, ...]) -> None:
        codes = [keycode(k) for k in keys]
        if len(codes) == 1:
            self._shell(f"{self.input} keyevent {codes[0]}")
            return
        if self.chords:
            try:
                self._shell(f"{self.input} keycombination " + " ".join(codes), chord=True)
                return
            except _NoSubcommand:
                self.chords = False
        self._without_chords(keys)

    def _without_chords(self, keys: tuple[str, ...]) -> None:
        rest = [k for k in keys if k != "shift"]
        if len(keys) == 2 and len(rest) == 1 and len(rest[0]) == 1 and rest[0].isalpha():
            self._shell(f"{self.input} text {rest[0].upper()}")
            return
        raise InvalidAction(
            f"the key combination {'+'.join(keys)} is not available on this phone: its `input` "
            "tool (Android 10 or older) has no keycombination. Use the phone's own controls "
            "instead (long-press a text field for Select all, Cut, Copy and Paste)"
        )


class _NoSubcommand(Exception):
    """The phone's `input` does not know the subcommand."""
