"""Screenshots as the model sees them: resized to a pixel budget on the family's grid, encoded.

The size the model sees is explicit everywhere it matters, because a silent resize is the
first cause of clicks that drift (see `agent.grid`).
"""

from __future__ import annotations

import base64
import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

from PIL import Image

ImageFormat = Literal["png", "jpeg"]


def _round_by(value: float, factor: int) -> int:
    return round(value / factor) * factor


def _floor_by(value: float, factor: int) -> int:
    return math.floor(value / factor) * factor


def _ceil_by(value: float, factor: int) -> int:
    return math.ceil(value / factor) * factor


def smart_resize(
    height: int, width: int, factor: int, min_pixels: int, max_pixels: int
) -> tuple[int, int]:
    """(height, width) the Qwen processors resize an image to: multiples of `factor`, area
    between `min_pixels` and `max_pixels`, aspect ratio kept (the models' own algorithm)."""
    if max(height, width) / min(height, width) > 200:
        raise ValueError(f"aspect ratio of {width}x{height} is over 200, which Qwen rejects")
    h_bar = max(factor, _round_by(height, factor))
    w_bar = max(factor, _round_by(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, _floor_by(height / beta, factor))
        w_bar = max(factor, _floor_by(width / beta, factor))
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = _ceil_by(height * beta, factor)
        w_bar = _ceil_by(width * beta, factor)
    return h_bar, w_bar


@dataclass(frozen=True)
class EncodedImage:
    """An image ready for a chat message, with the size the model sees it at."""

    data: bytes
    format: ImageFormat
    size: tuple[int, int]

    @cached_property
    def data_url(self) -> str:
        return f"data:image/{self.format};base64,{base64.b64encode(self.data).decode()}"

    def content_part(self) -> dict[str, object]:
        return {"type": "image_url", "image_url": {"url": self.data_url}}


_BANDS = 2


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_BANDS, thread_name_prefix="resize")


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Box-filter `image` to `size`, in horizontal bands on two threads (Pillow releases the
    GIL while resampling); the bands meet exactly, so the result equals one whole resize."""
    width, height = size
    source_width, source_height = image.size
    bounds = [round(height * i / _BANDS) for i in range(_BANDS + 1)]
    scale = source_height / height

    def band(i: int) -> Image.Image:
        top, bottom = bounds[i], bounds[i + 1]
        box = (0, top * scale, source_width, bottom * scale)
        return image.resize((width, bottom - top), Image.Resampling.BOX, box=box)

    out = Image.new(image.mode, size)
    for i, part in enumerate(_pool().map(band, range(_BANDS))):
        out.paste(part, (0, bounds[i]))
    return out


def encode(image: Image.Image, size: tuple[int, int], fmt: ImageFormat = "jpeg") -> EncodedImage:
    """Resize `image` to `size` (width, height) and encode it; fast settings, no metadata.

    Box filtering averages the source pixels under each target pixel (what downscaling text
    needs) at two thirds of bilinear's cost. JPEG at quality 90 without chroma subsampling
    keeps small text crisp, is about as small as PNG on screen content and four times faster.
    """
    if image.size != size:
        image = resize(image, size)
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", compress_level=1)
    else:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        rgb.save(buffer, "JPEG", quality=90, subsampling=0)
    return EncodedImage(buffer.getvalue(), fmt, image.size)


def decode(encoded: EncodedImage) -> Image.Image:
    return Image.open(io.BytesIO(encoded.data))
