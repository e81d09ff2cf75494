"""The loop end to end: a real virtual desktop, real apps, the model served over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from agent import actions as A
from agent.builder import family_for
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import Settings
from agent.trajectory import Recorder, read_trajectory
from tests.environments.desktop.helpers import pointer


def use(**arguments) -> ScriptedTurn:
    return ScriptedTurn(
        reasoning=f"I will {arguments['action']}.", calls=(ScriptedCall("computer_use", arguments),)
    )


DONE = use(action="terminate", status="success")
THINKING = "Qwen/Qwen3-VL-8B-Thinking"


def run_loop(desktop, server, tmp_path, *, model="", max_steps=10, **qwen):
    client = ModelClient(
        ModelSettings(base_url=server.url, retry_base_delay=0.01, model=model or None)
    )
    # an output length that fits beside the prompt on the stand-in's 32k server
    protocol = family_for(
        client.model, settings=Settings().with_values({"max_tokens": 8192, **qwen})
    )
    recorder = Recorder(tmp_path / "runs")
    loop = AgentLoop(desktop, client, protocol, LoopSettings(max_steps=max_steps), [recorder])
    return loop.run("a test task", {"model": client.model}), recorder.dir


@pytest.mark.parametrize(
    ("model", "grid", "coordinate", "expected"),
    [
        ("Qwen/Qwen3-VL-8B-Instruct", "relative", [250, 750], (320, 600)),
        ("Qwen/Qwen3-VL-8B-Instruct", "relative", [1000, 1000], (1279, 799)),
        ("Qwen/Qwen2.5-VL-7B-Instruct", "absolute", [630, 392], (640, 400)),
        ("Qwen/Qwen2.5-VL-7B-Instruct", "absolute", [1259, 0], (1279, 0)),
    ],
)
def test_the_pointer_lands_where_the_grid_says(
    desktop, tmp_path, model, grid, coordinate, expected
):
    config = VLLMConfig(model_id=model)
    with ScriptedModelServer(
        [use(action="mouse_move", coordinate=coordinate), DONE], config
    ) as server:
        result, run_dir = run_loop(desktop, server, tmp_path)
    assert result.status == "success", result.reason
    assert pointer(desktop) == expected
    steps = read_trajectory(run_dir)
    assert steps[0]["actions"][0]["action"] == {"kind": "move", "x": expected[0], "y": expected[1]}
    run = json.loads((run_dir / "run.json").read_text())
    assert run["model"] == model


def test_bad_model_output_is_fed_back_and_never_executed(desktop, tmp_path):
    desktop.execute_move = None
    start = (11, 22)
    seen: list[tuple[int, int]] = []
    script = [
        ScriptedTurn(content="I should click the button."),
        ScriptedTurn(
            raw='<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
            '"coordinate": [500, 500}\n</tool_call>'
        ),
        use(action="mouse_move", coordinate=[500, 500]),
        use(action="fly", coordinate=[900, 900]),
        use(action="left_click"),
        DONE,
    ]

    def reply(request):
        seen.append(pointer(desktop))
        return script[len(seen) - 1]

    desktop.execute(A.Move(*start))
    with ScriptedModelServer(reply) as server:
        # the structured format keeps every feedback message in the history
        result, run_dir = run_loop(desktop, server, tmp_path, response_format="tool_call")
        requests = server.requests
    assert result.status == "success", result.reason
    assert seen == [start, start, start, (640, 400), (640, 400), (640, 400)]
    feedback = [
        m["content"][0]["text"]
        for m in requests[-1]["messages"]
        if m["role"] == "user" and "could not be executed" in json.dumps(m)
    ]
    assert len(feedback) == 3
    assert "no tool call" in feedback[0]
    assert "not valid JSON" in feedback[1]
    assert "unknown action 'fly'" in feedback[2]
    steps = read_trajectory(run_dir)
    # a left_click without a coordinate clicks at the pointer, as the makers' executors do
    assert [s["error"] is not None for s in steps] == [True, True, False, True, False, False]
    assert all(s["actions"] == [] for s in steps if s["error"])


def test_three_unusable_replies_in_a_row_end_the_run(desktop, tmp_path):
    script = [ScriptedTurn(content=f"thinking aloud {n}") for n in range(3)]
    with ScriptedModelServer(script) as server:
        result, run_dir = run_loop(desktop, server, tmp_path)
    assert result.status == "parse_failures"
    assert "3 replies in a row" in result.reason
    saved = json.loads((run_dir / "result.json").read_text())
    assert saved["status"] == "parse_failures" and saved["steps"] == 3


CONFIGS = {
    # thinking models, so that each configuration's reasoning field is exercised
    "hermes": VLLMConfig(model_id=THINKING),
    "qwen3.5": VLLMConfig(
        model_id="Qwen/Qwen3.5-35B-A3B",
        tool_parser="qwen3_coder",
        model_format="qwen3_coder",
        think_open_tag=False,
    ),
    "no parsers": VLLMConfig(model_id=THINKING, reasoning_parser=None, tool_parser=None),
    "reasoning_content": VLLMConfig(model_id=THINKING, reasoning_parser="reasoning_content"),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_runs_work_with_every_server_configuration_and_are_recorded(desktop, tmp_path, name):
    script = [use(action="mouse_move", coordinate=[100, 100]), use(action="answer", text="4")]
    with ScriptedModelServer(script, CONFIGS[name]) as server:
        result, run_dir = run_loop(desktop, server, tmp_path)
    assert (result.status, result.answer, result.steps) == ("success", "4", 2)
    assert result.usage.prompt_tokens > 0
    steps = read_trajectory(run_dir)
    first = steps[0]
    assert first["reasoning"] == "I will mouse_move."
    assert first["tool_calls"][0]["arguments"] == {"action": "mouse_move", "coordinate": [100, 100]}
    assert first["usage"]["prompt_tokens"] > 0
    assert set(first["timings"]) >= {"observe", "encode", "model", "act", "settle"}
    image = Image.open(Path(run_dir) / first["screenshot"])
    assert list(image.size) == first["observation"]["image_size"]
    assert first["observation"]["screen_size"] == [1280, 800]
    saved = json.loads((run_dir / "result.json").read_text())
    assert (saved["status"], saved["answer"], saved["steps"]) == ("success", "4", 2)


def test_history_sends_few_screenshots_and_no_reasoning(desktop, tmp_path):
    moves = [use(action="mouse_move", coordinate=[100 + 50 * n, 100]) for n in range(8)]
    with ScriptedModelServer([*moves, DONE]) as server:
        result, _ = run_loop(desktop, server, tmp_path, history_images=3)
        requests = server.requests
    assert result.status == "success"
    counts = [json.dumps(r["messages"]).count("data:image/jpeg;base64") for r in requests]
    assert counts[:4] == [1, 2, 3, 4]
    assert max(counts) == 4 and min(counts[3:]) == 3
    assert all("I will" not in json.dumps(r["messages"]) for r in requests)


def test_a_model_writes_a_haiku_in_mousepad_and_saves_it(desktop, apps, tmp_path):
    """The issue's own example, with the model's clicks computed from the real window."""
    path = tmp_path / "haiku.txt"
    path.write_text("")
    apps(["mousepad", str(path)])
    window = desktop.wait_for_window("haiku.txt")
    grid = family_for("Qwen/Qwen3.5-9B").grid(desktop.screen_size)
    haiku = "Grey waves fold <slowly>\nsalt wind — über die Düne\n海 the sea breathes out"
    script = [
        use(action="left_click", coordinate=list(grid.from_screen(*window.center))),
        use(action="type", text=haiku),
        use(action="key", keys=["ctrl", "s"]),
        DONE,
    ]
    config = VLLMConfig(
        model_id="Qwen/Qwen3.5-9B",
        tool_parser="qwen3_coder",
        model_format="qwen3_coder",
        think_open_tag=False,
    )
    with ScriptedModelServer(script, config) as server:
        result, run_dir = run_loop(desktop, server, tmp_path)
    assert result.status == "success", result.reason
    assert path.read_text() == haiku
    kinds = [s["actions"][0]["action"]["kind"] for s in read_trajectory(run_dir)]
    assert kinds == ["click", "type", "key", "terminate"]


def test_the_time_budget_ends_the_run(desktop, tmp_path):
    script = [use(action="wait", time=0), use(action="wait", time=0)]
    with ScriptedModelServer(script, faults={0: "slow:0.6"}) as server:
        client = ModelClient(ModelSettings(base_url=server.url))
        protocol = family_for(client.model, settings=Settings().with_values({"max_tokens": 8192}))
        loop = AgentLoop(desktop, client, protocol, LoopSettings(timeout=0.5))
        result = loop.run("slow task")
    assert (result.status, result.steps) == ("timeout", 1)
    assert "0.5 s time budget" in result.reason


def test_a_reply_cut_off_in_its_reasoning_is_reported_not_skipped(desktop, tmp_path):
    script = [ScriptedTurn(reasoning="pondering " * 40, truncated=True)] * 3
    with ScriptedModelServer(script) as server:
        result, run_dir = run_loop(desktop, server, tmp_path)
    assert result.status == "parse_failures"
    assert "cut off while you were still thinking" in result.reason
    steps = read_trajectory(run_dir)
    assert [s["finish_reason"] for s in steps] == ["length"] * 3
    assert all("cut off" in s["error"] for s in steps)
