"""Our families as an OSWorld agent: `predict` returns code that, run the way OSWorld's VM
executor runs it (`python -c "import pyautogui; import time; pyautogui.FAILSAFE = False; CODE"`),
moves the pointer on our display where the model's reply says."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from agent import actions as A
from agent.builder import family_for
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import ModelConfig, Settings
from tasks.oracle import scripted
from tasks.osworld.agent import DONE, FAIL, OSWorldAgent, pyautogui_code
from tests.environments.desktop.helpers import pointer

MODEL = "Qwen/Qwen3-VL-8B-Instruct"
PREFIX = "import pyautogui; import time; pyautogui.FAILSAFE = False; {command}"


def _obs(desktop) -> dict:
    buffer = io.BytesIO()
    desktop.observe().image.save(buffer, "PNG")
    return {"screenshot": buffer.getvalue(), "accessibility_tree": None, "terminal": None}


def _execute(desktop, command: str) -> None:
    """As OSWorld's PythonController.execute_python_command does on its VM."""
    argv = [sys.executable, "-c", PREFIX.format(command=command)]
    subprocess.run(argv, env=desktop.display.child_env(), check=True, timeout=30)


def _replies(screen: tuple[int, int], *steps: A.Action) -> list[ScriptedTurn]:
    family = family_for(MODEL)
    return [scripted(family.wire(step, screen)) for step in steps]


def test_predicted_actions_move_the_pointer_where_the_reply_says(desktop):
    screen = desktop.screen_size
    turns = _replies(screen, A.Move(321, 234), A.Click(600, 410, "right"), A.Terminate("success"))
    with ScriptedModelServer(turns, VLLMConfig(model_id=MODEL)) as server:
        agent = OSWorldAgent(Settings(model=ModelConfig(model_url=server.url)))
        agent.reset()
        response, actions = agent.predict("move the pointer", _obs(desktop))
        assert actions == ["pyautogui.moveTo(321, 234)"] and response
        _execute(desktop, actions[0])
        assert pointer(desktop) == (321, 234)
        _, actions = agent.predict("move the pointer", _obs(desktop))
        _execute(desktop, actions[0])
        desktop.perform(A.Key(("escape",)))  # close the menu the right click opened
        assert pointer(desktop) == (600, 410)
        _, actions = agent.predict("move the pointer", _obs(desktop))
        assert actions == [DONE]
        third = server.requests[-1]["messages"]
    assert len(third) > 2  # the conversation went on across predict calls


def test_a_reply_that_cannot_be_parsed_runs_nothing_and_is_fed_back(desktop):
    turns = [
        ScriptedTurn(content="I am not sure what to do."),
        *_replies((1, 1), A.Terminate("failure")),
    ]
    with ScriptedModelServer(turns, VLLMConfig(model_id=MODEL)) as server:
        agent = OSWorldAgent(Settings(model=ModelConfig(model_url=server.url)))
        assert agent.predict("do it", _obs(desktop))[1] == []
        assert agent.predict("do it", _obs(desktop))[1] == [FAIL]
        told = str(server.requests[-1]["messages"])
    assert "I am not sure what to do." in told


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (A.Click(5, 6, "left", 2), "pyautogui.click(5, 6, clicks=2, button='left')"),
        (
            A.Drag(1, 2, 3, 4),
            "pyautogui.moveTo(1, 2); pyautogui.dragTo(3, 4, duration=0.5, button='left')",
        ),
        (A.Scroll(7, 8, dy=-3), "pyautogui.scroll(-3, x=7, y=8)"),
        (A.Key(("ctrl", "s")), "pyautogui.hotkey('ctrl', 's')"),
        (A.Type("it's"), 'pyautogui.write("it\'s", interval=0.01)'),
        (A.Wait(1.0), "WAIT"),
        (A.Answer("42"), DONE),
    ],
)
def test_each_action_becomes_the_code_osworld_runs(action, code):
    assert pyautogui_code(action) == code


def test_a_phone_action_has_no_osworld_code():
    with pytest.raises(ValueError, match="OSWorld's desktop has no press HOME"):
        pyautogui_code(A.SystemButton("home"))
