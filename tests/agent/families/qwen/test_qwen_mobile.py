"""mobile_use calls from both of Qwen's action sets, mapped to screen pixels of a phone."""

import pytest
from PIL import Image

from agent import actions as A
from agent.builder import family_for
from agent.families.qwen.mobile_use import ACTION_SETS
from agent.settings import Settings
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation

PHONE = Observation(Image.new("RGB", (1080, 2400)))


def turn(args: dict) -> ModelTurn:
    return ModelTurn(tool_calls=(ToolCall("id0", "mobile_use", args),))


# The structured multi-turn format, a named option (the makers' is the default).
STRUCTURED = Settings().with_values({"response_format": "tool_call"})


@pytest.fixture
def mobile():
    return family_for("Qwen/Qwen3-VL-8B-Thinking", "android", STRUCTURED)


@pytest.mark.parametrize(
    ("args", "action"),
    [
        ({"action": "click", "coordinate": [500, 500]}, A.Click(540, 1200)),
        ({"action": "long_press", "coordinate": [1000, 1000], "time": 2},
         A.LongPress(1079, 2399, 2.0)),
        ({"action": "long_press", "coordinate": [0, 0]}, A.LongPress(0, 0, 1.0)),
        ({"action": "swipe", "coordinate": [500, 800], "coordinate2": [500, 200]},
         A.Drag(540, 1920, 540, 480)),
        ({"action": "type", "text": "你好 world"}, A.Type("你好 world")),
        ({"action": "key", "text": "volume_up"}, A.Key(("volumeup",))),
        ({"action": "key", "text": "KEYCODE_POWER"}, A.Key(("power",))),
        ({"action": "key", "text": "back"}, A.SystemButton("back")),
        ({"action": "system_button", "button": "Back"}, A.SystemButton("back")),
        ({"action": "system_button", "button": "Home"}, A.SystemButton("home")),
        ({"action": "system_button", "button": "Menu"}, A.SystemButton("menu")),
        ({"action": "system_button", "button": "Enter"}, A.Key(("enter",))),
        ({"action": "open", "text": "Settings"}, A.OpenApp("Settings")),
        ({"action": "wait", "time": 1.5}, A.Wait(1.5)),
        ({"action": "answer", "text": "Ada"}, A.Answer("Ada")),
        ({"action": "terminate", "status": "failure"}, A.Terminate("failure")),
    ],
)  # fmt: skip
def test_every_mobile_use_action_maps_to_screen_pixels(mobile, args, action):
    result = mobile.parse(turn(args), PHONE)
    assert result.error is None
    assert [c.action for c in result.calls] == [action]


def test_qwen25_answers_in_absolute_pixels_of_the_resized_image():
    mobile = family_for("Qwen2.5-VL-7B-Instruct", "android")
    width, height = mobile.image_size(PHONE.size)
    result = mobile.parse(turn({"action": "click", "coordinate": [width / 2, height / 2]}), PHONE)
    assert result.calls[0].action == A.Click(540, 1200)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"action": "swipe", "coordinate": [1, 1]}, "swipe needs coordinate2"),
        ({"action": "system_button", "button": "Power"}, "Back, Home, Menu or Enter"),
        ({"action": "key", "text": "warp_drive"}, "unknown key"),
        ({"action": "open"}, "open needs non-empty 'text'"),
        ({"action": "click", "coordinate": [1001, 5]}, "outside the 1000x1000 screen"),
        ({"action": "left_click", "coordinate": [5, 5]}, "unknown action 'left_click'"),
    ],
)
def test_bad_calls_say_what_is_wrong(mobile, args, message):
    result = mobile.parse(turn(args), PHONE)
    assert message in (result.error or "")


@pytest.mark.parametrize("action_set", ["tool", "notebook"])
def test_each_action_set_is_offered_as_is_and_both_are_understood(action_set):
    settings = Settings().with_values(
        {"family_option": (f"mobile_actions={action_set}",), "response_format": "tool_call"}
    )
    mobile = family_for("Qwen/Qwen3-VL-8B-Instruct", "android", settings)
    (tool,) = mobile.tools(PHONE.size)
    assert tool["function"]["name"] == "mobile_use"
    assert tool["function"]["parameters"]["properties"]["action"]["enum"] == list(
        ACTION_SETS[action_set]
    )
    assert "The screen's resolution is 1000x1000" in tool["function"]["description"]
    other = "open" if action_set == "notebook" else "answer"
    assert mobile.parse(turn({"action": other, "text": "Notes"}), PHONE).error is None


def test_the_system_prompt_speaks_of_a_phone(mobile):
    messages = mobile.render([])
    assert "Android phone" in messages[0]["content"]
    assert "mobile_use" in messages[0]["content"]
