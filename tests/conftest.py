"""Shared fixtures: one private virtual desktop for the whole session.

pyautogui binds one display per process, so in-process tests share this desktop; tests that
need a desktop of their own run `agent` in a subprocess.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from environments.desktop import DesktopEnvironment, DesktopSettings


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopEnvironment]:
    with DesktopEnvironment(DesktopSettings(screen=(1280, 800))) as env:
        yield env


@pytest.fixture
def apps(desktop: DesktopEnvironment, tmp_path) -> Iterator[list]:
    """Start apps with `apps.append(desktop.launch(...))`; they are closed after the test.

    Each test gets a private HOME so app settings and session restore do not leak between tests.
    """
    launched: list = []
    home = tmp_path / "home"
    home.mkdir()

    def launch(argv: list[str]):
        process = desktop.launch(
            argv, {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        )
        launched.append(process)
        return process

    yield launch  # type: ignore[misc]
    for process in launched:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
