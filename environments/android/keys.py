"""Canonical key names (agent.keys) and system buttons as Android key codes for `input`."""

from __future__ import annotations

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


def key_command(keys: tuple[str, ...]) -> str:
    """The `input` command pressing a key, or a chord together (`input keycombination`)."""
    codes = [keycode(k) for k in keys]
    if len(codes) == 1:
        return f"input keyevent {codes[0]}"
    return "input keycombination " + " ".join(codes)
