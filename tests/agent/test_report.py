"""`agent view`: the report opened in real headless Chromium shows each action where it happened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from agent.grid import Grid
from agent.report import render_report
from agent.scripted import ScriptedModelServer, VLLMConfig
from tests.agent.test_loop import DONE, run_loop, use

SCREEN = (1280, 800)


@pytest.fixture(scope="module")
def run_dir(desktop, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    grid = Grid("relative", SCREEN, (1, 1))
    at = lambda x, y: list(grid.from_screen(x, y))  # noqa: E731
    script = [
        use(action="left_click", coordinate=at(200, 150)),
        use(action="left_click_drag", coordinate=at(900, 600)),
        use(action="scroll", coordinate=at(640, 400), pixels=-3),
        use(action="type", text="héllo <report>"),
        DONE,
    ]
    # a thinking model, so that each step has reasoning to show
    with ScriptedModelServer(script, VLLMConfig(model_id="Qwen/Qwen3-VL-8B-Thinking")) as server:
        result, path = run_loop(desktop, server, tmp)
    assert result.status == "success"
    return path


def test_markers_are_drawn_where_the_trajectory_says(browser, run_dir):
    report = render_report(run_dir)
    browser.get(report.as_uri())
    shot = Path(run_dir) / "page.png"
    checked = 0
    for marker in browser.find_elements(By.CSS_SELECTOR, "g.marker[data-kind=click]"):
        step = marker.get_attribute("data-step")
        image = browser.find_element(By.CSS_SELECTOR, f"#step-{step} .frame img")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
        box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", image)
        ring = int(marker.get_attribute("data-x")) + int(marker.get_attribute("data-r"))
        x = box["x"] + ring / SCREEN[0] * box["width"]
        y = box["y"] + int(marker.get_attribute("data-y")) / SCREEN[1] * box["height"]
        browser.save_screenshot(str(shot))
        red, green, blue, *_ = Image.open(shot).convert("RGB").getpixel((round(x), round(y)))
        assert red > 200 and blue > 200 and green < 90, (red, green, blue)
        checked += 1
    assert checked == 1
    html = report.read_text()
    assert "data:image/jpeg;base64," in html
    assert "http://" not in html and "https://" not in html  # opens with no network
    assert "type &#x27;héllo &lt;report&gt;&#x27;" in html
    assert "click at (200, 150)" in html
    assert html.count("<details><summary>Reasoning</summary>") == 5
    assert "success</span>: the model ended the task" in html


def test_drag_and_scroll_arrows_point_the_right_way(browser, run_dir):
    browser.get(render_report(run_dir).as_uri())
    drag = browser.find_element(By.CSS_SELECTOR, "line[data-kind=drag]")
    assert (drag.get_attribute("x1"), drag.get_attribute("y1")) == ("200", "150")
    assert (drag.get_attribute("x2"), drag.get_attribute("y2")) == ("900", "600")
    scroll = browser.find_element(By.CSS_SELECTOR, "line[data-kind=scroll]")
    assert float(scroll.get_attribute("y2")) > float(scroll.get_attribute("y1"))  # down


def test_the_view_command_writes_the_report_without_opening_it(run_dir):
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "view", str(run_dir), "--no-open"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == Path(run_dir) / "report.html"
    assert "<svg" in (Path(run_dir) / "report.html").read_text()
