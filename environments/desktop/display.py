"""A private X display: Xvfb with its own auth cookie, a desktop (XFCE, or a bare openbox), a US
keyboard layout, a session bus and a home of its own (see session.py), so nothing started on it
reaches another display or the home and settings of whoever started it.

The Xauthority file is written by us: without one, python-xlib (and so pyautogui) fails to
connect under a fresh Xvfb, and an open display would let any local client in.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from agent.errors import EnvironmentFailure
from environments.desktop import xfce
from environments.desktop.session import (
    SessionHome,
    SessionRunner,
    SessionUser,
    session_env,
    session_user,
)

_COOKIE = b"MIT-MAGIC-COOKIE-1"
_FAMILY_LOCAL, _FAMILY_WILD = 256, 0xFFFF
SETUP_HINT = "install the desktop tooling with ./scripts/setup.sh"
_X11_TOOLKITS = {"GDK_BACKEND": "x11", "QT_QPA_PLATFORM": "xcb"}
Desktop = Literal["xfce", "openbox", "none"]
SESSION_USER = "user"  # the account scripts/setup.sh creates (OSWorld's machines have it too)
DESKTOPS: tuple[Desktop, ...] = ("xfce", "openbox", "none")


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
    """Xvfb + a desktop + a session bus + a session home, started and stopped together.

    `desktop`: "xfce" (panel, menu, window list, desktop icons), "openbox" (a bare window
    manager) or "none". `home`: where the session's home lives (default: a temporary folder
    removed on close); it is (re)configured at every start. `user`: when we are root, the
    account the session's programs see themselves as (see SessionUser); None: ourselves.
    """

    def __init__(
        self,
        size: tuple[int, int] = (1280, 800),
        desktop: Desktop = "xfce",
        home: str | os.PathLike[str] | None = None,
        user: str | None = SESSION_USER,
    ) -> None:
        if desktop not in DESKTOPS:
            raise ValueError(f"desktop {desktop!r}: expected one of {', '.join(DESKTOPS)}")
        self.size = size
        self.desktop = desktop
        self.name = ""
        self.env: dict[str, str] = {}
        self.session: SessionHome | None = None
        self._user_name = user
        self.user: SessionUser | None = None
        self._home = Path(home) if home is not None else None
        self._processes: list[subprocess.Popen[bytes]] = []
        self._dir: Path | None = None
        self.owned = True

    @classmethod
    def attach(cls, name: str) -> VirtualDisplay:
        """An existing display given by the user: nothing is started on it, and the display and
        what already runs on it are never stopped (close() stops only what `launch` started)."""
        display = cls()
        display.owned = False
        display.name = name
        display.env = {"DISPLAY": name}
        if os.environ.get("XAUTHORITY"):
            display.env["XAUTHORITY"] = os.environ["XAUTHORITY"]
        return display

    def start(self, timeout: float = 30.0) -> VirtualDisplay:
        """Start Xvfb, the session bus, the US layout and the desktop; on any failure stop
        whatever already started, so a failed start leaves no process behind."""
        _require("Xvfb", "setxkbmap", "xprop", *_PROGRAMS[self.desktop])
        self._dir = Path(tempfile.mkdtemp(prefix="agent-display-"))
        try:
            self.session = SessionHome.create(self._home or self._dir / "home", self._dir / "run")
            self.user = session_user(self._user_name)
            self.env.update(self.user.env() if self.user else {})
            # The session's temporary files (a browser's profile copies, an office suite's
            # lock folders) go with the display, even those of an app that is killed.
            (self._dir / "tmp").mkdir(mode=0o700)
            self.env["TMPDIR"] = str(self._dir / "tmp")
            if self.desktop == "xfce":
                xfce.write_config(self.session)
                self.env.update(xfce.ENV)
            self._start_xvfb(timeout)
            self._start_session_bus()
            layout = subprocess.run(
                ["setxkbmap", "-display", self.name, "us"],
                env=self.child_env(),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if layout.returncode != 0:
                raise EnvironmentFailure(
                    f"setxkbmap failed on {self.name}: {layout.stderr.strip()}"
                )
            if self.desktop == "xfce":
                xfce.start(self._spawn_in_session, self.child_env(), timeout)
            elif self.desktop == "openbox":
                self._spawn_in_session(["openbox", "--sm-disable"], env=self.child_env())
                self._wait_for_window_manager(timeout)
        except BaseException:
            self.close()
            raise
        return self

    def _start_xvfb(self, timeout: float) -> None:
        assert self._dir is not None
        auth = self._dir / "Xauthority"
        cookie = secrets.token_bytes(16)
        # The server reads the cookie once at start-up (with -noreset, never again), whatever
        # the display number; clients need an entry for their number, written once it is known.
        auth.write_bytes(_xauth_entry(_FAMILY_WILD, b"", b"", cookie))
        width, height = self.size
        log = self._dir / "xvfb.log"
        read_fd, write_fd = os.pipe()
        try:
            with log.open("wb") as stderr:
                xvfb = self._spawn(
                    ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                     "-nolisten", "tcp", "-auth", str(auth), "-noreset", "-br", "-s", "0"],
                    pass_fds=(write_fd,),
                    output=stderr,
                )  # fmt: skip
            os.close(write_fd)
            number = _read_display_number(read_fd, xvfb, timeout)
        finally:
            os.close(read_fd)
        if not number.isdigit():
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise EnvironmentFailure(
                f"Xvfb did not start within {timeout:g} s: {' / '.join(tail) or 'no output'}"
            )
        self.name = f":{number}"
        host = socket.gethostname().encode()
        auth.write_bytes(
            _xauth_entry(_FAMILY_LOCAL, host, number.encode(), cookie)
            + _xauth_entry(_FAMILY_WILD, b"", number.encode(), cookie)
        )
        self.env.update({"DISPLAY": self.name, "XAUTHORITY": str(auth)})

    def _start_session_bus(self) -> None:
        """Apps like mousepad are single-instance over D-Bus; a bus per display keeps them apart
        (on the caller's bus, a second mousepad would open its window on the caller's screen)."""
        if shutil.which("dbus-daemon") is None:
            return
        assert self._dir is not None
        socket_path = self._dir / "bus"
        self._spawn_in_session(
            ["dbus-daemon", "--session", "--nofork", f"--address=unix:path={socket_path}"],
            env=self.child_env(),
        )
        deadline = time.monotonic() + 5
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        if socket_path.exists():
            self.env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={socket_path}"

    def _wait_for_window_manager(self, timeout: float) -> None:
        window_manager = self._processes[-1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if window_manager.poll() is not None:
                raise EnvironmentFailure(
                    f"the window manager exited on {self.name} (status {window_manager.returncode})"
                )
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
        """The environment for a program on this display (and only this display).

        WAYLAND_DISPLAY is dropped and GTK/Qt are told to use X11: under a Wayland session they
        would otherwise open their windows on the user's screen. On a private display the
        caller's session (bus, HOME, XDG dirs) is replaced by this display's own.
        """
        if self.owned and self.session is not None:
            env = session_env(self.session)
        else:
            dropped = {"DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY"}
            if self.owned:
                dropped.add("DBUS_SESSION_BUS_ADDRESS")
            env = {k: v for k, v in os.environ.items() if k not in dropped}
        env.update(_X11_TOOLKITS)
        env.update(self.env)
        env.update(extra or {})
        return env

    def _spawn(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        output: IO[bytes] | None = None,
        **kwargs: Any,
    ) -> subprocess.Popen[bytes]:
        stream = output if output is not None else subprocess.DEVNULL
        process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **kwargs,
        )
        self._processes.append(process)
        return process

    def runner(self, extra: Mapping[str, str] | None = None) -> SessionRunner:
        """How a command runs on a task's behalf: with `child_env(extra)` and, on a display we
        own, as the session's user (see SessionUser), as the session's apps run."""
        return SessionRunner(self.child_env(extra), self.user if self.owned else None)

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` as the session's programs run (as the session's user, see SessionUser)."""
        return SessionRunner(user=self.user if self.owned else None).command(argv)

    def _spawn_in_session(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        return self._spawn(self.command(argv), **kwargs)

    def launch(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        *,
        home: str | os.PathLike[str] | None = None,
        log: str | os.PathLike[str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start an app on this display in its own process group; stopped with the display.

        Apps share the display's session home and bus. `home` gives one app a HOME (and XDG
        config, data, cache and state dirs) of its own instead; such an app runs under
        `dbus-run-session`, since settings are written by the bus's dconf service, which would
        otherwise write them into the session's home. `log` collects the app's stdout and
        stderr (default: discarded).
        """
        overrides = dict(env or {})
        if home is not None:
            overrides.update(_home_env(Path(home)))
        full_env = self.child_env(overrides)
        if shutil.which(argv[0], path=full_env.get("PATH")) is None:
            raise FileNotFoundError(f"{argv[0]} not found on PATH: install it first")
        if home is not None:
            Path(home).mkdir(parents=True, exist_ok=True)
        command = list(argv)
        if self._own_home(full_env) and shutil.which("dbus-run-session", path=full_env.get("PATH")):
            full_env.pop("DBUS_SESSION_BUS_ADDRESS", None)
            command = ["dbus-run-session", "--", *command]
        cwd = full_env["HOME"] if self.owned and self.session else None  # as from the menu
        if log is None:
            return self._spawn_in_session(command, env=full_env, cwd=cwd)
        with open(log, "ab") as output:
            return self._spawn_in_session(command, env=full_env, output=output, cwd=cwd)

    def _own_home(self, env: Mapping[str, str]) -> bool:
        """Whether a child's HOME or config dir differs from the session's."""
        ours = self.child_env()
        return any(env.get(name) != ours.get(name) for name in ("HOME", "XDG_CONFIG_HOME"))

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop one launched app and everything in its process group."""
        _kill_group(process)
        if process in self._processes:
            self._processes.remove(process)

    def close(self) -> None:
        """Stop everything this object started (the apps it launched too); safe to call twice.
        An attached display itself is never stopped."""
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


_PROGRAMS: dict[Desktop, tuple[str, ...]] = {
    "xfce": ("xfwm4", "xfce4-panel", "xfdesktop", "xdotool"),
    "openbox": ("openbox",),
    "none": (),
}
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the agent dies, even by SIGKILL, so no Xvfb is orphaned."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _read_display_number(fd: int, xvfb: subprocess.Popen[bytes], timeout: float) -> str:
    """The number Xvfb writes to -displayfd once it accepts connections ('' if it never does)."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or xvfb.poll() is not None:
            return ""
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.1))
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                return ""
            data += chunk
    return data.decode().strip()


def _home_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it if the leader lingers.

    The group is signalled even when its leader has exited, since a launcher's children (bus,
    dconf service) may live on; but only until the leader is reaped: an unreaped leader keeps
    its pid, so the group cannot be someone else's, while a reaped one's pid may be reused.
    """
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.poll()
        return
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=3)
