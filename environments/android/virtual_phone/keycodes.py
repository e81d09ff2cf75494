"""Android key codes by name and number, and the characters the printable ones type.

`input keyevent` accepts a number, `KEYCODE_NAME` or the bare `NAME` (KeyEvent.keyCodeFromString
strips the prefix), so all three resolve here; anything else is KEYCODE_UNKNOWN.
"""

from __future__ import annotations

import string

UNKNOWN = 0
HOME = 3
BACK = 4
DPAD_UP, DPAD_DOWN, DPAD_LEFT, DPAD_RIGHT, DPAD_CENTER = 19, 20, 21, 22, 23
TAB = 61
SPACE = 62
ENTER = 66
DEL = 67
MENU = 82
ESCAPE = 111
FORWARD_DEL = 112
CTRL_LEFT, CTRL_RIGHT = 113, 114
MOVE_HOME, MOVE_END = 122, 123
NUMPAD_ENTER = 160
APP_SWITCH = 187
SHIFT_LEFT, SHIFT_RIGHT = 59, 60

_NAMED = {
    "UNKNOWN": 0, "SOFT_LEFT": 1, "SOFT_RIGHT": 2, "HOME": HOME, "BACK": BACK, "CALL": 5,
    "ENDCALL": 6, "STAR": 17, "POUND": 18, "DPAD_UP": DPAD_UP, "DPAD_DOWN": DPAD_DOWN,
    "DPAD_LEFT": DPAD_LEFT, "DPAD_RIGHT": DPAD_RIGHT, "DPAD_CENTER": DPAD_CENTER,
    "VOLUME_UP": 24, "VOLUME_DOWN": 25, "POWER": 26, "CAMERA": 27, "CLEAR": 28, "COMMA": 55,
    "PERIOD": 56, "ALT_LEFT": 57, "ALT_RIGHT": 58, "SHIFT_LEFT": SHIFT_LEFT,
    "SHIFT_RIGHT": SHIFT_RIGHT, "TAB": TAB, "SPACE": SPACE, "SYM": 63, "EXPLORER": 64,
    "ENVELOPE": 65, "ENTER": ENTER, "DEL": DEL, "GRAVE": 68, "MINUS": 69, "EQUALS": 70,
    "LEFT_BRACKET": 71, "RIGHT_BRACKET": 72, "BACKSLASH": 73, "SEMICOLON": 74,
    "APOSTROPHE": 75, "SLASH": 76, "AT": 77, "NUM": 78, "HEADSETHOOK": 79, "FOCUS": 80,
    "PLUS": 81, "MENU": MENU, "NOTIFICATION": 83, "SEARCH": 84, "MEDIA_PLAY_PAUSE": 85,
    "MEDIA_STOP": 86, "MEDIA_NEXT": 87, "MEDIA_PREVIOUS": 88, "MEDIA_REWIND": 89,
    "MEDIA_FAST_FORWARD": 90, "MUTE": 91, "PAGE_UP": 92, "PAGE_DOWN": 93, "ESCAPE": ESCAPE,
    "FORWARD_DEL": FORWARD_DEL, "CTRL_LEFT": CTRL_LEFT, "CTRL_RIGHT": CTRL_RIGHT,
    "CAPS_LOCK": 115, "SCROLL_LOCK": 116, "META_LEFT": 117, "META_RIGHT": 118, "FUNCTION": 119,
    "SYSRQ": 120, "BREAK": 121, "MOVE_HOME": MOVE_HOME, "MOVE_END": MOVE_END, "INSERT": 124,
    "NUM_LOCK": 143, "NUMPAD_ENTER": NUMPAD_ENTER, "VOLUME_MUTE": 164,
    "APP_SWITCH": APP_SWITCH, "SLEEP": 223, "WAKEUP": 224, "ALL_APPS": 284,
    **{f"F{n}": 130 + n for n in range(1, 13)},
    **{str(d): 7 + d for d in range(10)},
    **{letter: 29 + i for i, letter in enumerate(string.ascii_uppercase)},
}  # fmt: skip

_SYMBOLS = {
    55: ",", 56: ".", 62: " ", 68: "`", 69: "-", 70: "=", 71: "[", 72: "]", 73: "\\",
    74: ";", 75: "'", 76: "/", 77: "@", 81: "+", 17: "*", 18: "#",
}  # fmt: skip
_SHIFTED = {
    "1": "!", "2": "@", "3": "#", "4": "$", "5": "%", "6": "^", "7": "&", "8": "*", "9": "(",
    "0": ")", "-": "_", "=": "+", "[": "{", "]": "}", "\\": "|", ";": ":", "'": '"', ",": "<",
    ".": ">", "/": "?", "`": "~",
}  # fmt: skip
MODIFIERS = frozenset({57, 58, SHIFT_LEFT, SHIFT_RIGHT, CTRL_LEFT, CTRL_RIGHT, 117, 118, 119})


def parse_keycode(text: str) -> int:
    """The code for `text` (a number, KEYCODE_NAME or NAME), as KeyEvent.keyCodeFromString:
    the lookup is exact and case-sensitive, and a name Android does not know is KEYCODE_UNKNOWN
    (0), which `input` sends without complaint."""
    if text.isdigit():
        return int(text)
    return _NAMED.get(text.removeprefix("KEYCODE_"), UNKNOWN)


def character(code: int, shift: bool = False) -> str | None:
    """What a key types into a text field, or None for keys that do not type."""
    if 7 <= code <= 16:
        char = str(code - 7)
    elif 29 <= code <= 54:
        char = chr(ord("a") + code - 29)
        return char.upper() if shift else char
    else:
        char = _SYMBOLS.get(code)
        if char is None:
            return None
    return _SHIFTED.get(char, char) if shift else char
