"""Building family instances and conversations for the family tests (no server, no display)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from PIL import Image

from agent.families import get
from agent.families.base import AssistantEntry, Entry, Family, FamilySetup, UserEntry
from agent.imaging import EncodedImage
from agent.turn import ModelTurn
from environments.base import Observation

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def family(name: str, model_id: str, environment: Any = "desktop", **options: Any) -> Family:
    """A family instance as the builder makes it: the model's preset and its sampling."""
    spec = get(name)
    table = spec.presets()
    preset = table.find(model_id) or table.presets[table.fallback]
    grounding = options.pop("grounding", None)
    choice = preset.sampling_thinking if preset.thinking_default else preset.sampling_instant
    sampling = table.sampling_values(choice) if choice else {}
    setup = FamilySetup(
        model_id,
        environment,
        preset,
        preset.thinking_default,
        sampling,
        grounding=grounding,
        options=options,
    )
    return spec.create(setup)


def tagged(index: int) -> EncodedImage:
    """A stand-in screenshot whose data names it, so rendered messages show which was sent."""
    return EncodedImage(str(index).encode(), "png", (1, 1))


def conversation(family_: Family, task: str, replies: list[str]) -> list[Entry]:
    """The entries the loop builds: task and first screenshot, then a reply and the next
    screenshot per step."""
    entries: list[Entry] = [family_.first_entry(task, tagged(0))]
    for index, reply in enumerate(replies, start=1):
        entries.append(AssistantEntry(content=reply))
        entries.append(UserEntry(image=tagged(index)))
    return entries


def placeholders(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages with images as {"image": N} and text parts as {"text": ...}."""
    out = []
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            content = [_part(p) for p in content]
        out.append({"role": message["role"], "content": content})
    return out


def _part(part: dict[str, Any]) -> dict[str, Any]:
    if part.get("type") == "image_url":
        data = part["image_url"]["url"].split(",", 1)[1]
        return {"image": int(base64.b64decode(data).decode())}
    return {"text": part["text"]}


def screen(
    width: int = 1280, height: int = 800, pointer: tuple[int, int] | None = None
) -> Observation:
    return Observation(Image.new("RGB", (width, height), "white"), pointer=pointer)


def parse(family_: Family, text: str, observation: Observation | None = None) -> Any:
    return family_.parse(ModelTurn(text=text, content=text), observation or screen())


def actions(result: Any) -> list[Any]:
    assert result.error is None, result.error
    return [call.action for call in result.calls]
