"""OSWorld's image metrics (GIMP and the image steps of multi-app tasks), on Pillow and
scikit-image's structural similarity, with OSWorld's thresholds.

Structure is compared as OSWorld compares it: SSIM over the images' arrays with the last axis
as channels (so a grey image's columns count as channels, as they do in OSWorld), passing at
0.9 unless said otherwise; images of different shapes are not similar (OSWorld fails on them).
- check_structure_sim(result, expected): similar structure. _resized: the result scaled to the
  expected's size first.
- check_brightness_decrease_and_structure_sim: the result is darker than the original (mean
  grey level) and, both scaled to a mean of 128, their mean squared error (on 0..1) is < 0.03.
- check_saturation_increase_and_structure_sim: more mean saturation (HSV) and hue and value
  channels similar.
- check_contrast_increase_and_structure_sim: more contrast (standard deviation of the pixel
  values) and similar at 0.65.
- check_file_exists_and_structure_sim, check_palette_and_structure_sim (the result is a
  palette image and similar as RGB), check_image_mirror (the flipped result similar to the
  expected at 0.99), check_green_background (wherever the expected is not black, the result is
  more green than red and blue).
- check_image_size(result, rule): the width and height the rule names; check_image_file_size:
  fewer bytes than rule["max_size"]; check_triangle_position: the second most common colour's
  pixels centred within 5% of the image's middle.
- compare_images: the SSIM of the two images in grey, both scaled to the smaller size (a
  score, not a pass); compare_image_list: every pair pixel-identical.
A missing or unreadable image scores 0.
"""

from __future__ import annotations

import os
from typing import Any

_ERRORS = (OSError, ValueError, SyntaxError)  # what Pillow raises on a file that is no image


def _open(path: Any) -> Any:
    from PIL import Image

    if not path or not isinstance(path, str):
        return None
    try:
        image = Image.open(path)
        image.load()
    except _ERRORS:
        return None
    return image


def _ssim(first: Any, second: Any) -> float | None:
    import numpy as np
    from skimage.metrics import structural_similarity

    a, b = np.asarray(first), np.asarray(second)
    if a.shape != b.shape:
        return None
    try:
        return float(structural_similarity(a, b, channel_axis=-1, data_range=_range(a)))
    except ValueError:  # smaller than the 7-pixel window
        return None


def _range(array: Any) -> float:
    import numpy as np

    return 255.0 if array.dtype == np.uint8 else float(array.max() - array.min()) or 1.0


def _similar(first: Any, second: Any, threshold: float = 0.9) -> bool:
    value = _ssim(first, second)
    return value is not None and value >= threshold


def _pair(result: Any, expected: Any) -> tuple[Any, Any] | None:
    first, second = _open(result), _open(expected)
    return None if first is None or second is None else (first, second)


def check_structure_sim(result: Any, expected: Any) -> float:
    images = _pair(result, expected)
    return float(images is not None and _similar(*images))


def check_structure_sim_resized(result: Any, expected: Any) -> float:
    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = images
    return float(_similar(first.resize(second.size), second))


def _brightness(image: Any) -> float:
    from PIL import ImageStat

    return float(ImageStat.Stat(image.convert("L")).mean[0])


def _at_brightness(image: Any, target: float) -> Any:
    factor = target / (_brightness(image) or 1.0)
    return image.point(lambda x: min(255, max(0, int(x * factor))))


def check_brightness_decrease_and_structure_sim(result: Any, expected: Any) -> float:
    import numpy as np

    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = images
    darker = _brightness(second) > _brightness(first)
    a = np.asarray(_at_brightness(first, 128), dtype=np.float32) / 255
    b = np.asarray(_at_brightness(second, 128), dtype=np.float32) / 255
    return float(darker and a.shape == b.shape and float(np.mean((a - b) ** 2)) < 0.03)


def check_saturation_increase_and_structure_sim(result: Any, expected: Any) -> float:
    import numpy as np

    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = (image.convert("HSV") for image in images)
    (h1, s1, v1), (h2, s2, v2) = first.split(), second.split()
    more = float(np.mean(np.asarray(s2))) < float(np.mean(np.asarray(s1)))
    return float(more and _similar(h1, h2) and _similar(v1, v2))


