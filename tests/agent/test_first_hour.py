"""What a new user types first: help that teaches, the CSV example as typed, and resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.cli import parser
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from agent.workspace import choose
from tests.agent.test_cli import run_dir_of, use
from tests.servers import model_requests

ROOT = Path(__file__).resolve().parents[2]


def agent(*args: str, cwd: Path, home: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY")}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "agent.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def call(tool: str, **arguments: object) -> ScriptedTurn:
    return ScriptedTurn(reasoning=f"Using {tool}.", calls=(ScriptedCall(tool, arguments),))


def test_run_help_opens_with_a_description_and_two_examples(tmp_path):
    process = agent("run", "--help", cwd=tmp_path, home=tmp_path)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    head = out.split("options:")[0]
    assert "Carry out one task" in head
    examples = head.split("examples:")[1].splitlines()
    examples = [line for line in examples if line.strip().startswith("agent run ")]
    assert len(examples) == 2


def test_every_run_option_says_its_default():
    run = parser().command_parsers["run"]  # type: ignore[attr-defined]
    missing = [
        action.option_strings[0]
        for action in run._actions
        if action.option_strings and action.dest != "help" and "default" not in (action.help or "")
    ]
    assert missing == []


def test_run_without_a_task_prints_the_usage_of_run(tmp_path):
    process = agent("run", cwd=tmp_path, home=tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert err.startswith("usage: agent run TASK")
    assert "agent run needs a TASK, or --resume RUN_DIR" in err


def test_config_show_names_the_real_defaults(tmp_path):
    process = agent(
        "config", "show", "--model", "qwen3-vl-8b-instruct", cwd=tmp_path, home=tmp_path / "home"
    )
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    rows = {line.split()[0]: line for line in out.splitlines() if line and line[0] != " "}
    assert "None" not in out
    assert "5037" in rows["adb-port"]
    assert "the first one the server lists" not in rows["model"]  # given: its value
    assert "ask on a terminal, else read-only" in rows["approve"]
    assert f"{tmp_path} " in rows["workspace"] and "(the working directory)" in rows["workspace"]


def test_the_default_workspace_is_never_the_home_folder(tmp_path):
    (tmp_path / "project").mkdir()
    assert choose(None, tmp_path, tmp_path).root is None
    assert choose(None, tmp_path / "project", tmp_path).root == tmp_path / "project"
    (tmp_path / "project" / "workspace").mkdir()
    inner = choose(None, tmp_path / "project", tmp_path).root
    assert inner == tmp_path / "project" / "workspace"
    assert choose(tmp_path, tmp_path / "project", tmp_path).root == tmp_path


def test_summarize_csvs_in_workspace_works_as_typed(tmp_path):
    """In a folder of CSVs, with no flag but the server's URL: the file tools are offered on
    that folder, the model is told so, the note says what is writable, and the answer is the
    summary the model made from the files."""
    folder = tmp_path / "sales"
    folder.mkdir()
    (folder / "jan.csv").write_text("item,amount\ntea,4\ncake,6\n")
    (folder / "feb.csv").write_text("item,amount\ntea,5\n")

    script = [
        call("files__csv_profile", path="jan.csv"),
        call("files__csv_profile", path="feb.csv"),
        use(action="answer", text="jan.csv: 2 rows of tea and cake; feb.csv: 1 row of tea"),
    ]

    with ScriptedModelServer(script) as server:
        process = agent(
            "run", "summarize CSVs in workspace", "--model-url", server.url,
            "--out", str(tmp_path / "runs"),
            cwd=folder, home=tmp_path,
        )  # fmt: skip
        out, err = process.communicate(timeout=120)
        requests = model_requests(server)
    assert process.returncode == 0, err
    assert out.strip() == "jan.csv: 2 rows of tea and cake; feb.csv: 1 row of tea"
    assert f"workspace: {folder} (read-only: nobody at a terminal to approve writes" in err
    first = json.dumps(requests[0])
    assert "files__csv_profile" in first and "files__write_file" in first
    assert f"The folder {folder} is your workspace" in first
    second = json.dumps(requests[2])  # what the profiles told the model reached it
    assert '\\"rows\\": 2' in second and '\\"rows\\": 1' in second
    assert sorted(p.name for p in folder.iterdir()) == ["feb.csv", "jan.csv"]


def test_started_in_the_home_folder_a_run_offers_no_file_tools_and_says_so(tmp_path):
    with ScriptedModelServer([use(action="answer", text="ok")]) as server:
        process = agent(
            "run", "t", "--model-url", server.url, "--out", str(tmp_path / "runs"),
            cwd=tmp_path, home=tmp_path,
        )  # fmt: skip
        _, err = process.communicate(timeout=60)
        requests = model_requests(server)
    assert process.returncode == 0, err
    assert "note: no workspace:" in err and "--workspace DIR" in err
    assert "is your workspace" not in json.dumps(requests[0]["messages"])


def _interrupt(server: ScriptedModelServer, tmp_path: Path, folder: Path, sig: int) -> str:
    process = agent(
        "run", "slow", "--model-url", server.url, "--out", str(tmp_path / "runs"),
        "--no-check-images", cwd=folder, home=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(server.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1, err
    return err


def test_ctrl_c_prints_the_resume_command_and_sigterm_is_named(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    for sig, name in ((signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")):
        script = [use(action="mouse_move", coordinate=[100, 100]), use(action="wait", time=0)]
        with ScriptedModelServer(script, faults={1: "slow:30"}) as server:
            err = _interrupt(server, tmp_path, folder, sig)
        run_dir = run_dir_of(err)
        assert f"stopped by {name}; continue with: agent run --resume {run_dir}" in err


def test_resume_restores_the_run_settings_and_warns_of_the_fresh_desktop(tmp_path):
    """Resumed from another folder with no flags: the model URL and the workspace are the
    record's, the desktop is said to be fresh, and a finished run is not resumed again."""
    folder = tmp_path / "work"
    folder.mkdir()
    script = [
        use(action="mouse_move", coordinate=[100, 100]),
        use(action="wait", time=0),
        use(action="answer", text="resumed"),
    ]
    with ScriptedModelServer(script, faults={1: "slow:30"}) as server:
        run_dir = run_dir_of(_interrupt(server, tmp_path, folder, signal.SIGINT))
        header = json.loads((run_dir / "run.json").read_text())
        assert header["workspace"] == str(folder) and header["model_url"] == server.url
        process = agent(
            "run", "--resume", str(run_dir), "--no-check-images", cwd=tmp_path, home=tmp_path
        )
        out, err = process.communicate(timeout=90)
        requests = model_requests(server)
    assert process.returncode == 0, err
    assert out.strip() == "resumed"
    assert f"resuming {run_dir} on a fresh desktop" in err
    assert f"workspace: {folder} (" in err  # the record's, not the new working directory's
    assert "files__csv_profile" in json.dumps(requests[-1])
    finished = agent("run", "--resume", str(run_dir), cwd=tmp_path, home=tmp_path)
    _, err = finished.communicate(timeout=30)
    assert finished.returncode == 1
    assert "has finished (success): there is nothing to resume" in err


def test_resume_with_a_new_task_is_refused(tmp_path):
    process = agent("run", "another task", "--resume", str(tmp_path), cwd=tmp_path, home=tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--resume continues the recorded task" in err and "usage: agent run" in err
