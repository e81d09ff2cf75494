"""A person taking over a run: a key pressed in the terminal pauses the agent between steps,
the person works on the display (over VNC, or on their own display), and another key hands
control back. A model that answers "HUMAN NEEDED: ..." asks for the same pause.
"""

from __future__ import annotations

import os
import sys
import termios
import threading
import tty
from collections.abc import Callable
from queue import Empty, Queue

HUMAN_NEEDED = "HUMAN NEEDED:"


def asks_for_human(answer: str) -> str | None:
    """The model's reason if its answer asks for a person, else None."""
    text = answer.strip()
    if text.upper().startswith(HUMAN_NEEDED):
        return text[len(HUMAN_NEEDED) :].strip() or "the model asked for a person"
    return None


def human_note(reason: str) -> str:
    """What the model is told after a person used the screen."""
    return f"A person used the screen ({reason}) and handed it back to you."


class Takeover:
    """Reads key presses from a terminal; each press toggles between agent and person."""

    def __init__(self, say: Callable[[str], None], where: str = "the display") -> None:
        self.say = say
        self.where = where
        self._fd = sys.stdin.fileno()
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd)
        self._keys: Queue[bytes] = Queue()
        self._thread = threading.Thread(target=self._read, name="takeover-keys", daemon=True)
        self._thread.start()
        self.say(f"takeover: press any key to pause the agent and use {where}")

    @staticmethod
    def available() -> bool:
        return sys.stdin.isatty()

    def _read(self) -> None:
        while True:
            try:
                key = os.read(self._fd, 1)
            except OSError:
                return
            if not key:
                return
            self._keys.put(key)

    def requested(self) -> bool:
        try:
            self._keys.get_nowait()
        except Empty:
            return False
        return True

    def hand_over(self, reason: str) -> None:
        """Block until the person presses a key to hand control back."""
        self.say(f"paused ({reason}): use {self.where}, then press any key to hand back")
        while True:
            try:
                self._keys.get(timeout=0.5)
                break
            except Empty:
                continue
        self.say("resumed: the agent takes a fresh screenshot")

    def close(self) -> None:
        termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
