"""smart_resize and the coordinate grids, against the numbers in the Qwen reference."""

import pytest
from PIL import Image

from agent.builder import family_for
from agent.families.qwen.computer_use import grid_for_model
from agent.grid import Grid
from agent.imaging import decode, encode, smart_resize
from agent.settings import Settings

QWEN3 = {"factor": 32, "min_pixels": 65536, "max_pixels": 16_777_216}
QWEN25 = {"factor": 28, "min_pixels": 3136, "max_pixels": 12_845_056}


@pytest.mark.parametrize(
    ("size", "params", "resized", "tokens"),
    [
        ((1920, 1080), QWEN3, (1920, 1088), 2040),
        ((1920, 1080), QWEN25, (1932, 1092), 2691),
        ((1280, 800), QWEN3, (1280, 800), 1000),
    ],
)
def test_smart_resize_matches_the_reference_token_counts(size, params, resized, tokens):
    height, width = smart_resize(size[1], size[0], **params)
    assert (width, height) == resized
    factor = params["factor"]
    assert width * height // (factor * factor) == tokens


def test_smart_resize_scales_down_to_the_budget_on_the_factor():
    height, width = smart_resize(1080, 1920, 32, 4096, 1280 * 800)
    assert width % 32 == 0 and height % 32 == 0
    assert width * height <= 1280 * 800
    scale = (1280 * 800 / (1920 * 1080)) ** 0.5
    assert 1920 * scale - 32 < width <= 1920 * scale
    assert 1080 * scale - 32 < height <= 1080 * scale


def test_aspect_ratio_over_200_is_refused():
    with pytest.raises(ValueError, match="aspect ratio"):
        smart_resize(10, 4000, 28, 3136, 12_845_056)


@pytest.mark.parametrize("screen", [(1280, 800), (1920, 1080), (1366, 768), (3840, 2160)])
def test_relative_grid_maps_0_1000_onto_the_screen(screen):
    grid = Grid("relative", screen, (999, 999))
    width, height = screen
    assert grid.to_screen(0, 0) == (0, 0)
    assert grid.to_screen(500, 500) == (round(width / 2), round(height / 2))
    assert grid.to_screen(1000, 1000) == (width - 1, height - 1)  # clamped onto the screen
    for x in range(0, width, 37):
        back = grid.to_screen(*grid.from_screen(x, 0))[0]
        assert abs(back - x) <= width / 2000 + 0.5


@pytest.mark.parametrize(
    ("screen", "image"), [((1920, 1080), (1932, 1092)), ((1280, 800), (1288, 812))]
)
def test_absolute_grid_maps_resized_image_pixels_back(screen, image):
    grid = Grid("absolute", screen, image)
    assert grid.model_size == image
    center = grid.to_screen(image[0] / 2, image[1] / 2)
    assert center == (screen[0] // 2, screen[1] // 2)
    for x in range(0, screen[0], 13):
        assert grid.to_screen(*grid.from_screen(x, 7))[0] == x


@pytest.mark.parametrize(
    ("model", "grid"),
    [
        ("Qwen/Qwen3.5-397B-A17B", "relative"),
        ("Qwen/Qwen3-VL-8B-Thinking", "relative"),
        ("Qwen/Qwen2.5-VL-7B-Instruct", "absolute"),
        ("qwen2_5_vl", "absolute"),
        ("my-finetune", "relative"),
    ],
)
def test_grid_is_chosen_from_the_model_name(model, grid):
    assert grid_for_model(model) == grid


def test_protocol_sends_the_smart_resized_size_and_tells_the_model_its_grid():
    structured = {"response_format": "tool_call"}  # the format whose tools name the size
    absolute = family_for(
        "Qwen2.5-VL-7B",
        settings=Settings().with_values({"max_pixels": 12_845_056, **structured}),
    )
    assert absolute.image_size((1920, 1080)) == (1932, 1092)
    assert "resolution is 1932x1092" in absolute.tools((1920, 1080))[0]["function"]["description"]
    relative = family_for("Qwen3.5-27B", settings=Settings().with_values(structured))
    assert "resolution is 1000x1000" in relative.tools((1920, 1080))[0]["function"]["description"]


def test_encode_resizes_to_exactly_the_requested_size():
    image = Image.new("RGB", (1920, 1080), (10, 20, 30))
    for fmt in ("png", "jpeg"):
        encoded = encode(image, (1312, 736), fmt)
        assert decode(encoded).size == (1312, 736) == encoded.size
        assert encoded.data_url.startswith(f"data:image/{fmt};base64,")


def test_banded_resize_equals_one_whole_resize():
    from PIL import ImageChops, ImageDraw

    from agent.imaging import resize

    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    for n in range(0, 1080, 7):
        draw.line([(0, n), (1920, 1080 - n)], fill=(n % 255, 40, 200), width=2)
        draw.text((n, n), "text", fill="black")
    whole = image.resize((1312, 736), Image.Resampling.BOX)
    assert ImageChops.difference(resize(image, (1312, 736)), whole).getbbox() is None


def test_the_grid_flag_overrides_the_model_name():
    forced = family_for("Qwen/Qwen3.5-27B", settings=Settings().with_values({"grid": "absolute"}))
    assert forced.grid((1280, 800)).model_size == forced.image_size((1280, 800))
    relative = family_for(
        "Qwen2.5-VL-7B-Instruct", settings=Settings().with_values({"grid": "relative"})
    )
    assert relative.grid((1280, 800)).model_size == (1000, 1000)
