"""What is on the screen, built once per state: the view tree, the raw frame, the PNG.

Agents take a screenshot after every action and often several while waiting for the screen to
settle, so an unchanged screen must cost nothing: the tree and the frame are kept until the
handset's `version` (or the minute shown by the clock, or the screen size) changes. The frame is
held once, as the exact bytes raw `screencap` sends (header then RGBA rows). The PNG is encoded
from those bytes on every `screencap -p`, at zlib's default level, as a phone does (the cost a
phone pays there is what raw capture avoids; bench/android_observe.py measures both).
"""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PIL import Image

from environments.android.virtual_phone.render import render
from environments.android.virtual_phone.system_ui import compose
from environments.android.virtual_phone.ui import Node, dump, walk

if TYPE_CHECKING:
    from environments.android.virtual_phone.handset import Handset

PIXEL_FORMAT_RGBA_8888 = 1
COLOR_SPACE_UNKNOWN = 0


class Screen:
    def __init__(self, handset: Handset) -> None:
        self._handset = handset
        self._tree: tuple[object, list[Node]] | None = None
        self._raw: tuple[object, bytes] | None = None

    def _key(self) -> tuple[object, ...]:
        handset = self._handset
        return handset.version, time.strftime("%H:%M"), handset.size, handset.settings.dark

    def roots(self) -> list[Node]:
        key = self._key()
        if self._tree is None or self._tree[0] != key:
            self._tree = (key, compose(self._handset))
        return self._tree[1]

    def nodes(self) -> Iterator[Node]:
        """Every node that is at least partly visible."""
        for root in self.roots():
            for node, _ in walk(root):
                yield node

    def header(self) -> bytes:
        width, height = self._handset.size
        if self._handset.legacy_screencap_header:
            return struct.pack("<3I", width, height, PIXEL_FORMAT_RGBA_8888)
        return struct.pack("<4I", width, height, PIXEL_FORMAT_RGBA_8888, COLOR_SPACE_UNKNOWN)

    def raw(self) -> bytes:
        """Raw `screencap` output: the header, then width x height RGBA pixels (all black while
        a window with FLAG_SECURE is in front, as SurfaceFlinger captures it for the shell)."""
        handset = self._handset
        secure = handset.current()[0] in handset.quirks.secure
        key = (*self._key(), handset.legacy_screencap_header, secure)
        if self._raw is None or self._raw[0] != key:
            self._raw = None
            size = handset.size
            if secure:
                pixels = b"\0\0\0\xff" * (size[0] * size[1])
            else:
                roots = self.roots()
                pixels = render(roots, size, roots[0].fill or (0, 0, 0)).tobytes()
            self._raw = (key, self.header() + pixels)
        return self._raw[1]

    def png(self) -> bytes:
        raw = self.raw()
        header = len(self.header())
        image = Image.frombuffer(
            "RGBA", self._handset.size, memoryview(raw)[header:], "raw", "RGBA", 0, 1
        )
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()

    def dump(self) -> str:
        return dump(self.roots(), self._handset.rotation)
