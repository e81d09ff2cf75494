"""Paste text by serving the X selection ourselves, so we know when the app has taken it.

A paste is asynchronous: the paste key makes the app ask the selection owner for the text, and
the answer can arrive after the keys typed next (an Enter typed after a pasted line landed
before it). Owning the selection in-process tells us the moment the app has fetched the text;
only then do the following keys go out. Selection owners such as xclip cannot tell us that, and
xclip even returns before it owns the selection (a read right after it returned got the previous
contents 3 times in 100).

The selections are given up after the paste: an agent's typing should not linger in the
clipboard, and an owner that no longer answers would make the next paste hang.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable

from Xlib import X, Xatom
from Xlib.display import Display
from Xlib.protocol import event, request

_SELECTIONS = ("CLIPBOARD", "PRIMARY")
_TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT")
_QUIET = 0.15  # seconds without a request after the text was taken: the paste is done
CHUNK = 16_384  # characters per paste; a property must fit in one X request


class SelectionPaster:
    """Pastes on one display through a connection and a 1x1 window of its own."""

    def __init__(self, display_name: str) -> None:
        self.display = Display(display_name)
        self.window = self.display.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        self._atoms: dict[str, int] = {}

    def atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self.display.intern_atom(name)
        return self._atoms[name]

    def paste(self, text: str, press_paste_key: Callable[[], None], timeout: float = 1.0) -> bool:
        """Offer `text` as CLIPBOARD and PRIMARY, press the paste key, and answer the app until
        it has fetched the text (True) or `timeout` passes with no request (False: nothing that
        takes text has the focus)."""
        selections = [self.atom(name) for name in _SELECTIONS]
        for selection in selections:
            self.window.set_selection_owner(selection, X.CurrentTime)
        owned = [self.display.get_selection_owner(s) == self.window for s in selections]
        if not any(owned):
            return False
        press_paste_key()
        try:
            return self._serve(text.encode(), timeout)
        finally:
            for selection in selections:
                if self.display.get_selection_owner(selection) == self.window:
                    request.SetSelectionOwner(
                        display=self.display.display,
                        window=X.NONE,
                        selection=selection,
                        time=X.CurrentTime,
                    )
            self.display.sync()

    def _serve(self, data: bytes, timeout: float) -> bool:
        """Answer requests until the text was taken and then no request came for `_QUIET`
        seconds: some apps (Chromium) fetch a new selection as soon as it changes hands, and
        fetch it again for the paste itself."""
        deadline = time.monotonic() + timeout
        served = False
        while True:
            while self.display.pending_events():
                asked = self.display.next_event()
                if asked.type == X.SelectionRequest and self._answer(asked, data):
                    # a round trip, so the answer is queued for the app before our next key
                    self.display.get_input_focus()
                    served = True
                    deadline = time.monotonic() + _QUIET
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return served
            select.select([self.display.fileno()], [], [], remaining)

    def _answer(self, asked: event.SelectionRequest, data: bytes) -> bool:
        """Answer one request; True if it took the text (not just the list of targets)."""
        target, prop = asked.target, asked.property or asked.target
        requestor = asked.requestor
        served = False
        if target == self.atom("TARGETS"):
            targets = [self.atom("TARGETS"), *(self.atom(t) for t in _TEXT_TARGETS)]
            requestor.change_property(prop, Xatom.ATOM, 32, targets)
        elif target in {self.atom(t) for t in _TEXT_TARGETS}:
            kind = self.atom("UTF8_STRING") if target == self.atom("TEXT") else target
            requestor.change_property(prop, kind, 8, data)
            served = True
        else:
            prop = X.NONE  # GTK first asks for its own rich-text target; it then asks for text
        notify = event.SelectionNotify(
            time=asked.time,
            requestor=requestor,
            selection=asked.selection,
            target=target,
            property=prop,
        )
        requestor.send_event(notify)
        self.display.flush()
        return served

    def close(self) -> None:
        self.display.close()
