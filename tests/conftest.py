"""Shared fixtures: one private virtual desktop for the whole session; a private adb server for
the session and a fresh virtual phone for each test that asks for one.

pyautogui binds one display per process, so in-process tests share this desktop; tests that
need a desktop of their own run `agent` in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from subprocess import Popen

import pytest

from environments.android.device import PrivateAdbServer
from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import VirtualPhoneServer
from environments.desktop import DesktopEnvironment, DesktopSettings
from tests.servers import attached_phone


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopEnvironment]:
    with DesktopEnvironment(DesktopSettings(screen=(1280, 800))) as env:
        yield env


@pytest.fixture
def apps(desktop: DesktopEnvironment, tmp_path: Path) -> Iterator[Callable[..., Popen[bytes]]]:
    """`apps(argv, env=None)` starts an app on the desktop; every app it started is stopped
    after the test.

    Each test's apps get a private HOME (and a session bus of their own, see
    VirtualDisplay.launch), so app settings and session restore do not leak between tests or
    into the home of the user running them.
    """
    launched: list[Popen[bytes]] = []
    home = tmp_path / "home"

    def launch(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Popen[bytes]:
        process = desktop.launch(argv, env, home=home)
        launched.append(process)
        return process

    yield launch
    for process in launched:
        desktop.display.stop(process)


@pytest.fixture(scope="session")
def adb_server() -> Iterator[PrivateAdbServer]:
    with PrivateAdbServer() as server:
        yield server


@pytest.fixture
def virtual_phone(adb_server: PrivateAdbServer) -> Iterator[VirtualPhoneServer]:
    """A fresh virtual phone, attached to the test adb server (its serial is its address)."""
    with attached_phone(adb_server, Phone()) as server:
        yield server
