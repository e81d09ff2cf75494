"""`agent run --mcp-config`: MCP tools next to computer_use in one request, each call routed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from tests.agent.test_cli import agent, run_dir_of, use
from tests.servers import model_requests

SERVER = str(Path(__file__).with_name("sample_server.py"))


def call(tool: str, **arguments) -> ScriptedTurn:
    return ScriptedTurn(reasoning=f"Using {tool}.", calls=(ScriptedCall(tool, arguments),))


def config(tmp_path: Path) -> Path:
    path = tmp_path / "mcp.json"
    notes = tmp_path / "notes"
    notes.mkdir()
    server = {"command": sys.executable, "args": [SERVER, str(notes)]}
    path.write_text(json.dumps({"mcpServers": {"notes": server}}))
    return path


def run_agent(
    tmp_path: Path, task: str, url: str, *flags: str, home: Path | None = None
) -> tuple[int, str, str]:
    """`agent run TASK` against the scripted server in structured tool calls, its records under
    tmp_path/runs: exit code, stdout, stderr."""
    runs = str(tmp_path / "runs")
    flags = ("--model-url", url, "--response-format", "tool_call", "--out", runs, *flags)
    process = agent("run", task, *flags, home=home)
    out, err = process.communicate(timeout=90)
    return process.returncode, out, err


def recorded_steps(err: str) -> list[dict]:
    """The steps of the run whose record `agent run` named on stderr."""
    lines = (run_dir_of(err) / "trajectory.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_model_mixes_mcp_tools_and_gui_actions(tmp_path):
    script = [
        call("notes__write_note", name="summary.md", text="# Summary\n3 files"),
        call("notes__swatch", red=0, green=200, blue=0),
        use(action="mouse_move", coordinate=[500, 500]),
        use(action="answer", text="done: 3 files"),
    ]
    with ScriptedModelServer(script) as server:
        code, out, err = run_agent(
            tmp_path,
            "summarize",
            server.url,
            "--mcp-config",
            str(config(tmp_path)),
            "--approve",
            "auto",
        )
        requests = model_requests(server)
    assert code == 0, err
    assert out.strip() == "done: 3 files"
    assert (tmp_path / "notes" / "summary.md").read_text() == "# Summary\n3 files"
    names = [tool["function"]["name"] for tool in requests[0]["tools"]]
    assert names[0] == "computer_use" and "notes__write_note" in names
    after_swatch = json.dumps(requests[2]["messages"])
    assert "An image from notes__swatch" in after_swatch
    run_dir = run_dir_of(err)
    steps = recorded_steps(err)
    first = steps[0]["actions"][0]
    assert (first["tool"], first["result"], first["error"]) == (
        "notes__write_note",
        "wrote summary.md",
        None,
    )
    (image,) = steps[1]["actions"][0]["images"]
    assert (run_dir / image).stat().st_size > 0
    assert steps[2]["actions"][0]["action"]["kind"] == "move"


@pytest.mark.parametrize("mode", ["read-only", None])
def test_destructive_tools_are_refused_without_a_person_and_the_model_is_told(tmp_path, mode):
    script = [
        call("notes__write_note", name="x.txt", text="no"),
        use(action="terminate", status="failure"),
    ]
    flags = ["--approve", mode] if mode else []
    with ScriptedModelServer(script) as server:
        _, _, err = run_agent(
            tmp_path, "t", server.url, "--mcp-config", str(config(tmp_path)), *flags
        )
        second = json.dumps(model_requests(server)[1]["messages"])
    assert not (tmp_path / "notes" / "x.txt").exists()
    assert "refused: notes__write_note may change things and --approve is read-only" in second
    assert "approval: read-only" in err


def test_app_tools_act_on_the_runs_own_display(tmp_path):
    note = tmp_path / "poem.txt"
    note.write_text("sea")
    script = [
        call("apps__launch_app", name="mousepad", args=[str(note)]),
        call("apps__list_windows"),
        use(action="terminate", status="success"),
    ]
    with ScriptedModelServer(script) as server:
        code, _, err = run_agent(
            tmp_path, "open the poem", server.url, "--app-tools", "--approve", "auto", home=tmp_path
        )
    assert code == 0, err
    steps = recorded_steps(err)
    launched = steps[0]["actions"][0]["result"]
    assert launched.startswith("launched Mousepad") and "poem.txt" in launched
    assert "poem.txt" in steps[1]["actions"][0]["result"]
    assert "poem.txt" in (steps[2]["observation"]["focused"] or "")


def test_summarize_csvs_in_a_workspace(tmp_path):
    """The issue's example: three CSVs (one with gaps, one past the read cap) summarised through
    the built-in filesystem server; the scripted model writes what the profiles told it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "sales.csv").write_text("month,amount\njan,10\nfeb,30\nmar,\n")
    (data / "costs.csv").write_text("month,amount\njan,4\nfeb,6\n")
    rows = "".join(f"{n},{n % 100}\n" for n in range(20000))
    (data / "visits.csv").write_text("day,count\n" + rows)
    assert (data / "visits.csv").stat().st_size > 64 * 1024
    names = ["costs.csv", "sales.csv", "visits.csv"]

    def reply(request):
        messages = request["messages"]
        done = sum(1 for m in messages if m["role"] == "tool")
        if done == 0:
            return call("files__search_files", pattern="*.csv")
        if done <= len(names):
            return call("files__csv_profile", path=names[done - 1])
        if done == len(names) + 1:
            tool_results = [m["content"] for m in messages if m["role"] == "tool"]
            profiles = [json.loads(result) for result in tool_results[1:]]
            lines = [
                f"- {p['file']}: {p['rows']} rows, {p['columns'][1]['name']} mean "
                f"{p['columns'][1]['mean']}, {p['columns'][1]['nulls']} missing"
                for p in profiles
            ]
            return call("files__write_file", path="summary.md", content="\n".join(lines) + "\n")
        return use(action="answer", text="wrote summary.md")

    with ScriptedModelServer(reply) as server:
        code, out, err = run_agent(
            tmp_path,
            "summarize CSVs in workspace",
            server.url,
            "--workspace",
            str(data),
            "--approve",
            "auto",
        )
    assert code == 0, err
    assert out.strip() == "wrote summary.md"
    assert (data / "summary.md").read_text() == (
        "- costs.csv: 2 rows, amount mean 5.0, 0 missing\n"
        "- sales.csv: 3 rows, amount mean 20.0, 1 missing\n"
        f"- visits.csv: 20000 rows, count mean {sum(n % 100 for n in range(20000)) / 20000}, "
        "0 missing\n"
    )
    steps = recorded_steps(err)
    calls = [s["actions"][0]["tool"] or s["actions"][0]["action"]["kind"] for s in steps]
    assert calls == [
        "files__search_files",
        *["files__csv_profile"] * 3,
        "files__write_file",
        "answer",
    ]


def test_on_a_terminal_the_person_is_asked_and_no_means_nothing_is_written(tmp_path):
    from tests.agent.test_takeover import Terminal

    script = [
        call("notes__write_note", name="x.txt", text="no"),
        use(action="terminate", status="failure"),
    ]
    with ScriptedModelServer(script) as server:
        term = Terminal(
            "t",
            "--model-url",
            server.url,
            "--response-format",
            "tool_call",
            "--out",
            str(tmp_path / "runs"),
            "--mcp-config",
            str(config(tmp_path)),
        )
        term.expect(
            r"MCP tool 'write_note' on server 'notes' wants to run with .*'x\.txt'.*\[y/N\]"
        )
        term.press("n\n")
        assert term.wait() == 1, term.output
        told = json.dumps(model_requests(server)[1]["messages"])
    assert "approval: ask" in term.output
    assert not (tmp_path / "notes" / "x.txt").exists()
    assert "refused by the user: notes__write_note" in told
