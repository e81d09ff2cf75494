"""Qwen's presets: the makers' image sizes, output lengths, sampling and thinking modes, and
the request fields a run sends for them."""

from __future__ import annotations

import pytest

from agent import actions as A
from agent.builder import family_for, resolve_family
from agent.families.qwen.family import table
from agent.settings import FamilyConfig, Settings
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation

MODELS = {
    "Qwen/Qwen3.5-397B-A17B": "qwen3.5-397b",
    "Qwen/Qwen3.5-122B-A10B": "qwen3.5-122b",
    "Qwen/Qwen3.5-35B-A3B": "qwen3.5-35b",
    "Qwen/Qwen3.5-27B": "qwen3.5-27b",
    "Qwen/Qwen3.5-9B": "qwen3.5-9b",
    "Qwen/Qwen3-VL-2B-Instruct": "qwen3-vl-2b-instruct",
    "Qwen/Qwen3-VL-4B-Thinking": "qwen3-vl-4b-thinking",
    "Qwen/Qwen3-VL-8B-Instruct": "qwen3-vl-8b-instruct",
    "Qwen/Qwen3-VL-32B-Thinking": "qwen3-vl-32b-thinking",
    "Qwen/Qwen3-VL-30B-A3B-Instruct": "qwen3-vl-30b-instruct",
    "Qwen/Qwen3-VL-235B-A22B-Thinking": "qwen3-vl-235b-thinking",
    "Qwen/Qwen2.5-VL-3B-Instruct": "qwen2.5-vl-3b",
    "Qwen/Qwen2.5-VL-7B-Instruct": "qwen2.5-vl-7b",
    "Qwen/Qwen2.5-VL-32B-Instruct": "qwen2.5-vl-32b",
    "Qwen/Qwen2.5-VL-72B-Instruct": "qwen2.5-vl-72b",
}


@pytest.mark.parametrize(("model", "preset"), MODELS.items())
def test_every_served_size_has_its_preset(model, preset):
    assert table().find(model).name == preset


def test_qwen3_vl_sends_1080p_near_native_on_its_32_pixel_grid():
    family = family_for("Qwen/Qwen3-VL-8B-Instruct")
    assert family.image_size((1920, 1080)) == (1920, 1088)
    assert family.preset.max_pixels == 16 * 16 * 4 * 12800


def test_qwen2_5_vl_stays_within_the_size_its_server_resizes_to():
    family = family_for("Qwen/Qwen2.5-VL-7B-Instruct")
    width, height = family.image_size((1920, 1080))
    assert width * height <= 1280 * 28 * 28 and width % 28 == 0 and height % 28 == 0
    assert family.grid((1920, 1080)).kind == "absolute"


def test_qwen3_5_thinks_with_the_model_cards_general_sampling_and_32k_output():
    fields = family_for("Qwen/Qwen3.5-27B").request_fields()
    assert fields.fields["max_tokens"] == 32768
    assert (fields.fields["temperature"], fields.fields["top_p"]) == (1.0, 0.95)
    assert fields.fields["presence_penalty"] == 1.5
    assert fields.extra_body["top_k"] == 20
    assert fields.extra_body["chat_template_kwargs"] == {"enable_thinking": True}


def test_the_earlier_thinking_sampling_is_the_named_choice_precise():
    settings = Settings(family=FamilyConfig(sampling="precise"))
    fields = family_for("Qwen/Qwen3.5-27B", settings=settings).request_fields()
    assert (fields.fields["temperature"], fields.fields["top_p"]) == (0.6, 0.95)
    assert fields.fields["presence_penalty"] == 0.0 and fields.extra_body["top_k"] == 20


def test_no_thinking_switches_qwen3_5_to_its_instant_sampling():
    settings = Settings(family=FamilyConfig(thinking=False))
    fields = family_for("Qwen/Qwen3.5-9B", settings=settings).request_fields()
    assert fields.extra_body["chat_template_kwargs"] == {"enable_thinking": False}
    assert (fields.fields["temperature"], fields.fields["top_p"]) == (0.7, 0.8)


