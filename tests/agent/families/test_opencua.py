"""OpenCUA: the makers' prompt and history layout (golden, from their own prompt()), their
AgentNet actions parsed, and code outside the supported calls refused without running it."""

import pytest

from agent import actions as A
from tests.agent.families.helpers import (
    actions,
    conversation,
    family,
    fixture,
    parse,
    placeholders,
    screen,
)

MODEL = "xlangai/OpenCUA-7B"


def _reply(code: str) -> str:
    return f"## Thought:\nI look.\n\n## Action:\nDo it.\n\n## Code:\n```python\n{code}\n```\n"


@pytest.mark.parametrize("name", ["opencua_0_steps.json", "opencua_5_steps.json"])
def test_render_matches_the_makers_prompt(name):
    golden = fixture(name)
    cua = family("opencua", MODEL)
    entries = conversation(cua, golden["scenario"]["task"], golden["scenario"]["replies"])
    assert placeholders(cua.render(entries)) == golden["messages"]


def test_feedback_follows_the_current_screenshot():
    cua = family("opencua", MODEL)
    entries = conversation(cua, "Sum column B", [_reply("pyautogui.click(x=1, y=1)")])
    result = parse(cua, "I will click.")
    entries += [
        type(entries[1])(content="I will click."),
        type(entries[0])(text=cua.feedback(result.error)),
    ]
    messages = cua.render(entries)
    assert messages[-2]["content"] == "# Step 2:\n## Action:\nI will click.\n"
    assert messages[-1]["content"].startswith("Your last reply could not be executed: it has no")


EXAMPLES = fixture("opencua_agentnet_examples.json")["examples"]


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e['trajectory']}-{e['step']}" for e in EXAMPLES]
)
def test_the_makers_agentnet_actions_parse(example):
    # AgentNet's actions are in fractions of the screen; the makers' projection reads a pair
    # within 0..1 that way whatever the model's grid
    observation = screen(1920, 1080, pointer=(0, 0))
    got = actions(parse(family("opencua", MODEL), example["reply"], observation))
    assert got, example["code"]
    for action in got:
        for x, y in A.points(action):
            assert 0 <= x < 1920 and 0 <= y < 1080


def test_agentnet_examples_become_the_right_actions():
    cua = family("opencua", MODEL)
    observation = screen(1000, 1000, pointer=(0, 0))
    drag = "pyautogui.moveTo(x=0.328, y=0.4697)\npyautogui.dragTo(x=0.5025, y=0.6039)"
    cases = {
        drag: [A.Drag(328, 470, 502, 604)],
        "pyautogui.hotkey(keys=['ctrl', 'c'])": [A.Key(("ctrl", "c"))],
        'pyautogui.write(message="help me polish this: \'")': [A.Type("help me polish this: '")],
        "pyautogui.press(keys=['enter'])": [A.Key(("enter",))],
        "pyautogui.moveTo(x=0.4496, y=0.7349)\npyautogui.scroll(-54)": [A.Scroll(450, 735, dy=-54)],
        "pyautogui.rightClick(x=0.6152, y=0.5337)": [A.Click(615, 534, "right")],
        "pyautogui.write(message='SPOTIFY')\npyautogui.press(keys=['enter'])": [
            A.Type("SPOTIFY"),
            A.Key(("enter",)),
        ],
        "computer.terminate(status='success')": [A.Terminate("success")],
        "computer.terminate(status='failure')": [A.Terminate("failure")],
        "computer.triple_click(x=0.5, y=0.5)": [A.Click(500, 500, "left", 3)],
        "computer.wait()": [A.Wait(2.0)],
    }
    for code, expected in cases.items():
        assert actions(parse(cua, _reply(code), observation)) == expected, code


def test_pixel_coordinates_are_of_the_resized_image():
    cua = family("opencua", MODEL)
    assert cua.grid((1920, 1080)).image == (1932, 1092)
    (click,) = actions(parse(cua, _reply("pyautogui.click(x=966, y=546)"), screen(1920, 1080)))
    assert (click.x, click.y) == (960, 540)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("import os\nos.system('touch {marker}')", "line 1 is not a call (Import)"),
        ("os.system('touch {marker}')", "calls os.system; only pyautogui.* and computer.*"),
        ("open('{marker}', 'w').write('x')", "'w').write; only pyautogui.* and computer.*"),
        ("pyautogui.click(x=__import__('os').system('touch {marker}'), y=1)", "literal values"),
        ("pyautogui.write(message=open('{marker}').read())", "literal values"),
        ("x = 100\npyautogui.click(x=x, y=1)", "line 1 is not a call (Assign)"),
        ("for i in range(3):\n    pyautogui.press('a')", "not a call (For)"),
        ("pyautogui.keyDown('shift')", "pyautogui.keyDown is not supported"),
        ("subprocess.run(['touch', '{marker}'])", "calls subprocess.run"),
        ("pyautogui.click(x=5000, y=10)", "outside the screenshot"),
        ("pyautogui.dragTo(x=10, y=10)", "dragTo needs a moveTo first"),
        ("pyautogui.click(x=10", "not valid Python"),
        ("pyautogui.press('tab', presses=500)", "1 to 50 presses"),
    ],
)
def test_code_outside_the_supported_calls_is_refused_and_never_run(code, error, tmp_path):
    marker = tmp_path / "pwned"
    result = parse(
        family("opencua", MODEL), _reply(code.format(marker=marker)), screen(pointer=None)
    )
    assert result.calls == () and error in result.error
    assert not marker.exists()


def test_a_reply_without_code_is_fed_back():
    result = parse(family("opencua", MODEL), "## Action:\nClick the button.")
    assert result.error == "it has no ```python code block"


@pytest.mark.parametrize(
    "action",
    [
        A.Click(640, 400),
        A.Click(3, 4, "left", 2),
        A.Click(3, 4, "left", 3),
        A.Click(9, 9, "right"),
        A.Click(9, 9, "middle"),
        A.Move(5, 5),
        A.Drag(1, 2, 1279, 799),
        A.Scroll(5, 5, dy=-3),
        A.Scroll(5, 5, dx=2),
        A.Type("a 'b' \\ c\n"),
        A.Key(("ctrl", "s")),
        A.Key(("enter",)),
        A.Wait(2.0),
        A.Terminate("success"),
        A.Terminate("failure"),
    ],
)
def test_the_wire_format_parses_back_to_the_action(action):
    cua = family("opencua", MODEL)
    wire = cua.wire(action, (1280, 800))
    assert "## Action:\n" in wire.content and "```python\n" in wire.content
    assert actions(parse(cua, wire.content, screen(pointer=(0, 0)))) == [action]


def test_opencua_cannot_answer_in_words():
    with pytest.raises(ValueError, match="OpenCUA has no answer"):
        family("opencua", MODEL).wire(A.Answer("42"), (1280, 800))
