"""Finding a target by its text on a screenshot, with the real OCR engine on rendered text."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from tasks.locate import TargetNotFound, TextTarget, find, last_image, locate, read_text

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _screen(labels: dict[str, tuple[int, int]], size: tuple[int, int] = (640, 400)) -> Image.Image:
    image = Image.new("RGB", size, (40, 90, 140))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 16)
    for text, at in labels.items():
        draw.text(at, text, fill="white", font=font)
    return image


def _request(image: Image.Image) -> dict:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    old = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    return {
        "messages": [
            {"role": "user", "content": [old, {"type": "text", "text": "before"}]},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]},
        ]
    }


def test_a_label_is_found_where_it_was_drawn():
    image = _screen({"Applications": (10, 10), "Text Editor": (300, 200)})
    x, y = find(read_text(image), TextTarget("Text Editor"))
    assert 300 <= x <= 400 and 195 <= y <= 225


def test_a_word_inside_a_longer_line_is_clicked_on_that_word():
    image = _screen({"Untitled 1 - Mousepad": (100, 100)})
    x, _ = find(read_text(image), TextTarget("Mousepad"))
    assert x > 190  # right half of the line, where "Mousepad" is drawn


def test_a_region_picks_among_equal_labels_and_the_request_image_is_scaled_to_the_screen():
    image = _screen({"Terminal": (20, 20), "Terminal ": (400, 300)})
    request = _request(image.resize((320, 200)))
    x, y = locate(request, (640, 400), TextTarget("Terminal", within=(300, 250, 640, 400)))
    assert 400 <= x <= 500 and 290 <= y <= 330


def test_a_renamed_target_fails_with_what_was_looked_for_and_what_was_seen():
    image = _screen({"Applications": (10, 10), "File Manager": (200, 200)})
    with pytest.raises(TargetNotFound) as failure:
        find(read_text(image), TextTarget("Word Processor", within=(0, 0, 640, 400)))
    message = str(failure.value)
    assert "looked for 'Word Processor' within [0, 0, 640, 400]" in message
    assert "'File Manager'" in message and "'Applications'" in message


def test_a_black_screen_shows_no_text_and_says_so():
    black = Image.new("RGB", (640, 400))
    assert read_text(black) == []
    with pytest.raises(TargetNotFound, match="no text at all"):
        find([], TextTarget("Applications"))


def test_the_last_image_of_the_request_is_the_screen_the_model_saw():
    image = _screen({"Now": (10, 10)})
    assert last_image(_request(image)).size == image.size
    with pytest.raises(TargetNotFound, match="no screenshot"):
        last_image({"messages": [{"role": "user", "content": "text only"}]})