def check_contrast_increase_and_structure_sim(result: Any, expected: Any) -> float:
    import numpy as np

    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = images
    contrast = [float(np.std(np.asarray(image, dtype=np.float32))) for image in images]
    return float(contrast[1] < contrast[0] and _similar(first, second, 0.65))


def check_file_exists_and_structure_sim(result: Any, expected: Any) -> float:
    return check_structure_sim(result, expected)


def check_palette_and_structure_sim(result: Any, expected: Any) -> float:
    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = images
    return float(first.mode == "P" and _similar(first.convert("RGB"), second))


def check_image_mirror(result: Any, expected: Any) -> float:
    from PIL import Image

    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = images
    return float(_similar(first.transpose(Image.Transpose.FLIP_LEFT_RIGHT), second, 0.99))


def check_green_background(result: Any, expected: Any) -> float:
    import numpy as np

    images = _pair(result, expected)
    if images is None:
        return 0.0
    got = np.asarray(images[0].convert("RGB"), dtype=np.int32)
    want = np.asarray(images[1].convert("RGB"))
    if got.shape != want.shape:
        return 0.0
    background = np.any(want != 0, axis=2)
    r, g, b = got[..., 0], got[..., 1], got[..., 2]
    green = (g > r) & (g > b)
    return float(bool(np.all(green[background])))


def check_image_size(result: Any, rule: dict[str, Any]) -> float:
    image = _open(result)
    if image is None:
        return 0.0
    width, height = image.size
    wide = rule.get("width") is None or width == rule["width"]
    return float(wide and (rule.get("height") is None or height == rule["height"]))


def check_image_file_size(result: Any, rule: dict[str, Any]) -> float:
    if not result or not os.path.isfile(result):
        return 0.0
    return float(os.path.getsize(result) < rule["max_size"])


def check_triangle_position(result: Any) -> float:
    import numpy as np

    image = _open(result)
    if image is None:
        return 0.0
    pixels = np.asarray(image.convert("RGB"))
    colours, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    if len(colours) < 2:
        return 0.0
    triangle = colours[np.argsort(counts)[-2]]
    where = np.argwhere(np.all(pixels == triangle, axis=2))
    size = np.array(pixels.shape[:2])
    return float(bool(np.all(np.abs(where.mean(axis=0) - size / 2) < 0.05 * size)))


def compare_images(result: Any, expected: Any) -> float:
    import numpy as np
    from PIL import Image

    images = _pair(result, expected)
    if images is None:
        return 0.0
    first, second = (image.convert("L") for image in images)
    size = min(first.size, second.size)  # as OSWorld: the smaller by width, then height
    scaled = [image.resize(size, Image.Resampling.LANCZOS) for image in (first, second)]
    from skimage.metrics import structural_similarity

    try:
        value = structural_similarity(np.asarray(scaled[0]), np.asarray(scaled[1]))
    except ValueError:
        return 0.0
    return max(0.0, float(value))


def compare_image_list(result: Any, expected: Any) -> float:
    from PIL import ImageChops

    got = result if isinstance(result, list) else [result]
    want = expected if isinstance(expected, list) else [expected]
    for first, second in zip(got, want, strict=False):
        images = _pair(first, second)
        if images is None:
            return 0.0
        try:
            if ImageChops.difference(*images).getbbox():
                return 0.0
        except ValueError:  # different sizes or modes
            return 0.0
    return 1.0


def check_textbox_on_leftside(result: Any) -> float:
    """The leftmost dark pixel (grey below 128) lies within the image's left 5%."""
    import numpy as np

    image = _open(result)
    if image is None:
        return 0.0
    dark = np.asarray(image.convert("L")) < 128
    columns = np.flatnonzero(dark.any(axis=0))
    return float(columns.size > 0 and columns[0] < image.width * 0.05)


METRICS = (
    check_textbox_on_leftside,
    check_structure_sim,
    check_structure_sim_resized,
    check_brightness_decrease_and_structure_sim,
    check_saturation_increase_and_structure_sim,
    check_contrast_increase_and_structure_sim,
    check_file_exists_and_structure_sim,
    check_palette_and_structure_sim,
    check_image_mirror,
    check_green_background,
    check_image_size,
    check_image_file_size,
    check_triangle_position,
    compare_images,
    compare_image_list,
)
