"""`agent run` as a user runs it: a subprocess that starts its own virtual desktop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig
from tests.servers import model_requests

ROOT = Path(__file__).resolve().parents[2]


def use(**arguments) -> ScriptedTurn:
    return ScriptedTurn(reasoning="Looking.", calls=(ScriptedCall("computer_use", arguments),))


def agent(
    *args: str, home: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
    if home is not None:
        env["HOME"] = str(home)  # a fresh home: no ~/.Xauthority, no config
    env.update(extra_env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_dir_of(stderr: str) -> Path:
    line = next(line for line in stderr.splitlines() if line.startswith("run record: "))
    return Path(line.removeprefix("run record: "))


def test_a_run_answers_prints_the_answer_and_the_record(tmp_path):
    script = [use(action="mouse_move", coordinate=[500, 500]), use(action="answer", text="blue")]
    with ScriptedModelServer(script) as server:
        process = agent(
            "run", "what colour?", "--model-url", server.url, "--out", str(tmp_path / "runs"),
            home=tmp_path,
        )  # fmt: skip
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.strip() == "blue"
    run_dir = run_dir_of(err)
    assert run_dir.parent == tmp_path / "runs"
    assert not (tmp_path / ".Xauthority").exists()
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["answer"], result["steps"]) == ("success", "blue", 2)
    assert len((run_dir / "trajectory.jsonl").read_text().splitlines()) == 2
    header = json.loads((run_dir / "run.json").read_text())
    assert (header["family"], header["preset"]) == ("qwen", "qwen3-vl-8b-instruct")
    assert isinstance(header["format_version"], int)


def test_a_server_that_would_refuse_the_preset_is_reported_before_the_first_step(tmp_path):
    config = VLLMConfig(max_images=2, max_model_len=16384)
    with ScriptedModelServer([use(action="wait", time=0)], config) as server:
        process = agent(
            "run", "t", "--model-url", server.url, "--out", str(tmp_path), "--max-tokens", "20000"
        )
        _, err = process.communicate(timeout=60)
        served = server.replies_served
    assert process.returncode == 1
    assert served == 0 and not list(tmp_path.glob("*/trajectory.jsonl"))
    assert "the server would refuse this run" in err
    assert "asks for 20000 output tokens but the server's max_model_len is 16384" in err
    assert "--max-tokens 8192" in err
    assert "refuses 4 images per request" in err
    assert "--limit-mm-per-prompt '{\"image\": 4}'" in err and "--history-images 2" in err


def test_an_output_length_that_does_not_fit_beside_the_history_is_lowered_and_said(tmp_path):
    script = [use(action="terminate", status="success")]
    with ScriptedModelServer(script, VLLMConfig(max_model_len=32768)) as server:
        process = agent("run", "t", "--model-url", server.url, "--out", str(tmp_path))
        _, err = process.communicate(timeout=60)
        (request,) = model_requests(server)
    assert process.returncode == 0, err
    assert "does not fit beside a full history" in err
    assert 8000 < request["max_tokens"] < 32768


def test_a_failed_task_exits_non_zero(tmp_path):
    with ScriptedModelServer([use(action="terminate", status="failure")]) as server:
        process = agent("run", "impossible", "--model-url", server.url, "--out", str(tmp_path))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "failure: the model ended the task (failure)" in err


def test_the_step_budget_ends_the_run(tmp_path):
    script = [use(action="wait", time=0) for _ in range(3)]
    with ScriptedModelServer(script) as server:
        process = agent(
            "run", "loop", "--model-url", server.url, "--out", str(tmp_path), "--max-steps", "2"
        )
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    result = json.loads((run_dir_of(err) / "result.json").read_text())
    assert result["status"] == "max_steps" and result["steps"] == 2


def test_no_model_server_is_one_line_naming_the_url_and_the_fix(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    process = agent("run", "anything", "--model-url", url, "--out", str(tmp_path))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert f"no model server at {url}" in lines[0]
    assert "vllm serve" in lines[0]
    assert not any(tmp_path.iterdir())


def test_ctrl_c_stops_cleanly_and_keeps_the_trajectory(tmp_path):
    script = [use(action="mouse_move", coordinate=[100, 100]), use(action="wait", time=0)]
    with ScriptedModelServer(script, faults={1: "slow:30"}) as server:
        process = agent(
            "run", "slow", "--model-url", server.url, "--out", str(tmp_path), "--no-check-images"
        )
        deadline = time.monotonic() + 30
        while len(server.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.requests) == 2
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    run_dir = run_dir_of(err)
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "interrupted"
    steps = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1]
    assert steps[0]["actions"][0]["action"]["kind"] == "move"


def test_bad_flags_are_refused_with_the_expected_form():
    process = agent("run", "x", "--screen", "big")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "WIDTHxHEIGHT" in err


def test_verbose_streams_the_reasoning_and_prints_each_step(tmp_path):
    thought = "The pointer should go to the middle of the screen first."
    script = [
        ScriptedTurn(
            reasoning=thought,
            calls=(ScriptedCall("computer_use", {"action": "mouse_move", "coordinate": [5, 5]}),),
        ),
        use(action="terminate", status="success"),
    ]
    thinking = VLLMConfig(model_id="Qwen/Qwen3-VL-8B-Thinking")  # an Instruct model never thinks
    with ScriptedModelServer(script, thinking) as server:
        process = agent("run", "t", "--model-url", server.url, "--out", str(tmp_path), "-v")
        _, err = process.communicate(timeout=60)
        assert all(r.get("stream") is True for r in model_requests(server))
    assert process.returncode == 0, err
    assert thought in err
    assert "[step 1/30] move to (6, 4)" in err
    assert "success: the model ended the task (success)" in err


def test_attaching_to_an_existing_display_drives_that_display(desktop, tmp_path):
    script = [
        use(action="mouse_move", coordinate=[100, 900]),
        use(action="terminate", status="success"),
    ]
    env_display = ["--display", desktop.display.name]
    with ScriptedModelServer(script) as server:
        process = agent(
            "run", "t", "--model-url", server.url, "--out", str(tmp_path), *env_display,
            extra_env=desktop.display.env,
        )  # fmt: skip
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert desktop.observe().pointer == (128, 720)


def test_a_terminal_gets_a_live_status_line_and_a_pipe_gets_plain_lines(tmp_path):
    import pty

    script = [use(action="wait", time=0), use(action="terminate", status="success")]
    with ScriptedModelServer(script, faults={1: "slow:1.2"}) as server:
        pid, fd = pty.fork()
        if pid == 0:  # the child: agent on a terminal
            os.environ.pop("DISPLAY", None)
            os.execv(
                sys.executable,
                [
                    sys.executable,
                    "-m",
                    "agent.cli",
                    "run",
                    "t",
                    "--no-check-images",
                    "--model-url",
                    server.url,
                    "--out",
                    str(tmp_path),
                ],
            )
        output = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
    text = output.decode()
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "\r\x1b[K[step 2/30] thinking" in text
    assert "\r\x1b[K[step 1/30] observing" in text and "\r\x1b[K[step 1/30] settling" in text
    assert "tokens" in text
    assert "[step 1/30] wait 0s" in text
    with ScriptedModelServer(script) as server:
        process = agent("run", "t", "--model-url", server.url, "--out", str(tmp_path))
        _, err = process.communicate(timeout=60)
    assert "\r" not in err and "\x1b" not in err
    assert "[step 1/30] wait 0s" in err


def test_record_video_writes_an_mp4_of_the_display(tmp_path):
    script = [use(action="mouse_move", coordinate=[100 * n, 500]) for n in range(1, 6)]
    script.append(use(action="terminate", status="success"))
    with ScriptedModelServer(script) as server:
        process = agent(
            "run", "t", "--model-url", server.url, "--out", str(tmp_path), "--record-video"
        )
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    video = run_dir_of(err) / "screen.mp4"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,codec_name:format=duration", "-of", "json", str(video)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    stream = info["streams"][0]
    assert (stream["width"], stream["height"], stream["codec_name"]) == (1280, 800, "h264")
    assert float(info["format"]["duration"]) > 0
