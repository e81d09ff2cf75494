"""UI-TARS-1.5: ByteDance's prompt and conversation, their parser on their example replies, and
malformed replies fed back (the package's exceptions and prints never escape)."""

import pytest

from agent import actions as A
from agent.families.base import AssistantEntry, UserEntry
from tests.agent.families.helpers import (
    actions,
    conversation,
    family,
    fixture,
    parse,
    placeholders,
    screen,
)

MODEL = "ByteDance-Seed/UI-TARS-1.5-7B"
# COMPUTER_USE from bytedance/UI-TARS codes/prompts.py at c46cfd3^ (the training template)
TEMPLATE_HEAD = (
    "You are a GUI agent. You are given a task and your action history, with screenshots. You "
    "need to perform the next action to complete the task.\n\n## Output Format\n```\nThought: "
    "...\nAction: ...\n```\n\n## Action Space\n\nclick(start_box='<|box_start|>(x1,y1)<|box_end|>')"
)


def test_the_first_turn_is_the_makers_template_with_the_instruction_and_language():
    computer = family("ui-tars", MODEL)
    entry = computer.first_entry("Open the Files app", None)  # type: ignore[arg-type]
    assert entry.text.startswith(TEMPLATE_HEAD)
    assert "- Use English in `Thought` part." in entry.text
    assert entry.text.endswith("## User Instruction\nOpen the Files app\n")
    assert "hotkey(key='')" in entry.text and "long_press" not in entry.text
    phone = family("ui-tars", MODEL, "android", language="Chinese")
    text = phone.first_entry("打开设置", None).text  # type: ignore[arg-type]
    assert "press_home()\npress_back()" in text and "- Use Chinese in `Thought` part." in text


def test_render_follows_the_training_example_older_replies_without_screenshots():
    # data/training_example.json: system, the template, then replies; only the last replies
    # come after their screenshots
    layout = fixture("uitars_examples.json")["training_roles"]
    assert layout[:2] == ["system", "user"] and layout[2:6] == ["assistant"] * 4
    tars = family("ui-tars", MODEL)
    replies = [f"Thought: step {i}\nAction: click(start_box='({i},{i * 2})')" for i in range(7)]
    messages = placeholders(tars.render(conversation(tars, "Sort the list", replies)))
    assert messages[0] == {"role": "system", "content": "You are a helpful assistant."}
    assert messages[1]["content"].startswith(TEMPLATE_HEAD)
    roles = [m["role"] for m in messages]
    assert roles[2:5] == ["assistant"] * 3
    sent = [p["image"] for m in messages if isinstance(m["content"], list) for p in m["content"]]
    assert sent == [3, 4, 5, 6, 7]  # the last five screenshots, each in its own user turn
    assert messages[-1] == {"role": "user", "content": [{"image": 7}]}
    # earlier replies go back with their coordinates in box tokens (add_box_token)
    assert messages[2]["content"] == (
        "Thought: step 0\nAction: click(start_box='<|box_start|>(0,0)<|box_end|>')"
    )


@pytest.mark.parametrize("example", fixture("uitars_examples.json")["examples"])
def test_the_makers_example_replies_parse_to_clicks_on_the_resized_grid(example):
    tars = family("ui-tars", MODEL)
    observation = screen(1920, 1080)
    (click,) = actions(parse(tars, example["reply"], observation))
    assert isinstance(click, A.Click) and click.button == "left" and click.count == 1
    # the model's pixels are of the smart_resized 1932x1092 image (factor 28)
    assert tars.grid((1920, 1080)).image == (1932, 1092)
    x, y = (int(v) for v in example["reply"].split("(")[-1].split(")")[0].split(","))
    assert (click.x, click.y) == (round(x / 1932 * 1920), round(y / 1092 * 1080))


