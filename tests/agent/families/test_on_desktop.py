"""Each new family end to end on a real virtual desktop: a real mousepad, the model served over
real HTTP answering in the family's own reply format (the composed family: a planner server
and a grounding server), the file on disk checked, and the trajectory's record of each step."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import actions as A
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.trajectory import Recorder, read_trajectory
from tests.agent.families.helpers import family
from tests.environments.desktop.helpers import ready, wait_until

TEXT = "Grey waves fold <slowly>\nsalt wind — über die Düne"
MODELS = {
    "ui-tars": "ByteDance-Seed/UI-TARS-1.5-7B",
    "opencua": "xlangai/OpenCUA-7B",
    "gui-owl": "mPLUG/GUI-Owl-1.5-8B-Instruct",
}
KINDS = ["click", "type", "key", "terminate"]


def _client(server: ScriptedModelServer) -> ModelClient:
    return ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))


def _edit(desktop, apps, tmp_path) -> tuple[Path, tuple[int, int]]:
    path = tmp_path / "note.txt"
    path.write_text("")
    apps(["mousepad", str(path)])
    return path, ready(desktop, "note.txt").center


def _saved(path: Path, expected: str) -> str:
    """The file once mousepad has written `expected` (at most 5 s after the run)."""
    wait_until(lambda: path.read_text() == expected)
    return path.read_text()


def _run(desktop, model_server, tmp_path, family_):
    recorder = Recorder(tmp_path / "runs")
    settings = LoopSettings(max_steps=8)
    loop = AgentLoop(desktop, _client(model_server), family_, settings, [recorder])
    return loop.run("Write the poem in the editor and save it", {}), recorder.dir


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_family_writes_a_file_in_mousepad(name, desktop, apps, tmp_path):
    path, center = _edit(desktop, apps, tmp_path)
    chosen = family(name, MODELS[name])
    steps = [A.Click(*center), A.Type(TEXT), A.Key(("ctrl", "s")), A.Terminate("success")]
    script = [ScriptedTurn(raw=chosen.wire(s, desktop.screen_size).content) for s in steps]
    config = VLLMConfig(model_id=MODELS[name], reasoning_parser=None, tool_parser=None)
    with ScriptedModelServer(script, config) as server:
        result, run_dir = _run(desktop, server, tmp_path, chosen)
    assert result.status == "success", result.reason
    assert _saved(path, TEXT) == TEXT
    records = read_trajectory(run_dir)
    assert [r["actions"][0]["action"]["kind"] for r in records] == KINDS
    assert records[0]["request"]["tools"] == []  # the action format is in the prompt


def test_a_malformed_reply_is_fed_back_and_never_run(desktop, apps, tmp_path):
    path, center = _edit(desktop, apps, tmp_path)
    cua = family("opencua", MODELS["opencua"])
    marker = tmp_path / "pwned"
    bad = (
        f"## Action:\nclean up\n\n## Code:\n```python\nimport os\nos.system('touch {marker}')\n```"
    )
    steps = [A.Click(*center), A.Type("ok"), A.Key(("ctrl", "s")), A.Terminate("success")]
    script = [ScriptedTurn(raw=bad)]
    script += [ScriptedTurn(raw=cua.wire(s, desktop.screen_size).content) for s in steps]
    with ScriptedModelServer(script, VLLMConfig(tool_parser=None)) as server:
        result, run_dir = _run(desktop, server, tmp_path, cua)
    assert result.status == "success" and _saved(path, "ok") == "ok"
    assert not marker.exists()
    first = read_trajectory(run_dir)[0]
    assert "line 1 is not a call (Import)" in first["error"]


def test_the_composed_family_plans_on_one_server_and_grounds_on_another(desktop, apps, tmp_path):
    path, (x, y) = _edit(desktop, apps, tmp_path)
    width, height = desktop.screen_size
    planner = [
        "Thought: The editor is open.\nAction: click\nTarget: the text area of the editor",
        "Action: type\nText: " + TEXT.replace("\n", "\\n"),
        "Action: key\nKeys: ctrl+s",
        "Action: terminate\nStatus: success",
    ]
    point = f"({round(x * 1000 / width)}, {round(y * 1000 / height)})"  # Qwen3-VL's 0..1000 grid
    # served as the Qwen3.5 card says: 262,144 tokens of context
    plan_config = VLLMConfig(model_id="Qwen/Qwen3.5-27B", tool_parser=None, max_model_len=262144)
    ground_config = VLLMConfig(model_id="Qwen/Qwen3-VL-8B-Instruct", tool_parser=None)
    with (
        ScriptedModelServer([ScriptedTurn(raw=p) for p in planner], plan_config) as plan,
        ScriptedModelServer([ScriptedTurn(raw=point)], ground_config) as ground,
    ):
        composed = family("composed", "Qwen/Qwen3.5-27B", grounding=_client(ground))
        result, run_dir = _run(desktop, plan, tmp_path, composed)
    assert result.status == "success", result.reason
    assert _saved(path, TEXT) == TEXT
    click = read_trajectory(run_dir)[0]["actions"][0]
    assert click["call"]["arguments"]["planner"]["model"] == "Qwen/Qwen3.5-27B"
    (grounded,) = click["call"]["arguments"]["grounding"]
    assert grounded["model"] == "Qwen/Qwen3-VL-8B-Instruct"
    assert grounded["url"] == ground.url
    assert abs(click["action"]["x"] - x) <= 1 and abs(click["action"]["y"] - y) <= 1
