"""The family registry: choosing a family and preset by model id or name, and adding one."""

from __future__ import annotations

import pytest

from agent import families
from agent.builder import build_family, family_for, resolve_family
from agent.errors import AgentError
from agent.families.base import FamilySpec
from agent.settings import FamilyConfig, Settings


def test_the_model_id_picks_the_family_and_its_most_specific_preset():
    choice = families.choose("Qwen/Qwen3-VL-8B-Thinking")
    assert (choice.family.name, choice.preset.name, choice.exact) == (
        "qwen",
        "qwen3-vl-8b-thinking",
        True,
    )
    assert choice.note is None


def test_an_unknown_model_runs_with_the_closest_familys_defaults_and_says_so():
    choice = families.choose("acme/vision-9000")
    assert not choice.exact
    assert choice.note is not None
    assert "acme/vision-9000" in choice.note and choice.preset.name in choice.note


def test_an_unknown_family_name_lists_the_families():
    with pytest.raises(AgentError, match=r"unknown model family 'nope'.*qwen"):
        families.choose("Qwen/Qwen3.5-9B", "nope")


def test_an_unknown_preset_name_lists_the_presets():
    with pytest.raises(AgentError, match=r"no preset 'huge'.*qwen3.5-9b"):
        resolve_family(FamilyConfig(preset="huge"), "Qwen/Qwen3.5-9B")


def test_a_registered_family_is_chosen_by_name_and_built_by_the_builder():
    qwen = families.get("qwen")
    made = []

    def create(setup):
        made.append(setup)
        return qwen.create(setup)

    spec = FamilySpec("test-echo", create, qwen.presets, ("desktop",), "a test family")
    families.register(spec)
    try:
        assert "test-echo" in [s.name for s in families.families()]
        settings = Settings(family=FamilyConfig(family="test-echo"))
        resolution = resolve_family(settings.family, "Qwen/Qwen3.5-9B")
        build_family(settings, "Qwen/Qwen3.5-9B", resolution)
        assert made[0].model_id == "Qwen/Qwen3.5-9B"
        with pytest.raises(AgentError, match="acts on desktop, not android"):
            build_family(settings, "Qwen/Qwen3.5-9B", resolution, "android")
    finally:
        families._registered.pop("test-echo")


def test_the_family_record_names_family_preset_and_format_version():
    info = family_for("Qwen/Qwen3.5-27B").info()
    assert info["family"] == "qwen"
    assert info["preset"] == "qwen3.5-27b"
    assert info["protocol"] == "qwen-computer-use"
    assert isinstance(info["format_version"], int)


@pytest.mark.parametrize(
    ("name", "model_id", "refusal"),
    [
        ("ui-tars", "ByteDance-Seed/UI-TARS-1.5-7B", "UI-TARS has no tool calls"),
        ("opencua", "xlangai/OpenCUA-7B", "OpenCUA has no tool calls"),
        ("gui-owl", "mPLUG/GUI-Owl-1.5-8B-Instruct", "GUI-Owl is run here without MCP tools"),
    ],
)
def test_a_text_family_refuses_to_write_an_mcp_tool_call_and_feeds_errors_back(
    name, model_id, refusal
):
    from agent.families.base import ToolUse
    from agent.turn import ModelTurn
    from tests.agent.families.helpers import family, screen

    text_family = family(name, model_id)
    with pytest.raises(ValueError, match=f"^{refusal}: it cannot call notes__write$"):
        text_family.wire(ToolUse("notes__write", {}), (1280, 800))
    result = text_family.parse(ModelTurn(text="I am not sure."), screen())
    assert result.calls == () and result.error
    assert text_family.feedback(result.error).startswith(
        f"Your last reply could not be executed: {result.error}\nNothing was done. "
    )
