"""Canonical key names (agent.keys) as X keysyms, for the chords pyautogui cannot press.

pyautogui silently ignores a key it has no mapping for, and presses Shift plus the key that
carries `<` for `<` (which gives `>` on layouts with a <LSGT> key, US pc105 among them); those
chords go through xdotool with these keysyms instead, so a key press is never dropped or
changed without a word.
"""

PYAUTOGUI_MISTYPED = frozenset("<>")

KEYSYMS = {
    "enter": "Return", "tab": "Tab", "space": "space", "backspace": "BackSpace",
    "delete": "Delete", "escape": "Escape", "insert": "Insert", "home": "Home", "end": "End",
    "pageup": "Prior", "pagedown": "Next", "up": "Up", "down": "Down", "left": "Left",
    "right": "Right", "ctrl": "Control_L", "alt": "Alt_L", "shift": "Shift_L", "win": "Super_L",
    "capslock": "Caps_Lock", "numlock": "Num_Lock", "scrolllock": "Scroll_Lock",
    "printscreen": "Print", "pause": "Pause", "menu": "Menu",
    "volumeup": "XF86AudioRaiseVolume", "volumedown": "XF86AudioLowerVolume",
    "volumemute": "XF86AudioMute", "playpause": "XF86AudioPlay",
    "nexttrack": "XF86AudioNext", "prevtrack": "XF86AudioPrev",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
    "`": "grave", "~": "asciitilde", "!": "exclam", "@": "at", "#": "numbersign",
    "$": "dollar", "%": "percent", "^": "asciicircum", "&": "ampersand", "*": "asterisk",
    "(": "parenleft", ")": "parenright", "-": "minus", "_": "underscore", "=": "equal",
    "+": "plus", "[": "bracketleft", "{": "braceleft", "]": "bracketright",
    "}": "braceright", "\\": "backslash", "|": "bar", ";": "semicolon", ":": "colon",
    "'": "apostrophe", '"': "quotedbl", ",": "comma", "<": "less", ".": "period",
    ">": "greater", "/": "slash", "?": "question",
}  # fmt: skip


def keysym(key: str) -> str:
    """The X keysym of a canonical key; letters and digits are their own keysyms."""
    return KEYSYMS.get(key, key)
