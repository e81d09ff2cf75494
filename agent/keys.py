"""One table of key names: every spelling a model uses, mapped to one canonical name.

Canonical names are pyautogui's key names, which every environment translates from (xdotool
keysyms on the desktop, Android key codes on a phone).
"""

from agent.errors import InvalidAction

_NAMED = [
    "enter", "tab", "space", "backspace", "delete", "escape", "insert",
    "home", "end", "pageup", "pagedown", "up", "down", "left", "right",
    "ctrl", "alt", "shift", "win", "capslock", "numlock", "scrolllock",
    "printscreen", "pause", "menu", "volumeup", "volumedown", "volumemute",
    "playpause", "nexttrack", "prevtrack",
    *(f"f{n}" for n in range(1, 25)),
]  # fmt: skip

# Keys only a phone has (Android key codes without a desktop equivalent).
PHONE_KEYS = frozenset({"power", "camera", "search", "call", "endcall", "notification", "clear"})

_ALIASES = {
    "return": "enter", "ret": "enter", "kp_enter": "enter", "linefeed": "enter",
    "esc": "escape", "del": "delete", "ins": "insert",
    "bksp": "backspace", "back_space": "backspace",
    "spacebar": "space", " ": "space",
    "pgup": "pageup", "page_up": "pageup", "prior": "pageup",
    "pgdn": "pagedown", "page_down": "pagedown", "next": "pagedown",
    "arrowup": "up", "arrowdown": "down", "arrowleft": "left", "arrowright": "right",
    "arrow_up": "up", "arrow_down": "down", "arrow_left": "left", "arrow_right": "right",
    "control": "ctrl", "ctl": "ctrl", "control_l": "ctrl", "control_r": "ctrl",
    "ctrl_l": "ctrl", "ctrl_r": "ctrl", "ctrlleft": "ctrl", "ctrlright": "ctrl",
    "alt_l": "alt", "alt_r": "alt", "altleft": "alt", "altright": "alt",
    "option": "alt", "opt": "alt", "meta": "alt",
    "shift_l": "shift", "shift_r": "shift", "shiftleft": "shift", "shiftright": "shift",
    "super": "win", "super_l": "win", "super_r": "win", "cmd": "win", "command": "win",
    "windows": "win", "winleft": "win", "winright": "win", "os": "win",
    "caps_lock": "capslock", "num_lock": "numlock", "scroll_lock": "scrolllock",
    "print": "printscreen", "prtsc": "printscreen", "prtscr": "printscreen",
    "print_screen": "printscreen",
    "apps": "menu", "contextmenu": "menu",
}  # fmt: skip

_PUNCTUATION = set("`~!@#$%^&*()-_=+[{]}\\|;:'\",<.>/?")

_SYMBOL_NAMES = {
    "minus": "-", "plus": "+", "equal": "=", "equals": "=", "comma": ",", "period": ".",
    "slash": "/", "backslash": "\\", "semicolon": ";", "apostrophe": "'", "quote": "'",
    "grave": "`", "bracketleft": "[", "bracketright": "]", "asterisk": "*", "at": "@",
}  # fmt: skip

CANONICAL_KEYS = frozenset(_NAMED) | PHONE_KEYS
MODIFIERS = frozenset({"ctrl", "alt", "shift", "win"})


def normalize_key(name: str) -> str:
    """Return the canonical name of one key, or raise InvalidAction naming the bad key."""
    if not isinstance(name, str) or not name:
        raise InvalidAction(f"key names must be non-empty strings, got {name!r}")
    if len(name) == 1 and (name.isalnum() or name in _PUNCTUATION or name == " "):
        return _ALIASES.get(name, name.lower() if name.isalpha() else name)
    lowered = name.strip().lower()
    if lowered in CANONICAL_KEYS:
        return lowered
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered in _SYMBOL_NAMES:
        return _SYMBOL_NAMES[lowered]
    raise InvalidAction(
        f"unknown key {name!r}: use names like 'enter', 'ctrl', 'alt', 'shift', 'tab', "
        "'escape', 'pagedown', 'f5' or a single character"
    )


def normalize_chord(keys: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """Canonical keys of a chord; accepts a list or one 'ctrl+c' / 'ctrl c' string."""
    if isinstance(keys, str):
        parts = [p for p in keys.replace("+", " ").split(" ") if p] if len(keys) > 1 else [keys]
    else:
        parts = list(keys)
    if not parts:
        raise InvalidAction("a key action needs at least one key")
    return tuple(normalize_key(p) for p in parts)
