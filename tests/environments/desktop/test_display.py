"""The private display: its own number, auth and bus; closing it leaves nothing behind."""

import os
import subprocess
import time

import pytest

from agent.errors import EnvironmentFailure
from environments.desktop import VirtualDisplay

pytestmark = pytest.mark.timeout(60)


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


@pytest.mark.parametrize(("desktop_kind", "manager"), [("xfce", "Xfwm4"), ("openbox", "Openbox")])
def test_a_private_display_is_separate_authenticated_and_fully_closed(
    desktop, desktop_kind, manager
):
    with VirtualDisplay((800, 600), desktop_kind).start() as display:
        assert display.name not in (desktop.display.name, os.environ.get("DISPLAY"))
        env = display.child_env()
        assert answers(env)
        assert window_manager(env) == manager
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


@pytest.mark.parametrize(
    ("desktop_kind", "manager", "error"),
    [("openbox", "openbox", "window manager exited"), ("xfce", "xfwm4", "xfwm4 exited at start")],
)
def test_a_failed_start_stops_what_it_started(tmp_path, monkeypatch, desktop_kind, manager, error):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / manager).write_text("#!/bin/sh\nexit 3\n")
    (fake / manager).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    display = VirtualDisplay((640, 480), desktop_kind)
    with pytest.raises(EnvironmentFailure, match=error):
        display.start()
    number = display.name.lstrip(":")
    assert number.isdigit()
    assert not os.path.exists(f"/tmp/.X11-unix/X{number}")  # Xvfb is gone
    assert not os.path.exists(display.env["XAUTHORITY"])


def test_apps_never_reach_the_callers_wayland_session_or_bus(desktop, monkeypatch):
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
    env = desktop.display.child_env()
    assert "WAYLAND_DISPLAY" not in env
    assert (env["GDK_BACKEND"], env["QT_QPA_PLATFORM"]) == ("x11", "xcb")
    assert env["DBUS_SESSION_BUS_ADDRESS"] == desktop.display.env["DBUS_SESSION_BUS_ADDRESS"]
    assert env["DISPLAY"] == desktop.display.name


def test_an_app_with_its_own_home_keeps_its_settings_there(desktop, tmp_path):
    """mousepad's settings go through the bus's dconf service: with a bus of its own per home,
    they land in that home and not in the home of whoever runs the agent."""
    home = tmp_path / "home"
    app = desktop.launch(["mousepad"], home=home)
    try:
        desktop.wait_for_window("Mousepad")
        deadline = time.monotonic() + 5
        settings = home / ".config" / "dconf" / "user"
        while not settings.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert settings.exists()
    finally:
        desktop.display.stop(app)
    assert app.poll() is not None


def test_attaching_leaves_the_apps_already_running(desktop, apps):
    app = apps(["xterm", "-title", "keep-me", "-e", "sleep", "60"])
    desktop.wait_for_window("keep-me")
    attached = VirtualDisplay.attach(desktop.display.name)
    attached.close()
    attached.close()  # twice is fine
    assert app.poll() is None
    assert desktop.wait_for_window("keep-me", timeout=1)


def test_launching_a_missing_program_says_so(desktop, tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-app not found"):
        desktop.launch(["no-such-app"], home=tmp_path / "home")
    assert not (tmp_path / "home").exists()
