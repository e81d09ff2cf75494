"""Finding a reference solution's target on the screen the model saw, by its text.

The screenshot is the last image of the model request (exactly what the model was shown, at the
size it was shown); RapidOCR reads its text (the `rapidocr-onnxruntime` wheel ships its ONNX
models, so this runs offline). A target is a piece of text: the first box whose text contains it
(spaces and case ignored, an exact match preferred), optionally within a region of the screen.
A target that is not there raises `TargetNotFound` naming what was looked for and what was read.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import Image

from agent.errors import AgentError

_DATA_URL = re.compile(r"^data:image/[a-z]+;base64,")
MIN_SCORE = 0.5


class TargetNotFound(AgentError):
    """The text a reference solution clicks is not on the screen; says what the screen showed."""


@dataclass(frozen=True)
class TextBox:
    """A line of text read from an image: its text and bounding box in image pixels."""

    text: str
    left: int
    top: int
    right: int
    bottom: int
    score: float

    def point(self, start: int = 0, length: int | None = None) -> tuple[float, float]:
        """The centre of the box, or of characters start..start+length of its squeezed text
        (the x position interpolated along the line)."""
        squeezed = _squeeze(self.text)
        length = len(squeezed) - start if length is None else length
        share = (start + length / 2) / max(len(squeezed), 1)
        return self.left + share * (self.right - self.left), (self.top + self.bottom) / 2


@cache
def _engine() -> Any:
    # ONNX Runtime's own telemetry would write a device id into the caller's ~/.cache and send
    # events out; it reads this switch when it loads, so it is set before the first import.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise AgentError(
            "finding targets by their text needs RapidOCR: pip install 'qwen-operator[ocr]' "
            "(./scripts/setup.sh installs it)"
        ) from exc
    return RapidOCR()


def read_text(image: Image.Image) -> list[TextBox]:
    """Every line of text in the image, top to bottom, then left to right."""
    import numpy as np

    found, _ = _engine()(np.asarray(image.convert("RGB")))
    boxes = []
    for corners, text, score in found or []:
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        if float(score) >= MIN_SCORE and text.strip():
            left, top, right, bottom = (
                round(min(xs)),
                round(min(ys)),
                round(max(xs)),
                round(max(ys)),
            )
            boxes.append(TextBox(text.strip(), left, top, right, bottom, float(score)))
    return sorted(boxes, key=lambda b: (round(b.top / 8), b.left))


def last_image(request: dict[str, Any]) -> Image.Image:
    """The last screenshot in an OpenAI chat request (the screen the model is looking at)."""
    for message in reversed(request.get("messages", [])):
        content = message.get("content")
        for part in reversed(content if isinstance(content, list) else []):
            url = (part.get("image_url") or {}).get("url", "") if isinstance(part, dict) else ""
            if _DATA_URL.match(url):
                raw = base64.b64decode(_DATA_URL.sub("", url))
                return Image.open(io.BytesIO(raw)).convert("RGB")
    raise TargetNotFound("the model request holds no screenshot to look for the target in")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


@dataclass(frozen=True)
class TextTarget:
    """What to look for: `text`, optionally within `within` (left, top, right, bottom in screen
    pixels), the `nth` match (0: the first, top to bottom, exact matches first)."""

    text: str
    within: tuple[int, int, int, int] | None = None
    nth: int = 0

    def describe(self) -> str:
        where = f" within {list(self.within)}" if self.within else ""
        return f"{self.text!r}{where}" + (f" (match {self.nth + 1})" if self.nth else "")


def find(
    boxes: Sequence[TextBox], target: TextTarget, scale: tuple[float, float] = (1.0, 1.0)
) -> tuple[int, int]:
    """The screen point of `target` among `boxes` read from an image `scale` times smaller than
    the screen; TargetNotFound lists what was read."""
    wanted = _squeeze(target.text)
    exact: list[tuple[int, int]] = []
    partial: list[tuple[int, int]] = []
    for box in boxes:
        squeezed = _squeeze(box.text)
        at = squeezed.find(wanted)
        if not wanted or at < 0:
            continue
        x, y = box.point(at, len(wanted))
        point = (round(x * scale[0]), round(y * scale[1]))
        if target.within and not _inside(point, target.within):
            continue
        (exact if squeezed == wanted else partial).append(point)
    matches = exact + partial
    if target.nth < len(matches):
        return matches[target.nth]
    seen = "; ".join(
        f"{b.text!r} at ({round(b.left * scale[0])}, {round(b.top * scale[1])})" for b in boxes
    )
    raise TargetNotFound(
        f"looked for {target.describe()} on the screen and did not find it; the screen showed: "
        f"{seen or 'no text at all'}"
    )


def _inside(point: tuple[int, int], region: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = region
    return left <= point[0] <= right and top <= point[1] <= bottom


def locate(request: dict[str, Any], screen: tuple[int, int], target: TextTarget) -> tuple[int, int]:
    """The screen pixel of `target` on the screenshot of a model request."""
    image = last_image(request)
    scale = (screen[0] / image.width, screen[1] / image.height)
    return find(read_text(image), target, scale)
