"""The private display: its own number, auth and bus; closing it leaves nothing behind."""

import os
import subprocess

import pytest

from agent.errors import EnvironmentFailure
from environments.desktop import VirtualDisplay


def answers(env: dict[str, str]) -> bool:
    probe = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True
    )
    return probe.returncode == 0


def window_manager(env: dict[str, str]) -> str:
    check = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True
    ).stdout.split()[-1]
    name = subprocess.run(
        ["xprop", "-id", check, "_NET_WM_NAME"], env=env, capture_output=True, text=True
    ).stdout
    return name.split("=")[-1].strip().strip('"')


def test_a_private_display_is_separate_authenticated_and_fully_closed(desktop):
    with VirtualDisplay((800, 600)).start() as display:
        assert display.name not in (desktop.display.name, os.environ.get("DISPLAY"))
        env = display.child_env()
        assert answers(env)
        assert window_manager(env) == "Openbox"
        size = subprocess.run(["xdpyinfo"], env=env, capture_output=True, text=True).stdout
        assert "800x600 pixels" in size
        layout = subprocess.run(["setxkbmap", "-query"], env=env, capture_output=True, text=True)
        assert "layout:     us" in layout.stdout
        without_cookie = {**env, "XAUTHORITY": "/nonexistent"}
        assert not answers(without_cookie)
        auth_file = display.env["XAUTHORITY"]
        app = display.launch(["xterm"])
    assert not answers(env)
    assert app.poll() is not None
    assert not os.path.exists(auth_file)


def test_attaching_starts_and_kills_nothing(desktop):
    attached = VirtualDisplay.attach(desktop.display.name)
    attached.close()
    assert answers(desktop.display.child_env())
    assert attached.name == desktop.display.name


def test_the_shared_desktop_is_not_the_callers_display(desktop):
    assert os.environ.get("DISPLAY") in (None, desktop.display.name)
    assert desktop.screen_size == (1280, 800)


def test_missing_tools_name_the_setup_script(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EnvironmentFailure, match=r"Xvfb.*not found.*scripts/setup\.sh"):
        VirtualDisplay().start()
