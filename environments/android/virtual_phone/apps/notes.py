"""Notes (com.example.notes/.MainActivity): a list of notes and a multi-line editor.

Leaving the editor (Save, the Navigate-up arrow or BACK) keeps what was typed; an empty note is
dropped. Long press on a note offers Delete.

State file: /sdcard/Android/data/com.example.notes/files/notes.json, a list of
{"title", "text", "modified"} newest first (title = first line of text); pushing a list of
{"text"} (or {"title", "body"}) objects replaces the notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from environments.android.virtual_phone.apps.base import App, data_dir, dump_json, load_json_list
from environments.android.virtual_phone.files import Mount
from environments.android.virtual_phone.text_buffer import TextBuffer
from environments.android.virtual_phone.ui import Node, Rect
from environments.android.virtual_phone.widgets import (
    Context,
    Row,
    app_bar,
    fab,
    label,
    popup_menu,
    scroll_list,
    text_field,
)

PACKAGE = "com.example.notes"
STATE_FILE = f"{data_dir(PACKAGE)}/notes.json"
SEED = (
    "Shopping list\nMilk, eggs, bread, coffee",
    "Meeting notes\nDiscuss the Q3 roadmap with the team",
)


@dataclass(eq=False)
class Note:
    text: str
    modified: int = field(default_factory=lambda: int(time.time()))

    @property
    def title(self) -> str:
        return self.text.strip().split("\n", 1)[0]

    @property
    def preview(self) -> str:
        lines = [line for line in self.text.strip().split("\n")[1:] if line.strip()]
        return lines[0] if lines else ""


class NotesApp(App):
    package = PACKAGE
    activity = ".MainActivity"
    label = "Notes"
    color = (251, 188, 4)
    glyph = "✎"
    third_party = True

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.reset()

    def reset(self) -> None:
        self.notes = [Note(text) for text in SEED]
        self.stop()

    def stop(self) -> None:
        self.editing: Note | None = None
        self.in_editor = False
        self.menu: tuple[Note, int, int] | None = None
        self.scroll = 0
        self.editor = TextBuffer("Note", multiline=True)

    # State file ----------------------------------------------------------------------------

    def files(self) -> dict[str, Mount]:
        return {STATE_FILE: Mount(self._read, self._write)}

    def _read(self) -> bytes:
        return dump_json(
            [{"title": n.title, "text": n.text, "modified": n.modified} for n in self.notes]
        )

    def _write(self, data: bytes) -> None:
        notes = []
        for item in load_json_list(data, STATE_FILE):
            if isinstance(item, str):
                item = {"text": item}
            if not isinstance(item, dict):
                raise OSError(22, f"{STATE_FILE}: each note must be an object")
            text = item.get("text")
            if text is None:
                parts = [str(item.get("title", "")), str(item.get("body", ""))]
                text = "\n".join(part for part in parts if part)
            modified = item.get("modified")
            notes.append(Note(str(text), int(modified) if modified else int(time.time())))
        self.notes = sorted(notes, key=lambda n: -n.modified)  # newest first; stable for ties
        self.stop()

    # Navigation ----------------------------------------------------------------------------

    def back(self) -> bool:
        if self.menu is not None:
            self.menu = None
        elif self.in_editor:
            self._close_editor()
        else:
            return False
        return True

    def build(self, ctx: Context) -> list[Node]:
        if self.in_editor:
            return self._editor(ctx)
        nodes = self._list(ctx)
        if self.menu is not None and self.menu[0] in self.notes:
            note, x, y = self.menu
            nodes.append(
                popup_menu(ctx, x, y, [("Delete", lambda: self._delete(note))], self._close_menu)
            )
        return nodes

    def _list(self, ctx: Context) -> list[Node]:
        look = ctx.look
        bar, rest = app_bar(ctx, "Notes")
        nodes = [bar]
        if self.notes:
            rows: list[Row] = [(look.px(240), self._card(ctx, note)) for note in self.notes]
            nodes.append(
                scroll_list(
                    look, rest, rows, self.scroll, self._set_scroll, f"{PACKAGE}:id/notes_list"
                )
            )
        else:
            empty = Rect(rest.left, rest.top + look.px(200), rest.right, rest.top + look.px(300))
            nodes.append(
                label(look, empty, "No notes yet", 46, look.palette.text_secondary, align="center")
            )
        nodes.append(fab(ctx, "New note", "New note", lambda: self._open_editor(ctx, None)))
        return nodes

    def _set_scroll(self, offset: int) -> None:
        self.scroll = offset

    def _card(self, ctx: Context, note: Note) -> Callable[[Rect], Node]:
        look = ctx.look

        def build(rect: Rect) -> Node:
            def open_menu() -> None:
                self.menu = (note, rect.left + look.px(200), rect.bottom - look.px(40))

            inner = Rect(
                rect.left + look.px(40),
                rect.top + look.px(16),
                rect.right - look.px(40),
                rect.bottom - look.px(16),
            )
            card = Node(
                inner,
                "android.widget.LinearLayout",
                desc=note.title,
                on_tap=lambda: self._open_editor(ctx, note),
                on_long_press=open_menu,
                fill=look.palette.card,
                radius=look.px(36),
            )
            text_left, text_right = inner.left + look.px(40), inner.right - look.px(40)
            middle = inner.top + inner.height // 2
            card.add(
                label(
                    look,
                    Rect(text_left, middle - look.px(70), text_right, middle),
                    note.title or "(empty)",
                    48,
                    bold=True,
                    rid=f"{PACKAGE}:id/title",
                )
            )
            if note.preview:
                card.add(
                    label(
                        look,
                        Rect(text_left, middle + look.px(6), text_right, middle + look.px(66)),
                        note.preview,
                        38,
                        look.palette.text_secondary,
                        rid=f"{PACKAGE}:id/preview",
                    )
                )
            return card

        return build

    def _editor(self, ctx: Context) -> list[Node]:
        look = ctx.look
        title = "Edit note" if self.editing is not None else "New note"
        bar, rest = app_bar(
            ctx, title, back=self._close_editor, actions=(("Save", self._close_editor),)
        )
        margin = look.px(56)
        rect = Rect(
            rest.left + margin,
            rest.top + look.px(20),
            rest.right - margin,
            rest.bottom - look.px(40),
        )
        return [bar, text_field(ctx, rect, self.editor, f"{PACKAGE}:id/note_text")]

    # Actions -------------------------------------------------------------------------------

    def _open_editor(self, ctx: Context, note: Note | None) -> None:
        self.in_editor, self.editing = True, note
        self.editor.set(note.text if note else "")
        ctx.set_focus(self.editor)

    def _close_editor(self) -> None:
        text = self.editor.value
        note = self.editing
        if note is not None and note in self.notes:
            if not text.strip():
                self.notes.remove(note)
            elif text != note.text:
                note.text, note.modified = text, int(time.time())
                self.notes.remove(note)
                self.notes.insert(0, note)
        elif text.strip():
            self.notes.insert(0, Note(text))
        self.in_editor, self.editing = False, None

    def _close_menu(self) -> None:
        self.menu = None

    def _delete(self, note: Note) -> None:
        if note in self.notes:
            self.notes.remove(note)
        self.menu = None
