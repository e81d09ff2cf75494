"""A desktop session's own home: HOME and the XDG config, data, cache, state and runtime dirs of
one run, and the environment every program of that run gets (the desktop itself, the apps, a
task's setup steps, the model's actions, evaluator commands).

The caller's session variables (its bus, session manager, desktop name) are dropped and the
system search paths are set to Debian's defaults, so nothing a run starts reads or writes the
home, settings or session of whoever started it. The session bus is started with this
environment too, so services it activates (dconf, xfconf) keep their databases in this home.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

# What ties a process to the caller's own login session; never passed on to a private desktop.
CALLER_SESSION = frozenset(
    [
        "DBUS_SESSION_BUS_ADDRESS",
        "SESSION_MANAGER",
        "XDG_SESSION_ID",
        "XDG_SESSION_TYPE",
        "XDG_SESSION_CLASS",
        "XDG_SESSION_DESKTOP",
        "XDG_SEAT",
        "XDG_VTNR",
        "XDG_CURRENT_DESKTOP",
        "DESKTOP_SESSION",
        "GNOME_KEYRING_CONTROL",
        "GNOME_DESKTOP_SESSION_ID",
        "GSETTINGS_BACKEND",
        "XDG_CONFIG_DIRS",
        "XDG_DATA_DIRS",
        "XDG_MENU_PREFIX",
        "GTK_MODULES",
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
        "HOME",
        "ICEAUTHORITY",
        "XAUTHORITY",
        "DISPLAY",
        "WAYLAND_DISPLAY",
    ]
)
_NOBODY = 65534
_SYSTEM_DIRS = {"XDG_CONFIG_DIRS": "/etc/xdg", "XDG_DATA_DIRS": "/usr/local/share:/usr/share"}


@dataclass(frozen=True)
class SessionHome:
    """The folders of one session; `create` makes them (the runtime dir private, as the XDG
    spec asks), `env` names them for a child process."""

    home: Path
    runtime: Path

    @property
    def config(self) -> Path:
        return self.home / ".config"

    @property
    def data(self) -> Path:
        return self.home / ".local" / "share"

    @property
    def cache(self) -> Path:
        return self.home / ".cache"

    @property
    def state(self) -> Path:
        return self.home / ".local" / "state"

    @classmethod
    def create(cls, home: Path, runtime: Path) -> SessionHome:
        session = cls(home.resolve(), runtime.resolve())
        for folder in (session.config, session.data, session.cache, session.state):
            folder.mkdir(parents=True, exist_ok=True)
        session.runtime.mkdir(parents=True, exist_ok=True)
        session.runtime.chmod(0o700)
        return session

    def env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_DATA_HOME": str(self.data),
            "XDG_CACHE_HOME": str(self.cache),
            "XDG_STATE_HOME": str(self.state),
            "XDG_RUNTIME_DIR": str(self.runtime),
            **_SYSTEM_DIRS,
        }


def session_env(session: SessionHome, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) without the caller's session, with this
    session's folders."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k not in CALLER_SESSION}
    env.update(session.env())
    return env


@dataclass(frozen=True)
class SessionUser:
    """The account the session's programs see themselves as, when the agent runs as root.

    Apps warn in their windows when they run as root ("you are using the root account"), which
    a model would see. So the session's programs run in a user namespace that maps this
    account's uid onto ours: they see an ordinary user, while every file they touch is still
    owned by (and readable to) whoever runs the agent, so nothing needs its owner changed.
    """

    name: str
    uid: int
    gid: int

    def command(self, argv: Sequence[str]) -> list[str]:
        map_ids = [f"--map-user={self.uid}", f"--map-group={self.gid}"]
        return ["unshare", "--user", *map_ids, "--", *argv]

    def env(self) -> dict[str, str]:
        return {"USER": self.name, "LOGNAME": self.name}


@dataclass(frozen=True)
class SessionRunner:
    """How a command runs on a task's behalf (its setup, the evaluator's commands, OSWorld's
    config steps and getters): with the session's environment and as the session's user, as
    the session's apps and the model's terminal run. `user` None: as we run (an attached
    display, or not root)."""

    env: dict[str, str] = field(default_factory=dict)
    user: SessionUser | None = None

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` as the session's programs run it."""
        return self.user.command(argv) if self.user else list(argv)

    def with_env(self, env: Mapping[str, str]) -> SessionRunner:
        return replace(self, env=dict(env))

    def run(
        self,
        argv: Sequence[str] | str,
        cwd: str | os.PathLike[str],
        timeout: float,
        *,
        check: bool = False,
        capture: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` (a string: a /bin/sh line) in `cwd` and wait; its output as text."""
        command = ["/bin/sh", "-c", argv] if isinstance(argv, str) else argv
        return subprocess.run(
            self.command(command),
            cwd=cwd,
            env=self.env,
            timeout=timeout,
            check=check,
            capture_output=capture,
            text=True,
            errors="replace",
        )


def session_user(name: str | None) -> SessionUser | None:
    """`name`'s account (or nobody's, if there is no such account) when we are root and user
    namespaces work here; None otherwise (the session then runs as we do)."""
    if name is None or os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    try:
        account = pwd.getpwnam(name)
        user = SessionUser(name, account.pw_uid, account.pw_gid)
    except KeyError:
        user = SessionUser("nobody", _NOBODY, _NOBODY)
    probe = subprocess.run(user.command(["true"]), capture_output=True, timeout=10)
    return user if probe.returncode == 0 else None
