"""The editable content of one text field: its value, cursor and what ENTER does.

Apps own their buffers (a form's Name field lives as long as the form); the phone only remembers
which buffer has focus, and key events, `input text` and the ADB Keyboard edit that one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(eq=False)
class TextBuffer:
    hint: str
    multiline: bool = False
    value: str = ""
    cursor: int = 0
    all_selected: bool = False
    on_submit: Callable[[], None] | None = None
    on_change: Callable[[], None] | None = None

    def set(self, value: str) -> None:
        self.value = value
        self.cursor = len(value)
        self.all_selected = False

    def _replace_selection(self) -> None:
        if self.all_selected:
            self.value, self.cursor, self.all_selected = "", 0, False

    def insert(self, text: str) -> None:
        if not self.multiline:
            text = text.replace("\n", " ")
        self._replace_selection()
        self.value = self.value[: self.cursor] + text + self.value[self.cursor :]
        self.cursor += len(text)
        self._changed()

    def backspace(self) -> None:
        if self.all_selected:
            self._replace_selection()
        elif self.cursor > 0:
            self.value = self.value[: self.cursor - 1] + self.value[self.cursor :]
            self.cursor -= 1
        self._changed()

    def delete_forward(self) -> None:
        if self.all_selected:
            self._replace_selection()
        else:
            self.value = self.value[: self.cursor] + self.value[self.cursor + 1 :]
        self._changed()

    def move(self, offset: int) -> None:
        self.all_selected = False
        self.cursor = min(max(self.cursor + offset, 0), len(self.value))

    def move_to(self, position: int) -> None:
        self.all_selected = False
        self.cursor = min(max(position, 0), len(self.value))

    def select_all(self) -> None:
        self.all_selected = bool(self.value)

    def clear(self) -> None:
        self.set("")
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
