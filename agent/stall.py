"""The no-progress limit of one model answer (`--stall-timeout`).

A read timeout only fires when no byte at all arrives; a server (or a proxy in front of it)
that sends keep-alive comments, empty chunks or whitespace keeps a read going without
advancing the reply. So progress is what the client counts as such (a token of a stream, a
byte of a body that is not whitespace), and a watch thread shuts the connection's socket when
none came for the limit: the read in progress then fails at once and the client reports the
stall as what it is.

The socket comes from the response's `network_stream` extension (httpcore's documented way to
reach the connection); without one, the limit is checked whenever the read yields.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any


class StallWatch:
    """Watches one response: `progress()` when the answer advances. With `from_first`, the
    limit counts only from `arm()` (a stream's first chunk, which may wait in the server's
    queue and prefill as long as the request timeout allows)."""

    def __init__(self, response: Any, limit: float, from_first: bool = False) -> None:
        self.limit = limit
        self.stalled = False
        self._armed = not from_first
        self._last = time.monotonic()
        self._socket = _socket_of(response)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="model-stall-watch", daemon=True)
        self._thread.start()

    def arm(self) -> None:
        """The answer has begun (a stream's first chunk): the limit counts from now on."""
        if not self._armed:
            self.progress()

    def progress(self) -> None:
        self._armed = True
        self._last = time.monotonic()

    def overdue(self) -> bool:
        """Whether the answer has made no progress for the limit (checked on every read too)."""
        if self._armed and time.monotonic() - self._last >= self.limit:
            self.stalled = True
        return self.stalled

    def _watch(self) -> None:
        period = min(0.25, self.limit / 4)
        while not self._done.wait(period):
            if self.overdue():
                if self._socket is not None:
                    with contextlib.suppress(OSError):
                        self._socket.shutdown(socket.SHUT_RDWR)
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join()

    def __enter__(self) -> StallWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _socket_of(response: Any) -> socket.socket | None:
    extensions = getattr(response, "extensions", None) or {}
    stream = extensions.get("network_stream")
    if stream is None:
        return None
    with contextlib.suppress(Exception):
        found = stream.get_extra_info("socket")
        return found if isinstance(found, socket.socket) else None
    return None
