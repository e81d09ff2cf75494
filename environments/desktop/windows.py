"""Top-level windows of a display, read from the window manager's EWMH properties."""

from __future__ import annotations

import time
from dataclasses import dataclass

from Xlib import X, Xatom, protocol
from Xlib.display import Display
from Xlib.error import XError


@dataclass(frozen=True)
class WindowInfo:
    id: int
    title: str
    app: str
    x: int
    y: int
    width: int
    height: int
    focused: bool

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


class Windows:
    def __init__(self, display_name: str) -> None:
        self.display = Display(display_name)
        self.root = self.display.screen().root
        self._atoms = {
            name: self.display.intern_atom(name)
            for name in ("_NET_CLIENT_LIST", "_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "UTF8_STRING")
        }

    def _property(self, window: object, name: str, kind: int) -> object:
        value = window.get_full_property(self._atoms[name], kind)  # type: ignore[attr-defined]
        return value.value if value is not None else None

    def active(self) -> int | None:
        value = self._property(self.root, "_NET_ACTIVE_WINDOW", Xatom.WINDOW)
        return int(value[0]) if value is not None and len(value) and value[0] else None

    def title(self, window_id: int) -> str:
        window = self.display.create_resource_object("window", window_id)
        name = self._property(window, "_NET_WM_NAME", self._atoms["UTF8_STRING"])
        if name is None:
            value = window.get_full_property(Xatom.WM_NAME, Xatom.STRING)
            name = value.value if value is not None else b""
        return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)

    def focused_title(self) -> str | None:
        try:
            active = self.active()
            return self.title(active) if active else None
        except XError:
            return None

    def list(self) -> list[WindowInfo]:
        ids = self._property(self.root, "_NET_CLIENT_LIST", Xatom.WINDOW) or []
        active = self.active()
        found = []
        for window_id in ids:
            window = self.display.create_resource_object("window", int(window_id))
            try:
                geometry = window.get_geometry()
                origin = window.translate_coords(self.root, 0, 0)
                wm_class = window.get_wm_class() or ("", "")
                title = self.title(int(window_id))
            except XError:
                continue  # closed while we looked
            found.append(
                WindowInfo(
                    int(window_id),
                    title,
                    wm_class[1] or wm_class[0],
                    -origin.x,
                    -origin.y,
                    geometry.width,
                    geometry.height,
                    int(window_id) == active,
                )
            )
        return found

    def wait_for(self, title: str, timeout: float = 10.0) -> WindowInfo:
        """The first window whose title contains `title`, once it is mapped."""
        deadline = time.monotonic() + timeout
        while True:
            for window in self.list():
                if title.lower() in window.title.lower():
                    return window
            if time.monotonic() > deadline:
                titles = [w.title for w in self.list()]
                raise TimeoutError(
                    f"no window titled like {title!r} after {timeout:g} s; open windows: {titles}"
                )
            time.sleep(0.05)

    def _request(self, window_id: int, message: str, data: list[int]) -> None:
        """Ask the window manager (EWMH client message) to act on a window."""
        window = self.display.create_resource_object("window", window_id)
        event = protocol.event.ClientMessage(
            window=window,
            client_type=self.display.intern_atom(message),
            data=(32, [*data, 0, 0, 0, 0, 0][:5]),
        )
        self.root.send_event(
            event, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask
        )
        self.display.flush()

    def focus(self, window_id: int) -> None:
        self._request(window_id, "_NET_ACTIVE_WINDOW", [2, X.CurrentTime])

    def close_window(self, window_id: int) -> None:
        self._request(window_id, "_NET_CLOSE_WINDOW", [X.CurrentTime, 2])

    def find(self, title_or_id: str) -> WindowInfo:
        """A window by id (decimal or 0x hex) or by a part of its title."""
        windows = self.list()
        for window in windows:
            if title_or_id in (str(window.id), hex(window.id)):
                return window
        for window in windows:
            if title_or_id.lower() in window.title.lower():
                return window
        raise LookupError(f"no window {title_or_id!r}; open windows: {[w.title for w in windows]}")

    def close(self) -> None:
        self.display.close()
