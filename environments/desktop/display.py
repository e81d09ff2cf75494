"""A private X display: Xvfb with its own auth cookie, a window manager, a US keyboard layout
and a session bus of its own, so apps started on it never reach another display.

The Xauthority file is written by us: without one, python-xlib (and so pyautogui) fails to
connect under a fresh Xvfb, and an open display would let any local client in.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent.errors import EnvironmentFailure

_COOKIE = b"MIT-MAGIC-COOKIE-1"
_FAMILY_LOCAL, _FAMILY_WILD = 256, 0xFFFF
SETUP_HINT = "install the desktop tooling with ./scripts/setup.sh"


def _xauth_entry(family: int, address: bytes, number: bytes, cookie: bytes) -> bytes:
    out = struct.pack(">H", family)
    for field in (address, number, _COOKIE, cookie):
        out += struct.pack(">H", len(field)) + field
    return out


def _require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        raise EnvironmentFailure(f"{', '.join(missing)} not found: {SETUP_HINT}")


class VirtualDisplay:
    """Xvfb + openbox + a session bus, started together and stopped together."""

    def __init__(self, size: tuple[int, int] = (1280, 800), window_manager: bool = True) -> None:
        self.size = size
        self.window_manager = window_manager
        self.name = ""
        self.env: dict[str, str] = {}
        self._processes: list[subprocess.Popen[bytes]] = []
        self._dir: Path | None = None
        self.owned = True

    @classmethod
    def attach(cls, name: str) -> VirtualDisplay:
        """An existing display given by the user: nothing is started, nothing is ever killed."""
        display = cls()
        display.owned = False
        display.name = name
        display.env = {"DISPLAY": name}
        if os.environ.get("XAUTHORITY"):
            display.env["XAUTHORITY"] = os.environ["XAUTHORITY"]
        return display

    def start(self, timeout: float = 15.0) -> VirtualDisplay:
        _require("Xvfb", "setxkbmap", *(["openbox"] if self.window_manager else []))
        self._dir = Path(tempfile.mkdtemp(prefix="agent-display-"))
        auth = self._dir / "Xauthority"
        cookie = secrets.token_bytes(16)
        auth.write_bytes(_xauth_entry(_FAMILY_WILD, b"", b"", cookie))
        width, height = self.size
        read_fd, write_fd = os.pipe()
        try:
            xvfb = self._spawn(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                 "-nolisten", "tcp", "-auth", str(auth), "-noreset", "-br"],
                pass_fds=(write_fd,),
            )  # fmt: skip
            os.close(write_fd)
            number = self._read_display_number(read_fd, xvfb, timeout)
        finally:
            os.close(read_fd)
        self.name = f":{number}"
        host = socket.gethostname().encode()
        auth.write_bytes(
            _xauth_entry(_FAMILY_LOCAL, host, number.encode(), cookie)
            + _xauth_entry(_FAMILY_WILD, b"", number.encode(), cookie)
        )
        self.env = {"DISPLAY": self.name, "XAUTHORITY": str(auth)}
        self._start_session_bus()
        subprocess.run(["setxkbmap", "-display", self.name, "us"], env=self.child_env(), check=True)
        if self.window_manager:
            self._spawn(["openbox", "--sm-disable"], env=self.child_env())
            self._wait_for_window_manager(timeout)
        return self

    def _read_display_number(self, fd: int, xvfb: subprocess.Popen[bytes], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            if time.monotonic() > deadline or xvfb.poll() is not None:
                self.close()
                raise EnvironmentFailure("Xvfb did not start: is another X server misbehaving?")
            chunk = os.read(fd, 64)
            if not chunk:
                break
            data += chunk
        return data.decode().strip()

    def _start_session_bus(self) -> None:
        """Apps like mousepad are single-instance over D-Bus; a bus per display keeps them apart."""
        if shutil.which("dbus-daemon") is None:
            return
        assert self._dir is not None
        socket_path = self._dir / "bus"
        self._spawn(
            ["dbus-daemon", "--session", "--nofork", f"--address=unix:path={socket_path}"],
            env=self.child_env(),
        )
        deadline = time.monotonic() + 5
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={socket_path}"

    def _wait_for_window_manager(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
                env=self.child_env(),
                capture_output=True,
                text=True,
            )
            if "window id" in probe.stdout:
                return
            time.sleep(0.02)
        raise EnvironmentFailure(f"the window manager did not start on {self.name}")

    def child_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a program on this display (and only this display)."""
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
        env.update(self.env)
        env.update(extra or {})
        return env

    def _spawn(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, **kwargs: object
    ) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **kwargs,  # type: ignore[arg-type]
        )
        self._processes.append(process)
        return process

    def launch(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start an app on this display in its own process group; closed with the display."""
        return self._spawn(argv, env=self.child_env(env))

    def close(self) -> None:
        for process in reversed(self._processes):
            _kill_group(process)
        self._processes.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> VirtualDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the agent dies, even by SIGKILL, so no Xvfb is orphaned."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=3)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=3)
