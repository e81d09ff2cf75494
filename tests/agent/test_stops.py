"""A run stopped in the middle of a reply's actions, by the time budget or a real signal sent to
a real `agent run`: the reply is recorded with what ran and what did not, the ending names what
stopped it, and `--resume` continues without asking the model for that step again."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from tests.agent.test_cli import agent, run_dir_of, use
from tests.servers import model_requests


def reply(*actions: dict[str, object]) -> ScriptedTurn:
    return ScriptedTurn(
        reasoning="Several things at once.",
        calls=tuple(ScriptedCall("computer_use", a) for a in actions),
    )


def steps_of(run_dir: Path) -> list[dict[str, object]]:
    lines = (run_dir / "trajectory.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def results_of(step: dict[str, object]) -> list[str]:
    return [a["result"] for a in step["actions"]]  # type: ignore[index, union-attr]


def test_the_time_budget_stops_a_reply_between_its_actions(tmp_path):
    waits = [{"action": "wait", "time": 1} for _ in range(8)]
    keys = [{"action": "type", "text": "abc"}, {"action": "key", "keys": ["ctrl", "a"]}]
    with ScriptedModelServer([reply(*keys, *waits)]) as server:
        process = agent(
            "run", "many actions", "--model-url", server.url, "--out", str(tmp_path),
            "--no-check-images", "--timeout", "3",
        )  # fmt: skip
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    run_dir = run_dir_of(err)
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["reason"]) == ("timeout", "the 3 s time budget ran out")
    assert result["seconds"] < 5
    assert "timeout: the 3 s time budget ran out" in err
    (step,) = steps_of(run_dir)
    results = results_of(step)
    assert len(results) == 10
    assert results[:3] == ["done", "done", "done"]
    ran = [r for r in results if r == "done" or r.startswith("waited ")]
    assert results[len(ran) :] == ["not executed: the time budget ran out before this action"] * (
        10 - len(ran)
    )
    assert len(ran) < 6
    assert step["usage"]["completion_tokens"] > 0  # type: ignore[index]


def test_a_long_wait_is_cut_at_the_time_budget(tmp_path):
    with ScriptedModelServer([reply({"action": "wait", "time": 60})]) as server:
        process = agent(
            "run", "wait", "--model-url", server.url, "--out", str(tmp_path),
            "--no-check-images", "--timeout", "2",
        )  # fmt: skip
        started = time.monotonic()
        _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert process.returncode == 1, err
    run_dir = run_dir_of(err)
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["reason"]) == ("timeout", "the 2 s time budget ran out")
    assert result["seconds"] < 4
    (step,) = steps_of(run_dir)
    (said,) = results_of(step)
    assert said.startswith("waited ") and said.endswith("of 60 s: the time budget ran out")


@pytest.mark.parametrize(("sig", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
def test_a_signal_during_the_actions_keeps_the_reply_and_resume_does_not_ask_again(
    tmp_path, sig, name
):
    first = reply(
        {"action": "mouse_move", "coordinate": [100, 100]},
        {"action": "wait", "time": 30},
        {"action": "mouse_move", "coordinate": [900, 900]},
    )
    with ScriptedModelServer([first]) as server:
        process = agent(
            "run", "move, wait, move", "--model-url", server.url, "--out", str(tmp_path),
            "--no-check-images",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not server.replies_served and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3)  # the first move has run; the long wait is under way
        process.send_signal(sig)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1, err
    run_dir = run_dir_of(err)
    how = "SIGTERM" if name == "SIGTERM" else "the user (Ctrl-C)"
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["reason"]) == ("interrupted", f"stopped by {how}")
    assert f"interrupted: stopped by {how}" in err
    assert f"stopped by {name}; continue with: agent run --resume {run_dir}" in err
    (kept,) = steps_of(run_dir)
    assert results_of(kept) == [
        "done",
        f"not executed to the end: the run was stopped by {how} during it",
        f"not executed: the run was stopped by {how} before this action",
    ]
    kept_tokens = kept["usage"]["completion_tokens"]  # type: ignore[index]
    assert kept_tokens > 0 and result["usage"]["completion_tokens"] == kept_tokens

    with ScriptedModelServer([use(action="terminate", status="success")]) as server:
        process = agent("run", "--resume", str(run_dir), "--model-url", server.url)
        _, err = process.communicate(timeout=60)
        requests = model_requests(server)
    assert process.returncode == 0, err
    assert len(requests) == 1  # the kept reply is not asked for again
    steps = steps_of(run_dir)
    assert [s["step"] for s in steps] == [1, 2]
    assert steps[0] == kept
    said = json.dumps(requests[0]["messages"])
    assert '\\"coordinate\\": [900, 900]' in said  # the kept reply, in the history
    assert f"not executed: the run was stopped by {how} before this action" in said
    assert "resumed on a fresh screen" in said
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "success" and result["steps"] == 2
    total = sum(s["usage"]["completion_tokens"] for s in steps)  # type: ignore[index]
    assert result["usage"]["completion_tokens"] == total > kept_tokens
