"""Ctrl+Alt+T opens a terminal, as on OSWorld's Ubuntu desktop: a key grab on the display's root
window that starts xterm with this process's environment (the task's home and PATH, so the
shims' xterm that logs what it shows, see conventions.py) in $HOME.

    python -m tasks.osworld.hotkey      (DISPLAY and the task's environment set by the caller)
"""

from __future__ import annotations

import os
import subprocess

from Xlib import XK, X
from Xlib.display import Display


def main() -> None:
    display = Display()
    root = display.screen().root
    code = display.keysym_to_keycode(XK.string_to_keysym("t"))
    wanted = X.ControlMask | X.Mod1Mask
    for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
        root.grab_key(code, wanted | extra, True, X.GrabModeAsync, X.GrabModeAsync)
    display.sync()
    while True:
        event = display.next_event()
        if event.type == X.KeyPress and event.detail == code:
            home = os.environ.get("HOME", "/")
            subprocess.Popen(
                ["xterm", "-fa", "DejaVu Sans Mono", "-fs", "11"],
                cwd=home,
                start_new_session=True,
            )


if __name__ == "__main__":
    main()
