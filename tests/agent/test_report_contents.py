"""`agent view` shows everything a run did: MCP tool calls with their arguments, results and
images, steps a person took, where the run was resumed, and click marks that leave the clicked
label readable. The record is written by the real recorder and opened in real Chromium."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from selenium.webdriver.common.by import By

from agent import actions as A
from agent.imaging import EncodedImage
from agent.records import CallRecord, RunResult, StepRecord
from agent.report import render_report
from agent.trajectory import Recorder
from agent.turn import ModelTurn, ToolCall, Usage
from environments.base import Observation

SCREEN = (1280, 800)
CLICK = (400, 300)


def _png(image: Image.Image) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return EncodedImage(buffer.getvalue(), "png", image.size)


def _screen() -> Image.Image:
    """A white screen with a black label centred on the click point."""
    image = Image.new("RGB", SCREEN, "white")
    x, y = CLICK
    ImageDraw.Draw(image).rectangle((x - 4, y - 4, x + 4, y + 4), fill="black")
    return image


def _step(index: int, calls: tuple[CallRecord, ...], **turn: object) -> StepRecord:
    screen = _screen()
    return StepRecord(
        index=index,
        started_at=1_000.0 + index,
        observation=Observation(screen),
        image=_png(screen),
        request={"model": "m"},
        turn=ModelTurn(tool_calls=tuple(c.call for c in calls), usage=Usage(10, 2), **turn),  # type: ignore[arg-type]
        calls=calls,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    recorder = Recorder(out)
    recorder.on_start("summarize the CSVs", {"model": "m", "screen": list(SCREEN)})
    click = ToolCall("c1", "computer_use", {"action": "left_click", "coordinate": [312, 375]})
    recorder.on_step(_step(1, (CallRecord(click, A.Click(*CLICK), "done"),)))
    write = ToolCall("c2", "files__write_file", {"path": "summary.md", "content": "# Totals"})
    swatch = ToolCall("c3", "notes__swatch", {"red": 0})
    green = _png(Image.new("RGB", (40, 40), (0, 200, 0)))
    tool_calls = (
        CallRecord(write, None, "wrote summary.md (8 bytes)"),
        CallRecord(swatch, None, "a swatch\n(1 image(s) follow)", images=(green,)),
    )
    recorder.on_step(_step(2, tool_calls))
    human = StepRecord(
        3, 1_003.0, None, None, {"human": True, "reason": "a login"},
        ModelTurn(content="(a person acted: a login)"), timings={"human": 42.0},
    )  # fmt: skip
    recorder.on_step(human)
    recorder.on_end(RunResult("interrupted", "stopped by the user (Ctrl-C)", steps=3))
    resumed = Recorder.resume(recorder.dir)
    resumed._started = 1_003.5  # the resume happened between step 3 and step 4
    resumed.on_start("summarize the CSVs", {})
    answer = ToolCall("c4", "computer_use", {"action": "answer", "text": "3 files"})
    resumed.on_step(_step(4, (CallRecord(answer, A.Answer("3 files"), "answer recorded"),)))
    resumed.on_end(RunResult("success", "the model answered", answer="3 files", steps=4))
    return recorder.dir


def test_tool_calls_human_steps_and_resume_points_are_shown(run_dir):
    html = render_report(run_dir).read_text()
    assert "click at (400, 300)" in html  # the action in words, not as JSON
    assert "&quot;kind&quot;" not in html
    assert "tool <b>files__write_file</b>" in html
    assert "<td>path</td><td>summary.md</td>" in html
    assert "<td>content</td><td># Totals</td>" in html
    assert "wrote summary.md (8 bytes)" in html
    assert html.count("class='tool-image'") == 1
    assert "Step 3: a person acted" in html and "a login" in html
    resumed = html.index("Resumed here")
    assert html.index("id='step-3'") < resumed < html.index("id='step-4'")
    assert "answer &#x27;3 files&#x27;" in html


def test_the_tool_image_and_the_clicked_label_are_visible(browser, run_dir):
    browser.get(render_report(run_dir).as_uri())
    image = browser.find_element(By.CSS_SELECTOR, "#step-1 .frame img")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
    box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", image)
    mark = browser.find_element(By.CSS_SELECTOR, "#step-1 g.marker[data-kind=click]")
    radius = int(mark.get_attribute("data-r"))
    scale = box["width"] / SCREEN[0]
    shot = run_dir / "page.png"
    browser.save_screenshot(str(shot))
    page = Image.open(shot).convert("RGB")
    centre = (round(box["x"] + CLICK[0] * scale), round(box["y"] + CLICK[1] * scale))
    assert max(page.getpixel(centre)) < 60  # the black label under the mark is not covered
    ring = (round(box["x"] + (CLICK[0] + radius) * scale), centre[1])
    red, green, blue = page.getpixel(ring)
    assert red > 200 and blue > 200 and green < 90, (red, green, blue)
    tool_image = browser.find_element(By.CSS_SELECTOR, "#step-2 img.tool-image")
    assert browser.execute_script("return arguments[0].naturalWidth", tool_image) == 40
