"""The environment as the loop sees it: observations in screen pixels, validated actions,
windows, and one desktop per process."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from agent import actions as A
from agent.errors import EnvironmentFailure
from environments.desktop.input import bind_pyautogui
from tests.environments.desktop.helpers import pointer, ready

pytestmark = pytest.mark.timeout(60)


def red_area(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the pure red pixels."""
    red, green, blue = image.split()
    mask = ImageChops.multiply(
        red.point(lambda v: 255 if v == 255 else 0),
        ImageChops.lighter(green, blue).point(lambda v: 255 if v == 0 else 0),
    )
    return mask.getbbox()


def test_a_window_is_at_its_screen_pixels_in_the_screenshot(desktop, apps):
    apps(["xterm", "-title", "red-box", "-bg", "red", "-fg", "red", "-cr", "red",
          "-geometry", "30x8+210+130", "-e", "sleep", "60"])  # fmt: skip
    window = ready(desktop, "red-box")
    image = desktop.observe().image
    assert image.mode == "RGB" and image.size == desktop.screen_size == (1280, 800)
    box = (window.x, window.y, window.x + window.width, window.y + window.height)
    assert red_area(image) == box
    assert image == desktop.screenshot()  # a still screen reads the same twice


def test_observation_reports_pointer_and_focused_window(desktop, apps):
    apps(["xterm", "-title", "focus-me", "-e", "sleep", "60"])
    window = ready(desktop, "focus-me")
    desktop.execute(A.Click(*window.center))
    observation = desktop.observe()
    assert observation.pointer == window.center
    assert observation.focused == "focus-me"
    assert observation.size == (1280, 800)
    pixel = observation.image.getpixel(window.center)
    assert pixel == (255, 255, 255)  # xterm's white background, at screen pixels
    listed = [w for w in desktop.windows() if w.title == "focus-me"]
    assert len(listed) == 1 and listed[0].focused and listed[0].app == "XTerm"


def test_waiting_for_a_missing_window_names_the_open_ones(desktop, apps):
    apps(["xterm", "-title", "present-window", "-e", "sleep", "60"])
    ready(desktop, "present-window")
    with pytest.raises(TimeoutError, match=r"'no-such-window'.*present-window"):
        desktop.wait_for_window("no-such-window", timeout=0.3)


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (A.Click(1280, 5), "off the 1280x800 screen"),
        (A.Click(5, 5, count=4), "single, double or triple"),
        (A.Drag(5, 5, 5, -1), "off the 1280x800 screen"),
        (A.Scroll(5, 5), "non-zero amount"),
        (A.Key(("nosuchkey",)), "unknown key"),
        (A.Key(("ctrl", "nosuchkey")), "unknown key"),
        (A.Type(""), "non-empty text"),
        (A.Wait(-2), "wait takes 0 to 60"),
        (A.LongPress(5, 5, seconds=0), "long press lasts"),
        (A.SystemButton("back"), "a desktop has no system buttons"),
        (A.OpenApp("Settings"), "cannot open apps by name"),
        (A.Key(("power",)), "a desktop keyboard has no power key"),
    ],
)
def test_invalid_actions_touch_nothing(desktop, action, error):
    desktop.execute(A.Move(321, 123))
    before = desktop.screenshot().tobytes()
    result = desktop.execute(action)
    assert error in (result.error or "")
    assert pointer(desktop) == (321, 123)
    assert desktop.screenshot().tobytes() == before


@pytest.mark.parametrize("action", [A.Answer("done"), A.Terminate("success"), A.Wait(0.05)])
def test_answer_terminate_and_wait_leave_the_screen_alone(desktop, action):
    desktop.execute(A.Move(222, 111))
    before = desktop.screenshot().tobytes()
    assert desktop.execute(action).ok
    assert pointer(desktop) == (222, 111)
    assert desktop.screenshot().tobytes() == before


def test_a_second_display_in_the_same_process_is_refused(desktop):
    assert bind_pyautogui(desktop.display.env)  # the same display again is fine
    refusal = rf"one desktop per process: pyautogui is bound to {desktop.display.name}"
    with pytest.raises(EnvironmentFailure, match=refusal):
        bind_pyautogui({"DISPLAY": ":4242"})