def test_every_action_of_the_computer_and_mobile_templates():
    tars = family("ui-tars", MODEL)
    observation = screen(1288, 812, pointer=(7, 9))  # already on the grid: pixels map 1:1
    cases = {
        "left_double(start_box='(10,20)')": [A.Click(10, 20, "left", 2)],
        "right_single(start_box='(10,20)')": [A.Click(10, 20, "right", 1)],
        "drag(start_box='(1,2)', end_box='(300,400)')": [A.Drag(1, 2, 300, 400)],
        "hotkey(key='ctrl c')": [A.Key(("ctrl", "c"))],
        "type(content='it\\'s done\\n')": [A.Type("it's done"), A.Key(("enter",))],
        "type(content='\\n3. café')": [A.Type("\n3. café")],
        "scroll(start_box='(50,60)', direction='down')": [A.Scroll(50, 60, dy=-5)],
        "scroll(direction='left')": [A.Scroll(7, 9, dx=-5)],
        "wait()": [A.Wait(5.0)],
        "finished(content='The total is 42')": [A.Answer("The total is 42")],
        "finished()": [A.Terminate("success")],
        "call_user()": [A.Terminate("failure")],
        "long_press(start_box='(5,6)')": [A.LongPress(5, 6)],
        "open_app(app_name='Settings')": [A.OpenApp("Settings")],
        "press_home()": [A.SystemButton("home")],
        "press_back()": [A.SystemButton("back")],
    }
    for action, expected in cases.items():
        assert actions(parse(tars, f"Thought: t\nAction: {action}", observation)) == expected


def test_replies_the_package_cannot_read_are_normalised_first():
    tars = family("ui-tars", MODEL)
    observation = screen(1288, 812)
    boxed = "Thought: t\nAction: click(start_box='<|box_start|>(100,200)<|box_end|>')"
    assert actions(parse(tars, boxed, observation)) == [A.Click(100, 200)]
    multiline = "Thought: t\nAction: type(content='line one\nline two')"
    assert actions(parse(tars, multiline, observation)) == [A.Type("line one\nline two")]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("I will click the button.", "no `Action:` line"),
        ("Thought: t\nAction: click(start_box=(100,200))", "could not be parsed"),
        ("Thought: t\nAction: click(start_box='(abc)')", "could not be parsed"),
        ("Thought: t\nAction: click(start_box='(5000,20)')", "outside the screenshot"),
        ("Thought: t\nAction: __import__('os').system('touch /tmp/pwned')", "unknown action"),
        ("Thought: t\nAction: scroll(start_box='(1,2)', direction='sideways')", "direction"),
        ("Thought: t\nAction: hotkey()", "hotkey needs key"),
        ("Thought: t\nAction: keydown(key='shift')", "unknown action 'keydown'"),
    ],
)
def test_malformed_replies_become_feedback_and_print_nothing(reply, error, capsys, tmp_path):
    result = parse(family("ui-tars", MODEL), reply)
    assert result.calls == () and error in result.error
    assert capsys.readouterr().out == ""  # the package's prints are swallowed
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "action",
    [
        A.Click(640, 400),
        A.Click(3, 4, "left", 2),
        A.Click(9, 9, "right"),
        A.Move(5, 5),
        A.Drag(1, 2, 1279, 799),
        A.Scroll(5, 5, dy=5),
        A.Scroll(5, 5, dx=-5),
        A.Type("a 'b' \\ c"),
        A.Type("\nnew line"),
        A.Key(("ctrl", "s")),
        A.Key(("end",)),
        A.Wait(5.0),
        A.Answer("42"),
        A.Terminate("success"),
        A.Terminate("failure"),
    ],
)
def test_the_wire_format_parses_back_to_the_action(action):
    tars = family("ui-tars", MODEL)
    wire = tars.wire(action, (1280, 800))
    assert wire.content.startswith("Thought: ") and "\nAction: " in wire.content
    assert actions(parse(tars, wire.content)) == [action]


def test_the_wire_format_refuses_what_ui_tars_cannot_say():
    tars = family("ui-tars", MODEL)
    for action in (A.Click(1, 1, "left", 3), A.Click(1, 1, "middle")):
        with pytest.raises(ValueError, match="UI-TARS has no"):
            tars.wire(action, (1280, 800))


def test_a_parsed_step_keeps_what_the_model_wrote():
    tars = family("ui-tars", MODEL)
    reply = "Thought: Save it.\nAction: hotkey(key='ctrl s')"
    result = parse(tars, reply)
    assert result.said == reply and result.calls[0].call.name == "hotkey"
    assert result.calls[0].call.raw_arguments == "hotkey(key='ctrl s')"
    entry = AssistantEntry(content=result.said)
    assert tars.render([UserEntry(text="task"), entry])[-1]["content"] == reply
