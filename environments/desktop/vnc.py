"""Watch (and optionally take over) the private display over VNC, on loopback only."""

from __future__ import annotations

import shutil
import socket
import time

from agent.errors import EnvironmentFailure
from environments.desktop.display import VirtualDisplay


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VncServer:
    """x11vnc on 127.0.0.1: view-only unless `view_only` is False; stops with the display."""

    def __init__(self, display: VirtualDisplay, port: int = 0, view_only: bool = True) -> None:
        if shutil.which("x11vnc") is None:
            raise EnvironmentFailure("x11vnc not found: install it with ./scripts/setup.sh")
        self.port = port or free_port()
        self.view_only = view_only
        argv = ["x11vnc", "-display", display.name, "-rfbport", str(self.port), "-localhost",
                "-nopw", "-forever", "-shared", "-quiet", "-noxdamage"]  # fmt: skip
        if "XAUTHORITY" in display.env:
            argv += ["-auth", display.env["XAUTHORITY"]]
        if view_only:
            argv.append("-viewonly")
        self.process = display.launch(argv)
        self._wait_listening()

    @property
    def url(self) -> str:
        return f"vnc://127.0.0.1:{self.port}"

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EnvironmentFailure(f"x11vnc exited on port {self.port}: is it in use?")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise EnvironmentFailure(f"x11vnc did not listen on 127.0.0.1:{self.port}")
