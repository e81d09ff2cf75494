"""Real mouse and keyboard events on real apps, checked through the apps' own state."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from agent import actions as A


def pointer(desktop) -> tuple[int, int]:
    out = subprocess.run(
        ["xdotool", "getmouselocation", "--shell"],
        env=desktop.display.child_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = dict(line.split("=") for line in out.split())
    return int(values["X"]), int(values["Y"])


def primary(desktop) -> str:
    return subprocess.run(
        ["xclip", "-o", "-selection", "primary"],
        env=desktop.display.child_env(),
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout


class Terminal:
    """An xterm with a known character grid, to click on exact characters."""

    COLUMNS, ROWS = 80, 24

    def __init__(self, desktop, apps, title: str, script: str) -> None:
        apps(["xterm", "-title", title, "-geometry", f"{self.COLUMNS}x{self.ROWS}+40+40",
              "-e", "bash", "-c", script])  # fmt: skip
        self.window = desktop.wait_for_window(title)
        self.cell = (self.window.width - 4) / self.COLUMNS, (self.window.height - 4) / self.ROWS
        time.sleep(0.3)

    def at(self, column: float, row: int) -> tuple[int, int]:
        width, height = self.cell
        return (
            round(self.window.x + 2 + (column + 0.5) * width),
            round(self.window.y + 2 + (row + 0.5) * height),
        )


@pytest.mark.parametrize("action", [A.Move(0, 0), A.Click(1279, 799), A.Click(640, 400, "right")])
def test_the_pointer_is_exactly_where_the_action_says(desktop, action):
    desktop.execute(action)
    assert pointer(desktop) == (action.x, action.y)
    if getattr(action, "button", "") == "right":
        desktop.execute(A.Key(("escape",)))


def test_double_triple_click_and_drag_select_text(desktop, apps):
    term = Terminal(
        desktop, apps, "select", 'printf "alpha beta gamma\\nsecond line here\\n"; sleep 60'
    )
    desktop.execute(A.Click(*term.at(7, 0), count=2))
    assert primary(desktop) == "beta"
    desktop.execute(A.Wait(0.3))  # past xterm's multi-click time, as between model steps
    desktop.execute(A.Click(*term.at(3, 1), count=3))
    assert primary(desktop).strip() == "second line here"
    desktop.execute(A.Wait(0.3))
    start, end = term.at(0, 0), term.at(10.4, 0)
    desktop.execute(A.Drag(*start, *end))
    assert primary(desktop).strip() == "alpha beta"


def test_scroll_moves_the_view(desktop, apps):
    term = Terminal(desktop, apps, "scroll", "seq 1 300; sleep 60")
    desktop.execute(A.Click(*term.at(2, 0), count=3))
    before = int(primary(desktop))
    desktop.execute(A.Scroll(*term.at(10, 5), dy=5))
    desktop.execute(A.Wait(0.3))
    desktop.execute(A.Click(*term.at(2, 0), count=3))
    after = int(primary(desktop))
    assert after < before - 10
    desktop.execute(A.Scroll(*term.at(10, 5), dy=-5))
    desktop.execute(A.Wait(0.3))
    desktop.execute(A.Click(*term.at(2, 0), count=3))
    assert int(primary(desktop)) == before


def editor(desktop, apps, path: Path, content: str = ""):
    path.write_text(content)
    apps(["mousepad", str(path)])
    window = desktop.wait_for_window(path.name)
    time.sleep(0.3)
    desktop.execute(A.Click(*window.center))
    return window


def save(desktop, path: Path, expected: str) -> str:
    desktop.execute(A.Key(("ctrl", "s")))
    deadline = time.monotonic() + 5
    while path.read_text() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text()


def test_typing_ascii_symbols_and_non_ascii_lands_in_the_file(desktop, apps, tmp_path):
    path = tmp_path / "typed.txt"
    editor(desktop, apps, path)
    text = "plain <tags> & @/~|\\ {braces}\nGrüße, 海 — café ñ 日本語"
    result = desktop.execute(A.Type(text))
    assert result.ok and result.settled
    desktop.execute(A.Type("\nend"))
    assert save(desktop, path, text + "\nend") == text + "\nend"


def test_key_chords_select_all_and_replace(desktop, apps, tmp_path):
    path = tmp_path / "chords.txt"
    editor(desktop, apps, path, "old content\nmore old content\n")
    desktop.execute(A.Key(("ctrl", "a")))
    desktop.execute(A.Type("new"))
    desktop.execute(A.Key(("ctrl", "shift", "left")))  # select the word back
    desktop.execute(A.Type("fresh"))
    assert save(desktop, path, "fresh") == "fresh"


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (A.Click(1280, 5), "off the 1280x800 screen"),
        (A.Drag(5, 5, 5, -1), "off the 1280x800 screen"),
        (A.Scroll(5, 5), "non-zero amount"),
        (A.Key(("ctrl", "nosuchkey")), "unknown key"),
        (A.Wait(-2), "wait takes 0 to 60"),
    ],
)
def test_invalid_actions_touch_nothing(desktop, action, error):
    desktop.execute(A.Move(321, 123))
    before = desktop.screenshot().tobytes()
    result = desktop.execute(action)
    assert error in (result.error or "")
    assert pointer(desktop) == (321, 123)
    assert desktop.screenshot().tobytes() == before


def test_observation_reports_pointer_and_focused_window(desktop, apps):
    apps(["xterm", "-title", "focus-me", "-e", "sleep", "60"])
    window = desktop.wait_for_window("focus-me")
    desktop.execute(A.Click(*window.center))
    observation = desktop.observe()
    assert observation.pointer == window.center
    assert observation.focused == "focus-me"
    assert observation.size == (1280, 800)
    pixel = observation.image.getpixel(window.center)
    assert pixel == (255, 255, 255)  # xterm's white background, at screen pixels


def test_settling_waits_for_a_window_to_appear(desktop, apps):
    apps(["xterm", "-title", "late", "-e", "bash", "-c", "sleep 0.4; printf 'ready'; sleep 60"])
    window = desktop.wait_for_window("late")
    result = desktop.execute(A.Click(*window.center))
    assert result.settled
    assert result.settle_seconds < 2.0
