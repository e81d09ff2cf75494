"""GUI-Owl-1.5: the makers' messages (golden, from their own build_messages) on a desktop and a
phone, calls in the reply text parsed with Qwen's argument mapping, malformed calls fed back."""

import json

import pytest

from agent import actions as A
from agent.takeover import HUMAN_NEEDED
from tests.agent.families.helpers import (
    actions,
    conversation,
    family,
    fixture,
    parse,
    placeholders,
    screen,
)

MODEL = "mPLUG/GUI-Owl-1.5-8B-Instruct"


def _owl(environment: str = "desktop"):
    return family("gui-owl", MODEL, environment, date="2026-12-01")


def _reply(tool: str, **arguments) -> str:
    call = json.dumps({"name": tool, "arguments": arguments})
    return f"Action: Do it.\n<tool_call>\n{call}\n</tool_call>"


@pytest.mark.parametrize("steps", [0, 2, 6])
@pytest.mark.parametrize(("kind", "environment"), [("computer", "desktop"), ("mobile", "android")])
def test_render_matches_the_makers_build_messages(kind, environment, steps):
    golden = fixture(f"guiowl_{kind}_{steps}_steps.json")
    owl = _owl(environment)
    entries = conversation(owl, golden["scenario"]["task"], golden["scenario"]["replies"])
    assert placeholders(owl.render(entries)) == golden["messages"]


def test_the_system_prompt_carries_the_tool_schema_and_no_tools_are_sent():
    owl = _owl()
    system = owl.render(conversation(owl, "t", []))[0]["content"][0]["text"]
    assert '"name": "computer_use"' in system and "The screen's resolution is 1000x1000." in system
    assert owl.tools((1280, 800)) == [] and owl.request_fields().fields["temperature"] == 0.0


def test_calls_map_to_screen_pixels_on_the_relative_grid():
    owl = _owl()
    observation = screen(1280, 800, pointer=(10, 10))
    cases = {
        _reply("computer_use", action="left_click", coordinate=[500, 500]): [A.Click(640, 400)],
        _reply("computer_use", action="click", coordinate=[500, 500]): [A.Click(640, 400)],
        _reply("computer_use", action="double_click", coordinate=[0, 0]): [
            A.Click(0, 0, "left", 2)
        ],
        _reply("computer_use", action="key", keys=["ctrl", "s"]): [A.Key(("ctrl", "s"))],
        _reply("computer_use", action="type", text="héllo"): [A.Type("héllo")],
        _reply("computer_use", action="scroll", pixels=-5): [A.Scroll(10, 10, dy=-5)],
        _reply("computer_use", action="terminate", status="failure"): [A.Terminate("failure")],
        _reply("computer_use", action="answer", text="42"): [A.Answer("42")],
        _reply("computer_use", action="interact", text="Log in"): [
            A.Answer(f"{HUMAN_NEEDED} Log in")
        ],
    }
    for reply, expected in cases.items():
        assert actions(parse(owl, reply, observation)) == expected, reply


def test_phone_calls():
    owl = _owl("android")
    observation = screen(1080, 2400)
    tap = _reply("mobile_use", action="click", coordinate=[500, 250])
    assert actions(parse(owl, tap, observation)) == [A.Click(540, 600)]
    swipe = _reply("mobile_use", action="swipe", coordinate=[500, 800], coordinate2=[500, 200])
    assert actions(parse(owl, swipe, observation)) == [A.Drag(540, 1920, 540, 480)]
    back = _reply("mobile_use", action="system_button", button="Back")
    assert actions(parse(owl, back, observation)) == [A.SystemButton("back")]
    opened = _reply("mobile_use", action="open", text="Settings")
    assert actions(parse(owl, opened, observation)) == [A.OpenApp("Settings")]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("Action: Click it.", "no <tool_call> blocks"),
        (_reply("computer_use", action="wait") * 2, "2 <tool_call> blocks"),
        ("Action: x\n<tool_call>\n{not json\n</tool_call>", "not a JSON object"),
        ('Action: x\n<tool_call>\n{"name": "computer_use"}\n</tool_call>', '"arguments"'),
        (_reply("mobile_use", action="click", coordinate=[1, 1]), "unknown tool 'mobile_use'"),
        (_reply("computer_use", action="fly"), "unknown action 'fly'"),
        (_reply("computer_use", action="left_click", coordinate=[1200, 5]), "outside"),
        (_reply("computer_use", action="left_click"), "coordinate"),
    ],
)
def test_malformed_calls_are_fed_back(reply, error):
    result = parse(_owl(), reply)
    assert result.calls == () and error in result.error


@pytest.mark.parametrize("environment", ["desktop", "android"])
@pytest.mark.parametrize(
    "action",
    [
        A.Click(640, 400),
        A.Drag(10, 20, 300, 400),
        A.Type("a 'b'\n"),
        A.Wait(2.0),
        A.Answer("42"),
        A.Terminate("success"),
    ],
)
def test_the_wire_format_parses_back_to_the_action(environment, action):
    owl = _owl(environment)
    size = (1280, 800) if environment == "desktop" else (1080, 2400)
    wire = owl.wire(action, size)
    assert wire.content.startswith("Action: ") and "<tool_call>\n" in wire.content
    got = actions(parse(owl, wire.content, screen(*size)))
    assert len(got) == 1 and type(got[0]) is type(action)
    for (x, y), (gx, gy) in zip(A.points(action), A.points(got[0]), strict=True):
        assert abs(x - gx) <= 1 and abs(y - gy) <= 1  # the 0..1000 grid's rounding
