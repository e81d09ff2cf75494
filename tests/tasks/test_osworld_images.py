"""OSWorld's image metrics on pictures drawn here with Pillow: each has an edit that passes
(darker, more saturated, more contrast, mirrored, resized, palette, green background, a
centred triangle, a small file) and one that fails (the opposite change, or another picture),
and unreadable or mismatched files score 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from tasks.osworld import images as im
from tasks.osworld.metrics import METRICS


@pytest.fixture
def photo(tmp_path: Path) -> Image.Image:
    """A 96x64 picture with shapes, a gradient and colour: structure SSIM can see."""
    x = np.linspace(0, 1, 96)[None, :, None]
    y = np.linspace(0, 1, 64)[:, None, None]
    pixels = np.concatenate([60 + 120 * x + 0 * y, 50 + 100 * y + 0 * x, 140 - 60 * x * y], 2)
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 40, 30), fill=(200, 40, 40))
    draw.ellipse((50, 20, 85, 55), fill=(30, 160, 60))
    draw.line((0, 63, 95, 0), fill=(250, 250, 250), width=3)
    return image


def save(image: Image.Image, path: Path) -> str:
    image.save(path)
    return str(path)


def other_picture() -> Image.Image:
    noise = np.random.default_rng(7).integers(0, 255, (64, 96, 3), dtype=np.uint8)
    return Image.fromarray(noise, "RGB")


def test_structure_similarity_and_its_resized_form(tmp_path, photo):
    original = save(photo, tmp_path / "original.png")
    assert im.check_structure_sim(save(photo, tmp_path / "copy.png"), original) == 1.0
    assert im.check_structure_sim(save(other_picture(), tmp_path / "noise.png"), original) == 0.0
    small = save(photo.resize((48, 32)), tmp_path / "small.png")
    assert im.check_structure_sim(small, original) == 0.0  # another shape: not similar
    assert im.check_structure_sim_resized(small, original) == 1.0
    assert im.check_structure_sim(None, original) == 0.0
    (tmp_path / "broken.png").write_text("no image")
    assert im.check_structure_sim(str(tmp_path / "broken.png"), original) == 0.0
    for metric in im.METRICS:
        assert METRICS[metric.__name__] is metric


def test_brightness_saturation_and_contrast_must_move_the_right_way(tmp_path, photo):
    original = save(photo, tmp_path / "original.png")
    darker = save(ImageEnhance.Brightness(photo).enhance(0.7), tmp_path / "darker.png")
    lighter = save(ImageEnhance.Brightness(photo).enhance(1.2), tmp_path / "lighter.png")
    assert im.check_brightness_decrease_and_structure_sim(darker, original) == 1.0
    assert im.check_brightness_decrease_and_structure_sim(lighter, original) == 0.0
    noise_dark = save(ImageEnhance.Brightness(other_picture()).enhance(0.3), tmp_path / "nd.png")
    assert im.check_brightness_decrease_and_structure_sim(noise_dark, original) == 0.0

    vivid = save(ImageEnhance.Color(photo).enhance(1.6), tmp_path / "vivid.png")
    dull = save(ImageEnhance.Color(photo).enhance(0.5), tmp_path / "dull.png")
    assert im.check_saturation_increase_and_structure_sim(vivid, original) == 1.0
    assert im.check_saturation_increase_and_structure_sim(dull, original) == 0.0

    sharp = save(ImageEnhance.Contrast(photo).enhance(1.5), tmp_path / "sharp.png")
    flat = save(ImageEnhance.Contrast(photo).enhance(0.6), tmp_path / "flat.png")
    assert im.check_contrast_increase_and_structure_sim(sharp, original) == 1.0
    assert im.check_contrast_increase_and_structure_sim(flat, original) == 0.0


def test_mirror_palette_and_file_exists(tmp_path, photo):
    original = save(photo, tmp_path / "original.png")
    mirrored = save(ImageOps.mirror(photo), tmp_path / "mirrored.png")
    flipped = save(ImageOps.flip(photo), tmp_path / "flipped.png")
    assert im.check_image_mirror(mirrored, original) == 1.0
    assert im.check_image_mirror(flipped, original) == 0.0
    assert im.check_image_mirror(original, original) == 0.0
    palette = save(photo.quantize(256), tmp_path / "palette.png")
    assert im.check_palette_and_structure_sim(palette, original) == 1.0
    assert im.check_palette_and_structure_sim(original, original) == 0.0  # RGB, no palette
    assert im.check_file_exists_and_structure_sim(original, original) == 1.0
    assert im.check_file_exists_and_structure_sim(str(tmp_path / "gone.png"), original) == 0.0


def test_green_background_size_file_size_and_triangle(tmp_path):
    mask = Image.new("RGB", (40, 30), (255, 255, 255))
    ImageDraw.Draw(mask).rectangle((10, 10, 20, 20), fill=(0, 0, 0))  # the subject: black
    green = Image.new("RGB", (40, 30), (20, 200, 30))
    ImageDraw.Draw(green).rectangle((10, 10, 20, 20), fill=(200, 10, 10))
    expected = save(mask, tmp_path / "mask.png")
    assert im.check_green_background(save(green, tmp_path / "green.png"), expected) == 1.0
    grey = Image.new("RGB", (40, 30), (120, 120, 120))
    assert im.check_green_background(save(grey, tmp_path / "grey.png"), expected) == 0.0

    picture = save(green, tmp_path / "size.png")
    assert im.check_image_size(picture, {"width": 40, "height": 30}) == 1.0
    assert im.check_image_size(picture, {"height": 30}) == 1.0
    assert im.check_image_size(picture, {"height": 512}) == 0.0
    assert im.check_image_file_size(picture, {"max_size": 600000}) == 1.0
    assert im.check_image_file_size(picture, {"max_size": 10}) == 0.0
    assert im.check_image_file_size(None, {"max_size": 10}) == 0.0

    canvas = Image.new("RGB", (100, 80), (255, 255, 255))
    ImageDraw.Draw(canvas).polygon([(40, 30), (60, 30), (50, 50)], fill=(250, 220, 0))
    assert im.check_triangle_position(save(canvas, tmp_path / "middle.png")) == 1.0
    corner = Image.new("RGB", (100, 80), (255, 255, 255))
    ImageDraw.Draw(corner).polygon([(0, 0), (20, 0), (10, 20)], fill=(250, 220, 0))
    assert im.check_triangle_position(save(corner, tmp_path / "corner.png")) == 0.0


def test_compare_images_is_a_score_and_image_lists_must_be_identical(tmp_path, photo):
    original = save(photo, tmp_path / "original.png")
    assert im.compare_images(save(photo, tmp_path / "same.png"), original) == pytest.approx(1.0)
    bigger = save(photo.resize((192, 128)), tmp_path / "bigger.png")
    assert 0.8 < im.compare_images(bigger, original) < 1.0  # scaled to the smaller first
    assert im.compare_images(save(other_picture(), tmp_path / "n.png"), original) < 0.3
    one_pixel = photo.copy()
    one_pixel.putpixel((0, 0), (0, 0, 0))
    changed = save(one_pixel, tmp_path / "changed.png")
    same = str(tmp_path / "same.png")
    assert im.compare_image_list([same, original], [original, same]) == 1.0
    assert im.compare_image_list([same, changed], [original, original]) == 0.0
    assert im.compare_image_list(same, original) == 1.0
    assert im.compare_image_list([None], [original]) == 0.0
    assert im.compare_image_list([bigger], [original]) == 0.0
