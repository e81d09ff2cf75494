"""Watching over VNC and taking over from the terminal, as a person would."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sys
import time
from pathlib import Path

from agent.scripted import ScriptedModelServer
from tests.agent.test_cli import agent, run_dir_of, use
from tests.environments.desktop.rfb import RFBClient

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """`agent run` on a pseudo-terminal: read what it prints, press keys."""

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.pop("DISPLAY", None)
            os.chdir(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "agent.cli", "run", *args])
        self.output = ""

    def expect(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output)
            if match:
                return match
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} never appeared in:\n{self.output}")

    def press(self, key: str = " ") -> None:
        os.write(self.fd, key.encode())

    def wait(self) -> int:
        while True:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk.decode(errors="replace")
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def test_a_person_pauses_the_run_acts_over_vnc_and_hands_back(tmp_path):
    script = [use(action="wait", time=0), use(action="terminate", status="success")]
    with ScriptedModelServer(script, faults={0: "slow:1.5"}) as server:
        term = Terminal(
            "t",
            "--model-url",
            server.url,
            "--out",
            str(tmp_path),
            "--vnc",
            "--takeover",
            "--no-check-images",
        )
        watch = term.expect(r"watch: vnc://127\.0\.0\.1:(\d+) \(view and control\), password (\w+)")
        port, password = int(watch.group(1)), watch.group(2)
        term.expect("press any key to pause")
        term.expect(r"\[step 1/30\] thinking")
        term.press()  # while the model thinks about step 1
        term.expect(r"paused \(a person pressed a key\)")
        client = RFBClient(port, password)
        client.point(333, 444)  # the person acts on the display
        time.sleep(0.3)
        client.close()
        term.press()
        term.expect("resumed")
        code = term.wait()
        last_request = server.requests[-1]
    assert code == 0, term.output
    run_dir = run_dir_of(re.sub(r"\r(\x1b\[K)?", "\n", term.output))
    steps = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2, 3]
    assert steps[1]["request"] == {"human": True, "reason": "a person pressed a key"}
    assert steps[2]["observation"]["pointer"] == [333, 444]
    assert "A person used the screen" in json.dumps(last_request["messages"])


def test_a_model_asking_for_a_person_fails_with_the_reason_when_nobody_can_take_over(tmp_path):
    script = [use(action="answer", text="HUMAN NEEDED: log in to the bank with your password")]
    with ScriptedModelServer(script) as server:
        process = agent("run", "pay the bill", "--model-url", server.url, "--out", str(tmp_path))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    result = json.loads((run_dir_of(err) / "result.json").read_text())
    assert result["status"] == "failure"
    assert result["reason"] == "the model needs a person: log in to the bank with your password"


def test_a_model_asking_for_a_person_pauses_on_a_terminal(tmp_path):
    script = [
        use(action="answer", text="HUMAN NEEDED: solve the captcha"),
        use(action="terminate", status="success"),
    ]
    with ScriptedModelServer(script) as server:
        term = Terminal("t", "--model-url", server.url, "--out", str(tmp_path), "--takeover")
        term.expect(r"paused \(the model asked: solve the captcha\)")
        term.press()
        assert term.wait() == 0, term.output
