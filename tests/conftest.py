"""Shared fixtures: one private virtual desktop for the whole session; a private adb server for
the session and a fresh virtual phone for each test that asks for one.

pyautogui binds one display per process, so in-process tests share this desktop; tests that
need a desktop of their own run `agent` in a subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from subprocess import Popen

import pytest

from environments.android.device import PrivateAdbServer
from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import VirtualPhoneServer
from environments.desktop import DesktopEnvironment, DesktopSettings
from tests.servers import attached_phone

ROOT = Path(__file__).resolve().parents[1]


CACHES = {
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "qwen_operator.egg-info",
}


def _entries() -> set[str]:
    """Every file and folder in the checkout but caches (git would not show empty folders)."""
    found = set()
    for folder, names, files in os.walk(ROOT):
        names[:] = [name for name in names if name not in CACHES]
        relative = Path(folder).relative_to(ROOT)
        found.update(str(relative / name) for name in [*names, *files])
    return found


@pytest.fixture(scope="session", autouse=True)
def repository_stays_clean() -> Iterator[None]:
    """A test run leaves nothing in the repository: whatever a test writes goes to tmp_path."""
    before = _entries()
    yield
    left = sorted(_entries() - before)
    assert not left, f"the tests left files in the repository: {', '.join(left[:10])}"


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
