"""The X server killed in the middle of an action: the run ends with a reason that says so and
a complete record of the step (not an internal error).

The scenario runs in a process of its own (one desktop per process), which prints the run's
record directory: `python -m tests.environments.desktop.test_display_dies DIR`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from agent.builder import family_for
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from agent.settings import Settings
from agent.trajectory import Recorder
from environments.base import ActionResult
from environments.desktop import DesktopEnvironment, DesktopSettings

MODEL = "Qwen/Qwen3-VL-8B-Instruct"


class _DiesAfterActing(DesktopEnvironment):
    def perform(self, action):  # type: ignore[no-untyped-def]
        result: ActionResult = super().perform(action)
        xvfb = self.display._processes[0]
        xvfb.send_signal(signal.SIGKILL)
        xvfb.wait(10)
        return result


def scenario(out: Path) -> Path:
    """One click on a desktop whose Xvfb is killed right after the click; the record's dir."""
    click = ScriptedCall("computer_use", {"action": "left_click", "coordinate": [500, 500]})
    with (
        ScriptedModelServer([ScriptedTurn(calls=(click,))] * 2) as server,
        _DiesAfterActing(DesktopSettings(screen=(640, 400))) as env,
    ):
        client = ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))
        settings = Settings().with_values({"max_tokens": 1024, "response_format": "tool_call"})
        recorder = Recorder(out)
        family = family_for(MODEL, settings=settings)
        AgentLoop(env, client, family, LoopSettings(), [recorder]).run("click once")
    return recorder.dir


def test_xvfb_killed_during_an_action_ends_the_run_with_a_clear_reason(tmp_path: Path) -> None:
    module = "tests.environments.desktop.test_display_dies"
    root = str(Path(__file__).parents[3])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-P", "-m", module, str(tmp_path / "runs")],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    saved = json.loads((run_dir / "result.json").read_text())
    assert saved["status"] == "error"
    assert "internal error" not in saved["reason"]
    assert "is gone while the screen settled" in saved["reason"]
    lines = (run_dir / "trajectory.jsonl").read_text().splitlines()
    steps = [json.loads(line) for line in lines]
    assert any("left_click" in json.dumps(step) and "is gone" in json.dumps(step) for step in steps)


if __name__ == "__main__":
    print(scenario(Path(sys.argv[1])))
