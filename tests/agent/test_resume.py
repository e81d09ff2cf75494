"""`agent run --resume`: a run killed between steps continues as one trajectory."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from agent.scripted import ScriptedModelServer, VLLMConfig
from tests.agent.test_cli import agent, run_dir_of, use
from tests.servers import model_requests


def xvfb_of(pid: int) -> list[int]:
    """The Xvfb processes started by process `pid` (other tests may run displays meanwhile)."""
    found = subprocess.run(["pgrep", "-x", "-P", str(pid), "Xvfb"], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_killed_run_resumes_into_one_continuous_trajectory(tmp_path):
    first = [use(action="mouse_move", coordinate=[100, 100]), use(action="wait", time=0)]
    with ScriptedModelServer(first, faults={1: "slow:30"}) as server:
        process = agent(
            "run",
            "two moves and done",
            "--model-url",
            server.url,
            "--out",
            str(tmp_path),
            "--no-check-images",
        )
        assert wait_until(lambda: len(server.requests) == 2, 30)
        displays = xvfb_of(process.pid)
        assert displays, "the run has no Xvfb of its own"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    (run_dir,) = tmp_path.iterdir()
    assert not (run_dir / "result.json").exists()
    assert wait_until(lambda: not any(map(alive, displays))), "the killed run left its Xvfb"

    rest = [
        use(action="mouse_move", coordinate=[900, 900]),
        use(action="terminate", status="success"),
    ]
    with ScriptedModelServer(rest) as server:
        process = agent("run", "--resume", str(run_dir), "--model-url", server.url)
        _, err = process.communicate(timeout=60)
        resumed_request = model_requests(server)[0]
    assert process.returncode == 0, err
    assert run_dir_of(err) == run_dir
    steps = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2, 3]
    assert [s["actions"][0]["action"]["kind"] for s in steps] == ["move", "move", "terminate"]
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["steps"]) == ("success", 3)
    messages = resumed_request["messages"]
    assert "two moves and done" in json.dumps(messages[1])
    # the makers' conversation: the first reply comes back as assistant text, no tool message
    assert messages[2]["role"] == "assistant"
    said = messages[2]["content"][0]["text"]
    assert '"action": "mouse_move", "coordinate": [100, 100]' in said
    assert not any(m["role"] == "tool" for m in messages)
    images = json.dumps(messages).count("data:image/jpeg;base64")
    assert images == 2  # the first step's screenshot from disk, and the new one
    assert "resumed_at" in json.loads((run_dir / "run.json").read_text())


def test_resume_needs_a_run_directory(tmp_path):
    process = agent("run", "--resume", str(tmp_path), "--model-url", "http://127.0.0.1:9/v1")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "is not a run directory" in err


def test_resume_keeps_the_mcp_tools_and_the_thinking_setting_of_the_record(tmp_path):
    """Run with an MCP config file and --no-thinking, stopped, resumed with neither flag: the
    resumed requests carry the same tools and the same thinking switch."""
    from tests.agent.test_console_prompts import _mcp_config

    config = VLLMConfig(model_id="Qwen/Qwen3.5-9B")
    first = [use(action="mouse_move", coordinate=[100, 100]), use(action="wait", time=0)]
    with ScriptedModelServer(first, config, faults={1: "slow:30"}) as server:
        process = agent(
            "run", "use the notes", "--model-url", server.url, "--out", str(tmp_path / "runs"),
            "--mcp-config", str(_mcp_config(tmp_path)), "--no-thinking", "--no-check-images",
        )  # fmt: skip
        assert wait_until(lambda: len(server.requests) == 2, 30)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        (before, _) = model_requests(server)
    run_dir = run_dir_of(err)
    with ScriptedModelServer([use(action="terminate", status="success")], config) as server:
        process = agent(
            "run", "--resume", str(run_dir), "--model-url", server.url, "--no-check-images"
        )
        _, err = process.communicate(timeout=90)
        (after,) = model_requests(server)
    assert process.returncode == 0, err
    tools_line = next(line for line in err.splitlines() if line.startswith("MCP tools: "))
    assert "notes__write_note" in tools_line
    assert before["chat_template_kwargs"] == after["chat_template_kwargs"]
    assert after["chat_template_kwargs"] == {"enable_thinking": False}
    assert before.get("tools") == after.get("tools")
    system = before["messages"][0]
    assert system["role"] == "system" and "notes__write_note" in json.dumps(system)
    assert after["messages"][0] == system  # the same tool schemas, in the same prompt
