"""Watch (and optionally take over) the private display over VNC, on loopback only, with a
password.

Loopback alone keeps other machines out but not other users of this one, so every server gets
a fresh password (8 characters: VNC authentication uses no more). It is handed to x11vnc in a
file of mode 0600, never on its command line (which `ps` shows to everyone): in
`password_file` if given (kept, say in the run's folder), else in a private temporary folder
that x11vnc empties on reading (`rm:`) and that is removed once it listens. Show the password
to the person (`password`); nobody else can read it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import tempfile
import time
from pathlib import Path

from agent.errors import EnvironmentFailure
from environments.desktop.display import VirtualDisplay

_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def write_secret(path: Path, text: str) -> None:
    """`text` in a fresh file of mode 0600 at `path` (what was there is replaced, not followed)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VncServer:
    """x11vnc on 127.0.0.1 with a generated password: view-only unless `view_only` is False;
    stops with the display."""

    def __init__(
        self,
        display: VirtualDisplay,
        port: int = 0,
        view_only: bool = True,
        password_file: Path | None = None,
    ) -> None:
        if shutil.which("x11vnc") is None:
            raise EnvironmentFailure("x11vnc not found: install it with ./scripts/setup.sh")
        self.port = port or free_port()
        self.view_only = view_only
        self.password = new_password()
        private = None if password_file else Path(tempfile.mkdtemp(prefix="agent-vnc-"))
        secret = password_file or Path(private or ".") / "password"
        write_secret(secret, self.password)
        argv = ["x11vnc", "-display", display.name, "-rfbport", str(self.port), "-localhost",
                "-passwdfile", f"rm:{secret}" if private else str(secret),
                "-forever", "-shared", "-quiet", "-noxdamage"]  # fmt: skip
        if "XAUTHORITY" in display.env:
            argv += ["-auth", display.env["XAUTHORITY"]]
        if view_only:
            argv.append("-viewonly")
        try:
            self.process = display.launch(argv)
            self._wait_listening()
        finally:
            if private is not None:
                shutil.rmtree(private, ignore_errors=True)

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
