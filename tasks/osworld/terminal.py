"""OSWorld's vm_terminal_output (desktop_env/evaluators/getters/general.py): the text the
terminal shows. OSWorld's VM server reads it from GNOME Terminal through the accessibility
tree; here the task's xterm (the Ctrl+Alt+T terminal and the desktop's Terminal icon, see
conventions.py) logs what it is sent, and the text is that log as a terminal would show it:
escape sequences (colours, titles, modes) dropped, a carriage return going back to the line's
start and a backspace erasing, lines ending in "\\n". The terminal read is the one opened
last (the one a postconfig opens to run its command); None when no terminal was opened.
"""

from __future__ import annotations

import re
from typing import Any

from tasks.osworld.conventions import SHIMS, TERMINALS
from tasks.osworld.machine import Machine

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: window titles
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS and other strings
    r"|\x1b[()*+][0-9A-Za-z]"  # character sets
    r"|\x1b[@-Z\\^_=>78]"  # other two-byte sequences
)


def _line(raw: str) -> str:
    shown: list[str] = []
    column = 0
    for char in raw:
        if char == "\r":
            column = 0
        elif char == "\b":
            column = max(column - 1, 0)
        elif char.isprintable() or char == "\t":
            if column < len(shown):
                shown[column] = char
            else:
                shown.append(char)
            column += 1
    return "".join(shown).rstrip()


def shown_text(log: str) -> str:
    """The text a terminal shows for the bytes `log` it was sent."""
    text = _ESCAPES.sub("", log).replace("\r\n", "\n")
    return "".join(f"{_line(line)}\n" for line in text.split("\n")[:-1]) + _line(
        text.split("\n")[-1]
    )


def vm_terminal_output(machine: Machine, config: dict[str, Any]) -> str | None:
    folder = machine.home / SHIMS / TERMINALS
    logs = sorted(folder.glob("*.log"), key=lambda p: int(p.stem)) if folder.is_dir() else []
    if not logs:
        return None
    return shown_text(logs[-1].read_text(encoding="utf-8", errors="replace"))
