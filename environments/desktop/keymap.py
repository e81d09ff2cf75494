"""Canonical key names (agent.keys) as X keysyms, for the keys pyautogui does not map.

pyautogui silently ignores a key it has no mapping for; those chords go through xdotool with
these keysyms instead, so a key press is never dropped without a word.
"""

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
}  # fmt: skip


def keysym(key: str) -> str:
    """The X keysym of a canonical key; single characters go to xdotool as they are."""
    return KEYSYMS.get(key, key)
