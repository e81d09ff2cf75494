"""What a person sees on the terminal when the run needs them: the whole approval question with
the status line paused, the answer recorded; a takeover printed as a step of a person."""

from __future__ import annotations

import json
import os
import re
import select
import sys
import time
from pathlib import Path

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from tests.agent.test_cli import run_dir_of, use
from tests.agent.test_takeover import Terminal
from tests.servers import model_requests

SERVER = str(Path(__file__).parents[1] / "tools" / "sample_server.py")


def _mcp_config(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    path = tmp_path / "mcp.json"
    server = {"command": sys.executable, "args": [SERVER, str(notes)]}
    path.write_text(json.dumps({"mcpServers": {"notes": server}}))
    return path


def _quiet_for(term: Terminal, seconds: float) -> str:
    """What the terminal printed during `seconds` (nothing, if the program waits for us)."""
    seen, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([term.fd], [], [], 0.1)
        if ready:
            seen += os.read(term.fd, 4096).decode(errors="replace")
    term.output += seen
    return seen


def _steps(term: Terminal) -> list[dict]:
    run_dir = run_dir_of(re.sub(r"\r(\x1b\[K)?", "\n", term.output))
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


def test_the_approval_question_stays_whole_until_answered_and_the_answer_is_kept(tmp_path):
    write = ScriptedCall("notes__write_note", {"name": "a.md", "text": "hello"})
    script = [
        ScriptedTurn(reasoning="Writing.", calls=(write,)),
        use(action="terminate", status="success"),
    ]
    with ScriptedModelServer(script) as server:
        term = Terminal(
            "t", "--model-url", server.url, "--out", str(tmp_path / "runs"),
            "--mcp-config", str(_mcp_config(tmp_path)),
        )  # fmt: skip
        term.expect(r"approval: ask")
        question = (
            "MCP tool 'write_note' on server 'notes' wants to run with "
            "{'name': 'a.md', 'text': 'hello'}. Allow? [y/N] "
        )
        term.expect(re.escape(question))
        after = _quiet_for(term, 1.6)  # the status line ticks every 0.5 s
        assert "\x1b[K" not in after and "[step" not in after, repr(after)
        term.press("y\n")
        term.expect("answer: yes, allowed")
        assert term.wait() == 0, term.output
    assert (tmp_path / "notes" / "a.md").read_text() == "hello"
    first = _steps(term)[0]["actions"][0]
    assert first["note"] == "approved by the user: notes__write_note"


def test_a_refusal_is_told_to_the_model_and_kept(tmp_path):
    write = ScriptedCall("notes__write_note", {"name": "b.md", "text": "no"})
    script = [
        ScriptedTurn(reasoning="Writing.", calls=(write,)),
        use(action="terminate", status="failure"),
    ]
    with ScriptedModelServer(script) as server:
        term = Terminal(
            "t", "--model-url", server.url, "--out", str(tmp_path / "runs"),
            "--mcp-config", str(_mcp_config(tmp_path)),
        )  # fmt: skip
        term.expect(r"Allow\? \[y/N\] ")
        term.press("n\n")
        term.expect("answer: no, refused")
        term.wait()
        second = json.dumps(model_requests(server)[1]["messages"])
    assert not (tmp_path / "notes" / "b.md").exists()
    assert "refused by the user: notes__write_note" in second
    assert _steps(term)[0]["actions"][0]["note"] == "refused by the user: notes__write_note"


def test_a_takeover_is_printed_as_a_step_of_a_person_and_costs_the_model_no_step(tmp_path):
    script = [
        use(action="answer", text="HUMAN NEEDED: solve the captcha"),
        use(action="terminate", status="success"),
    ]
    with ScriptedModelServer(script) as server:
        term = Terminal(
            "t", "--model-url", server.url, "--out", str(tmp_path), "--takeover",
            "--max-steps", "2",
        )  # fmt: skip
        term.expect(r"paused \(the model asked: solve the captcha\)")
        term.press()
        term.expect(r"\[step 2\] a person acted \(the model asked: solve the captcha\)")
        assert term.wait() == 0, term.output
    assert "not executed: None" not in term.output
    steps = _steps(term)
    assert [s["step"] for s in steps] == [1, 2, 3]  # the person's step is not the model's
    assert steps[2]["actions"][0]["action"] == {"kind": "terminate", "status": "success"}
