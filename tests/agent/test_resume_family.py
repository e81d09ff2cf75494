"""A run is resumed only with the family it was recorded with, unless forced."""

from __future__ import annotations

import json

import pytest

from agent import families
from agent.builder import resolve_family
from agent.errors import AgentError
from agent.families.base import FORMAT_VERSION, FamilySpec
from agent.resume import check_family, load_run
from agent.settings import FamilyConfig


def _recorded(tmp_path, **info):
    (tmp_path / "run.json").write_text(json.dumps({"task": "t", **info}))
    return load_run(tmp_path)


@pytest.fixture
def other_family():
    qwen = families.get("qwen")
    families.register(FamilySpec("other", qwen.create, qwen.presets, ("desktop",)))
    yield "other"
    families._registered.pop("other")


def test_a_run_of_another_family_is_refused_with_the_way_out(tmp_path, other_family):
    saved = _recorded(tmp_path, family="qwen", preset="qwen3.5-9b", format_version=FORMAT_VERSION)
    resolution = resolve_family(FamilyConfig(family=other_family), "Qwen/Qwen3.5-9B")
    with pytest.raises(AgentError, match=r"recorded with the qwen family.*--family qwen.*--force"):
        check_family(saved, resolution, force=False)
    check_family(saved, resolution, force=True)
    check_family(saved, resolve_family(FamilyConfig(), "Qwen/Qwen3.5-9B"), force=False)


def test_a_run_recorded_before_families_were_named_is_a_qwen_run(tmp_path, other_family):
    saved = _recorded(tmp_path, protocol="qwen-computer-use")
    check_family(saved, resolve_family(FamilyConfig(), "Qwen/Qwen3.5-9B"), force=False)
    with pytest.raises(AgentError, match="qwen family"):
        check_family(saved, resolve_family(FamilyConfig(family="other"), "x"), force=False)


def test_a_newer_format_is_refused(tmp_path):
    saved = _recorded(tmp_path, family="qwen", format_version=FORMAT_VERSION + 1)
    with pytest.raises(AgentError, match="newer than this agent's"):
        check_family(saved, resolve_family(FamilyConfig(), "Qwen/Qwen3.5-9B"), force=False)
