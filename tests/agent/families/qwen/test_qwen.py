import json

import pytest
from PIL import Image

from agent import actions as A
from agent.builder import family_for
from agent.families.base import AssistantEntry, UserEntry
from agent.families.history import images_to_keep, max_images
from agent.families.qwen.computer_use import OMITTED
from agent.imaging import EncodedImage
from agent.settings import FamilyConfig, Settings
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation

# The structured multi-turn format, a named option (the makers' is the default).
STRUCTURED = Settings(family=FamilyConfig(response_format="tool_call"))
OBS = Observation(Image.new("RGB", (1920, 1080)), pointer=(100, 200))


def turn(*arguments, name="computer_use", **extra) -> ModelTurn:
    calls = tuple(ToolCall(f"id{i}", name, args) for i, args in enumerate(arguments))
    return ModelTurn(tool_calls=calls, **extra)


@pytest.fixture
def qwen():
    return family_for("Qwen/Qwen3-VL-8B-Thinking", settings=STRUCTURED)


@pytest.mark.parametrize(
    ("args", "action"),
    [
        ({"action": "left_click", "coordinate": [500, 500]}, A.Click(960, 540)),
        ({"action": "double_click", "coordinate": [0, 1000]}, A.Click(0, 1079, "left", 2)),
        ({"action": "triple_click", "coordinate": [250, 250]}, A.Click(480, 270, "left", 3)),
        ({"action": "right_click", "coordinate": "[100, 100]"}, A.Click(192, 108, "right")),
        ({"action": "middle_click", "coordinate": [10, 10]}, A.Click(19, 11, "middle")),
        ({"action": "mouse_move", "coordinate": [1000, 0]}, A.Move(1919, 0)),
        ({"action": "left_click_drag", "coordinate": [500, 500]}, A.Drag(100, 200, 960, 540)),
        ({"action": "scroll", "pixels": -5}, A.Scroll(100, 200, dy=-5)),
        ({"action": "scroll", "pixels": 300, "coordinate": [500, 500]}, A.Scroll(960, 540, dy=50)),
        ({"action": "hscroll", "pixels": 2}, A.Scroll(100, 200, dx=2)),
        ({"action": "left_click"}, A.Click(100, 200)),  # at the pointer, as the makers click
        ({"action": "type", "text": "Grüße <b>"}, A.Type("Grüße <b>")),
        ({"action": "key", "keys": ["Control_L", "s"]}, A.Key(("ctrl", "s"))),
        ({"action": "key", "keys": ["Return"]}, A.Key(("enter",))),
        ({"action": "wait", "time": 2}, A.Wait(2.0)),
        ({"action": "answer", "text": "42"}, A.Answer("42")),
        ({"action": "terminate", "status": "success"}, A.Terminate("success")),
    ],
)
def test_every_computer_use_action_maps_to_screen_pixels(qwen, args, action):
    result = qwen.parse(turn(args), OBS)
    assert result.error is None
    assert [c.action for c in result.calls] == [action]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (ModelTurn(content="I will click the button."), "no tool call"),
        (
            ModelTurn(tool_calls=(ToolCall("x", "computer_use", None, "{bad", "not JSON"),)),
            "unusable arguments: not JSON",
        ),
        (turn({"action": "fly", "coordinate": [1, 2]}), "unknown action 'fly'"),
        (turn({"action": "left_click", "coordinate": [1]}), "needs coordinate"),
        (turn({"action": "left_click", "coordinate": [1200, 5]}), "outside the 1000x1000"),
        (turn({"action": "key", "keys": ["hyperdrive"]}), "unknown key 'hyperdrive'"),
        (turn({"action": "type"}), "type needs non-empty 'text'"),
        (turn({"action": "terminate", "status": "done"}), "terminate needs status"),
        (turn({"action": "scroll", "pixels": "lots"}), "needs a number in 'pixels'"),
        (turn({"action": "left_click", "coordinate": [1, 2]}, name="browser"), "unknown tool"),
        (ModelTurn(reasoning="hmm " * 100, finish_reason="length"), "cut off"),
    ],
)
def test_bad_replies_become_feedback_and_no_action(qwen, reply, message):
    result = qwen.parse(reply, OBS)
    assert result.calls == ()
    assert message in (result.error or "")
    assert message in qwen.feedback(result.error or "")


def test_one_bad_call_rejects_the_whole_reply(qwen):
    result = qwen.parse(
        turn({"action": "left_click", "coordinate": [5, 5]}, {"action": "fly"}), OBS
    )
    assert result.calls == () and "fly" in (result.error or "")


def image(n: int) -> EncodedImage:
    return EncodedImage(bytes([n]), "png", (10, 10))


def test_images_are_dropped_in_chunks():
    flags = [True] * 10
    assert sorted(images_to_keep(flags, 3, 2)) == [6, 7, 8, 9]
    assert sorted(images_to_keep(flags[:9], 3, 2)) == [6, 7, 8]
    assert sorted(images_to_keep([True, False, True, True], 3, 2)) == [0, 2, 3]
    assert max_images(3, 2) == 4
    for n in range(1, 30):
        kept = images_to_keep([True] * n, 3, 2)
        assert min(n, 3) <= len(kept) <= max_images(3, 2)


def test_render_keeps_recent_screenshots_drops_reasoning_and_stays_stable(qwen):
    call = ToolCall("c1", "computer_use", {"action": "left_click", "coordinate": [1, 2]})
    entries = [qwen.first_entry("open the editor", image(0))]
    prefixes = []
    for n in range(1, 8):
        entries.append(AssistantEntry("Clicking.", (call,), ("done",)))
        entries.append(UserEntry(image=image(n)))
        messages = qwen.render(entries)
        prefixes.append(json.dumps(messages[:3]))
        urls = [
            part["image_url"]["url"]
            for m in messages
            if isinstance(m["content"], list)
            for part in m["content"]
            if part["type"] == "image_url"
        ]
        assert 1 <= len(urls) <= 4
        assert urls[-1] == image(n).data_url  # the newest screenshot is always there
    assert messages[0]["role"] == "system"
    assert messages[1]["content"][0]["text"].startswith("The task: open the editor")
    assert messages[1]["content"][1] == {"type": "text", "text": OMITTED}
    assert messages[2]["tool_calls"][0]["function"]["name"] == "computer_use"
    assert messages[3] == {"role": "tool", "tool_call_id": "c1", "content": "done"}
    assert "reasoning" not in json.dumps(messages)
    # the prompt prefix changes only when a chunk of screenshots is dropped
    assert len(set(prefixes)) <= 3
