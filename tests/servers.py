"""Helpers for tests that start servers of their own on loopback."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

from environments.android.device import PrivateAdbServer
from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import DeviceState, VirtualPhoneServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.1)


@contextlib.contextmanager
def attached_phone(
    adb_server: PrivateAdbServer, phone: Phone, state: DeviceState = "device"
) -> Iterator[VirtualPhoneServer]:
    """`phone` served on a free port and `adb connect`ed to `adb_server` (unless it plays an
    unauthorized or offline device, which a test connects itself)."""
    with VirtualPhoneServer(phone, state=state) as server:
        if state == "device":
            answer = adb_server.adb("connect", server.address).stdout
            assert f"connected to {server.address}" in answer, answer
        yield server
        adb_server.adb("disconnect", server.address)


def model_requests(server: Any) -> list[dict[str, Any]]:
    """A scripted server's chat requests without `agent run`'s start-up image probe (a request
    asking for no output, see agent.preflight)."""
    return [r for r in server.requests if r.get("max_tokens") != 0]
