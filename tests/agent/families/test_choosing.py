"""The new families are chosen by their makers' model ids, with the makers' settings."""

import pytest

from agent.families import choose, get
from tests.agent.families.helpers import family


@pytest.mark.parametrize(
    ("model_id", "name", "preset"),
    [
        ("ByteDance-Seed/UI-TARS-1.5-7B", "ui-tars", "ui-tars-1.5-7b"),
        ("xlangai/OpenCUA-7B", "opencua", "opencua-7b"),
        ("xlangai/OpenCUA-32B", "opencua", "opencua-32b"),
        ("mPLUG/GUI-Owl-1.5-8B-Instruct", "gui-owl", "gui-owl-1.5-instruct"),
        ("mPLUG/GUI-Owl-1.5-32B-Think", "gui-owl", "gui-owl-1.5-thinking"),
        ("Qwen/Qwen3-VL-8B-Instruct", "qwen", "qwen3-vl-8b-instruct"),
    ],
)
def test_a_model_id_picks_its_family_and_preset(model_id, name, preset):
    choice = choose(model_id)
    assert (choice.family.name, choice.preset.name, choice.exact) == (name, preset, True)


def test_the_makers_image_sizes_and_sampling():
    tars = family("ui-tars", "ByteDance-Seed/UI-TARS-1.5-7B")
    assert tars.grid((1920, 1080)).image == (1932, 1092) and tars.grid((1, 1)).kind == "absolute"
    assert tars.request_fields().fields == {"max_tokens": 400, "temperature": 0.0}
    cua = family("opencua", "xlangai/OpenCUA-32B")
    assert cua.request_fields().fields == {"max_tokens": 1500, "temperature": 0.0, "top_p": 0.9}
    owl = family("gui-owl", "mPLUG/GUI-Owl-1.5-8B-Instruct")
    assert owl.grid((1920, 1080)).kind == "relative" and owl.max_images() == 5
    assert (get("guiowl").name, get("uitars").name) == ("gui-owl", "ui-tars")  # aliases