def test_an_instruct_model_is_not_run_in_thinking_mode_even_when_asked():
    resolution = resolve_family(FamilyConfig(thinking=True), "Qwen/Qwen3-VL-8B-Instruct")
    assert resolution.thinking is False
    assert any("does not think" in note for note in resolution.notes)
    family = family_for("Qwen/Qwen3-VL-8B-Instruct")
    # sent all the same: vLLM's reasoning parser would take the reply for reasoning otherwise
    assert family.request_fields().extra_body["chat_template_kwargs"] == {"enable_thinking": False}
    assert family.request_fields().fields["temperature"] == 0.7


def test_single_values_override_the_preset_and_say_where_they_came_from():
    config = FamilyConfig(temperature=0.2, top_k=3, max_tokens=1000, max_pixels=1280 * 800)
    resolution = resolve_family(config, "Qwen/Qwen3.5-9B", {"temperature": "agent.toml"})
    assert resolution.sampling["temperature"] == 0.2 and resolution.sampling["top_k"] == 3
    assert resolution.preset.max_tokens == 1000
    assert resolution.sources["temperature"] == "agent.toml"
    assert resolution.sources["max_tokens"] == "settings"
    assert resolution.sources["top_p"].startswith("preset qwen3.5-9b")


def test_dashscope_takes_a_top_level_enable_thinking():
    settings = Settings().with_values(
        {"model_url": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"}
    )
    fields = family_for("qwen3.5-plus", settings=settings).request_fields()
    assert fields.extra_body["enable_thinking"] is True
    assert "chat_template_kwargs" not in fields.extra_body


def _observation(size):
    from PIL import Image

    return Observation(Image.new("RGB", size), pointer=(5, 5))


DESKTOP_ACTIONS = [
    A.Click(640, 400),
    A.Click(10, 20, "right"),
    A.Click(300, 200, "left", 2),
    A.Click(300, 200, "left", 3),
    A.Move(100, 700),
    A.Drag(10, 10, 600, 500),
    A.Scroll(640, 400, dy=-5),
    A.Scroll(640, 400, dx=3),
    A.Type("héllo 世界"),
    A.Key(("ctrl", "s")),
    A.Wait(2.0),
    A.Answer("42"),
    A.Terminate("failure"),
]
PHONE_ACTIONS = [
    A.Click(540, 1200),
    A.LongPress(540, 1200, seconds=2.0),
    A.Drag(540, 1900, 540, 600),
    A.Type("note"),
    A.SystemButton("back"),
    A.SystemButton("home"),
    A.Key(("enter",)),
    A.OpenApp("Contacts"),
    A.Wait(1.0),
    A.Answer("yes"),
    A.Terminate("success"),
]


@pytest.mark.parametrize(
    ("model", "env", "screen", "action"),
    [("Qwen/Qwen3.5-9B", "desktop", (1280, 800), a) for a in DESKTOP_ACTIONS]
    + [("Qwen/Qwen2.5-VL-7B-Instruct", "desktop", (1280, 800), a) for a in DESKTOP_ACTIONS]
    + [("Qwen/Qwen3-VL-8B-Instruct", "android", (1000, 2000), a) for a in PHONE_ACTIONS],
    ids=lambda v: getattr(v, "kind", str(v)),
)
def test_the_oracles_wire_format_parses_back_to_the_same_action(model, env, screen, action):
    family = family_for(model, env)
    wire = family.wire(action, screen)
    calls = tuple(
        ToolCall(f"call-{n}", c.name, dict(c.arguments)) for n, c in enumerate(wire.calls)
    )
    parsed = family.parse(ModelTurn(content=wire.content, tool_calls=calls), _observation(screen))
    assert parsed.error is None
    assert [c.action for c in parsed.calls] == [action]
