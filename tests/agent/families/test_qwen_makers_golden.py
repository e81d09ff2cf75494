"""The Qwen family's default conversation is the makers' own, byte for byte.

Each fixture under fixtures/ holds the messages the makers' code builds for the third step of
a task (its `source` names the file and commit, `how` the run); the family renders the same
three steps from the loop's entries and must give the same JSON.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from agent.families.base import AssistantEntry, Entry, FamilySetup, UserEntry
from agent.families.qwen.computer_use import QwenComputerUse, QwenTool
from agent.families.qwen.family import table
from agent.families.qwen.mobile_use import QwenMobileUse
from agent.imaging import encode
from agent.turn import ToolCall

FIXTURES = Path(__file__).parent / "fixtures"
TASK = "Save the open document as notes.txt in the home folder."
COLORS = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]


def family(cls: type[QwenTool], model: str, environment: str = "desktop") -> QwenTool:
    preset = table().find(model)
    assert preset is not None and preset.response_format == "action"  # the default
    preset = replace(preset, history_images=1, history_chunk=1)  # history_n=1 in the fixtures
    setup = FamilySetup(model, environment, preset, thinking=False)  # type: ignore[arg-type]
    return cls(setup)


def call(arguments: dict[str, Any]) -> ToolCall:
    return ToolCall("call-1", "computer_use", arguments)


def conversation(tool: QwenTool, screen: tuple[int, int], task: str, replies: list) -> tuple:
    size = tool.image_size(screen)
    images = [encode(Image.new("RGB", screen, color), size, "jpeg") for color in COLORS]
    labels = {
        image.data_url: f"<screenshot {i + 1}: {size[0]}x{size[1]}>"
        for i, image in enumerate(images)
    }
    entries: list[Entry] = [tool.first_entry(task, images[0])]
    for (said, arguments), image in zip(replies, images[1:], strict=True):
        entries.append(AssistantEntry(said, (call(arguments),), ("done",)))
        entries.append(UserEntry(image=image))
    return entries, labels


def scrub(messages: list[dict[str, Any]], labels: dict[str, str]) -> str:
    messages = json.loads(json.dumps(messages))
    for message in messages:
        for part in message["content"]:
            if part["type"] == "image_url":
                part["image_url"]["url"] = labels[part["image_url"]["url"]]
    return json.dumps(messages, indent=1, ensure_ascii=False)


def fixture(name: str) -> str:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert data["source"] and data["how"]
    return json.dumps(data["messages"], indent=1, ensure_ascii=False)


QWEN3_REPLIES = [
    (
        'Action: Open the File menu.\n<tool_call>\n{"name": "computer_use", "arguments": '
        '{"action": "left_click", "coordinate": [24, 40]}}\n</tool_call>',
        {"action": "left_click", "coordinate": [24, 40]},
    ),
    (
        'Action: Choose "Save As..." in the menu.\n<tool_call>\n{"name": "computer_use", '
        '"arguments": {"action": "left_click", "coordinate": [60, 212]}}\n</tool_call>',
        {"action": "left_click", "coordinate": [60, 212]},
    ),
]
QWEN25_REPLIES = [
    (
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [33, 54]}}\n</tool_call>',
        {"action": "left_click", "coordinate": [33, 54]},
    ),
    (
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click"}}\n'
        "</tool_call>",
        {"action": "left_click"},
    ),
]


@pytest.mark.parametrize("model", ["Qwen/Qwen3-VL-8B-Instruct", "Qwen/Qwen3.5-27B"])
def test_qwen3_vl_and_qwen35_computer_use_is_osworlds_qwen3vl_agent(model: str) -> None:
    tool = family(QwenComputerUse, model)
    entries, labels = conversation(tool, (1920, 1080), TASK, QWEN3_REPLIES)
    assert tool.tools((1920, 1080)) == []  # the schema is in the system prompt
    assert scrub(tool.render(entries), labels) == fixture("qwen3vl_computer_use.json")


def test_qwen25_vl_computer_use_is_osworlds_qwen25vl_agent() -> None:
    tool = family(QwenComputerUse, "Qwen/Qwen2.5-VL-7B-Instruct")
    entries, labels = conversation(tool, (1920, 1080), TASK, QWEN25_REPLIES)
    assert scrub(tool.render(entries), labels) == fixture("qwen25vl_computer_use.json")
    # Its own action set: no triple_click, hscroll or answer.
    system = tool.render(entries)[0]["content"][0]["text"]
    assert '"scroll", "wait", "terminate"]' in system and "triple_click" not in system


def test_qwen3_vl_mobile_use_is_the_mobile_notebooks() -> None:
    tool = family(QwenMobileUse, "Qwen/Qwen3-VL-8B-Instruct", "android")
    replies = [
        ("Thought: Settings holds it.\nAction: Open the Settings app.", {"action": "open"}),
        ('Thought: It is there.\nAction: Tap "Network & internet".', {"action": "click"}),
    ]
    entries, labels = conversation(tool, (1080, 2400), "Turn on airplane mode in Settings", replies)
    labels = {url: label.split(":")[0] + ">" for url, label in labels.items()}
    assert scrub(tool.render(entries), labels) == fixture("qwen3vl_mobile_use.json")


def test_dropped_screenshots_leave_their_action_line_and_the_window_moves_by_chunk() -> None:
    tool = family(QwenComputerUse, "Qwen/Qwen3-VL-8B-Instruct")
    tool.preset = replace(tool.preset, history_images=2, history_chunk=2)
    replies = [(f"Action: Step {i}.\nclicked", {"action": "left_click"}) for i in range(1, 6)]
    size = tool.image_size((1920, 1080))
    image = encode(Image.new("RGB", (1920, 1080)), size, "jpeg")
    entries: list[Entry] = [tool.first_entry(TASK, image)]
    counts = []
    for said, arguments in replies:
        entries += [AssistantEntry(said, (call(arguments),), ("done",)), UserEntry(image=image)]
        messages = tool.render(entries)
        counts.append(sum(p["type"] == "image_url" for m in messages for p in m["content"]))
        assert not any(m["role"] == "tool" for m in messages)
    # 1, 2 steps done: all kept; 3: window start 1 -> 2; 4: 2; 5: 3 -> 4
    assert counts == [2, 3, 2, 3, 2]
    first_user = tool.render(entries)[1]["content"][1]["text"]
    assert first_user.endswith(
        "Previous actions:\nStep 1: Step 1.\nStep 2: Step 2.\nStep 3: Step 3.\nStep 4: Step 4."
    )
    assert tool.max_images() == 3


def test_an_mcp_tool_result_and_feedback_reach_the_model_after_the_reply() -> None:
    tool = family(QwenComputerUse, "Qwen/Qwen3-VL-8B-Instruct")
    tool.preset = replace(tool.preset, history_images=3)
    image = encode(Image.new("RGB", (1920, 1080)), tool.image_size((1920, 1080)), "jpeg")
    read = ToolCall("call-2", "filesystem__read_file", {"path": "notes.txt"})
    entries: list[Entry] = [
        tool.first_entry(TASK, image),
        AssistantEntry(
            'Action: Read the notes.\n<tool_call>\n{"name": "x"}\n</tool_call>',
            (read,),
            ("buy milk",),
        ),
        UserEntry(image=image),
        AssistantEntry("Action: Hm."),
        UserEntry(text="Your last reply could not be executed: it contained no tool call"),
    ]
    messages = tool.render(entries)
    texts = [(m["role"], p["text"]) for m in messages for p in m["content"] if "text" in p]
    assert ("user", "filesystem__read_file returned:\nbuy milk") in texts
    assert texts[-2:] == [
        ("assistant", "Action: Hm."),
        ("user", "Your last reply could not be executed: it contained no tool call"),
    ]
    assert texts.index(("user", "filesystem__read_file returned:\nbuy milk")) < len(texts) - 2
