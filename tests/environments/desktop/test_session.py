"""The private desktop a model gets: XFCE with a menu, launchers and a window list, read back
by OCR; a session of its own (home, XDG dirs, bus) that is not the caller's; no root warnings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from environments.desktop.display import VirtualDisplay
from environments.desktop.session import CALLER_SESSION
from tasks.locate import read_text

PANEL = ("Applications",)
LAUNCHERS = ("Terminal", "Text Editor", "Web Browser", "Spreadsheet", "File Manager")


def _missing(image: Image.Image) -> list[str]:
    """The panel and launcher labels OCR does not find where they belong."""
    boxes = read_text(image)
    panel = {b.text.replace(" ", "") for b in boxes if b.bottom < 32}
    icons = {b.text.replace(" ", "") for b in boxes if b.top > 32 and b.right < 160}
    return [label for label in PANEL if label.replace(" ", "") not in panel] + [
        label for label in LAUNCHERS if label.replace(" ", "") not in icons
    ]


def test_a_fresh_desktop_shows_the_menu_and_the_launchers(tmp_path):
    """What `agent run --screenshot-only` saves: the panel's menu and the launchers, legible."""
    argv = [
        sys.executable,
        "-P",
        "-m",
        "agent.cli",
        "run",
        "--screenshot-only",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    path = Path(done.stdout.strip().split(": ")[-1])
    assert path.parent == tmp_path and path.suffix == ".png"
    image = Image.open(path)
    assert _missing(image) == []
    assert _missing(Image.new("RGB", image.size)) == [*PANEL, *LAUNCHERS]


def test_programs_get_the_sessions_home_dirs_and_bus_never_the_callers(desktop, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "/caller/config")
    monkeypatch.setenv("SESSION_MANAGER", "local/caller:@/tmp/.ICE-unix/1")
    env = desktop.display.child_env()
    home = str(desktop.display.session.home)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        assert env[name].startswith(home) or env[name] == str(desktop.display.session.runtime)
    assert "SESSION_MANAGER" not in env
    assert env["DBUS_SESSION_BUS_ADDRESS"] != os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    assert set(env) & CALLER_SESSION <= {
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_DIRS",
        "XDG_DATA_DIRS",
        "XDG_CURRENT_DESKTOP",
        "XDG_MENU_PREFIX",
        "DESKTOP_SESSION",
        "DBUS_SESSION_BUS_ADDRESS",
        "DISPLAY",
        "XAUTHORITY",
    }


def test_the_sessions_programs_are_not_root_and_apps_show_no_root_warning(desktop, apps):
    uid = subprocess.run(desktop.display.command(["id", "-u"]), capture_output=True, text=True)
    if os.geteuid() == 0:
        assert uid.stdout.strip() != "0"
    apps(["mousepad"])
    window = desktop.wait_for_window("Mousepad", timeout=20)
    box = (window.x, window.y, window.x + window.width, window.y + window.height)
    deadline, text = time.monotonic() + 10, ""
    while "Document" not in text and time.monotonic() < deadline:  # until its menu bar is drawn
        text = " ".join(found.text for found in read_text(desktop.screenshot().crop(box)))
    assert "Document" in text and "root" not in text.lower()


def test_attaching_leaves_the_displays_own_session_alone(desktop, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "/users/own/config")
    attached = VirtualDisplay.attach(desktop.display.name)
    env = attached.child_env()
    assert (env["HOME"], env["XDG_CONFIG_HOME"]) == (os.environ["HOME"], "/users/own/config")
    assert attached.command(["xterm"]) == ["xterm"] and attached.session is None
    attached.close()
    panel = ["xdotool", "search", "--class", "xfce4-panel"]
    # A window that an earlier test's app closes during the search aborts it with an X error:
    # ask again rather than read that as a missing panel.
    for _ in range(20):
        shown = subprocess.run(
            panel, env=desktop.display.child_env(), capture_output=True, text=True
        )
        if shown.stdout.strip() or "X Error" not in shown.stderr:
            break
        time.sleep(0.1)
    assert shown.stdout.strip(), shown.stderr  # the desktop it attached to still has its panel


def test_the_sessions_temporary_files_go_with_the_display():
    """A browser or office suite killed with its display leaves its temporary folders behind:
    they are in the display's own TMPDIR, removed with it, never in the caller's /tmp."""
    with VirtualDisplay(desktop="none") as display:
        display.start()
        made = display.runner().run(["mktemp", "-d"], "/", 10, check=True).stdout.strip()
        assert Path(made).is_dir() and Path(made).parent != Path(tempfile.gettempdir())
    assert not Path(made).exists()


def test_task_commands_run_as_the_session_runs_them_and_as_the_caller_when_attached(desktop):
    runner = desktop.display.runner()
    seen = runner.run(["sh", "-c", "id -u; echo $HOME"], "/", 10, check=True).stdout.split()
    app = desktop.launch(["sh", "-c", f"(id -u; echo $HOME) > {runner.env['TMPDIR']}/app"])
    app.wait(10)
    assert seen == (Path(runner.env["TMPDIR"]) / "app").read_text().split()
    attached = VirtualDisplay.attach(desktop.display.name).runner()
    assert attached.user is None and attached.command(["id"]) == ["id"]
    assert attached.env["HOME"] == os.environ["HOME"]
