"""An OSWorld suite, in OSWorld's format, run by `agent bench --oracle` on a real desktop: a
download from a local HTTP server into the cache, `sudo -S` in the task's home, placeholders,
`python` with pyautogui at OSWorld's screen size, launch / activate_window / close_window, the
Ctrl+Alt+T terminal, a postconfig typing through pyautogui, and several metrics combined."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    files = tmp_path / "served"
    files.mkdir()
    (files / "data.txt").write_text("from the server\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def command(line: str, expected: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        {"type": "vm_command_line", "command": line, "shell": True},
        {"type": "rule", "rules": {"expected": expected}},
    )


def step(kind: str, **parameters: Any) -> dict[str, Any]:
    return {"type": kind, "parameters": parameters}


def test_an_osworld_suite_under_the_oracle(tmp_path, served):
    size = (
        "import pyautogui, pathlib; pathlib.Path('~/size.txt').expanduser().write_text("
        "str(tuple(pyautogui.size())))"
    )
    config = [
        step(
            "download",
            files=[{"url": f"{served}/data.txt", "path": "/home/user/Downloads/data.txt"}],
        ),
        step(
            "execute", command="echo {CLIENT_PASSWORD} | sudo -S mkdir ~/Desktop/made", shell=True
        ),
        step("execute", command=["python", "-c", size]),
        step("launch", command="xterm -title 'first term'", shell=True),
        step("launch", command=["xterm", "-title", "second"]),
        step("sleep", seconds=2),
        step("activate_window", window_name="FIRST TERM"),
        step("sleep", seconds=0.5),
        step("execute", command="xdotool getactivewindow getwindowname > ~/active.txt", shell=True),
        step("close_window", window_name="second", strict=True),
        step("sleep", seconds=1),
    ]
    checks = [
        command("cat /home/user/Desktop/made/data.txt", "from the server\n"),
        command("cat ~/active.txt", "first term\n"),
        command("xdotool search --name '^second$' | wc -l", "0\n"),
        command("cat ~/size.txt", "(1920, 1080)"),
    ]
    post = {"type": "vm_file", "path": "/home/user/post.txt", "dest": "post.txt"}
    task = {
        "id": "runtime",
        "snapshot": "os",
        "instruction": "Move data.txt from Downloads.",
        "source": "",
        "config": config,
        "trajectory": "trajectories/",
        "related_apps": ["os"],
        "evaluator": {
            "postconfig": [
                step(
                    "execute",
                    command=[
                        "python3",
                        "-c",
                        "import pyautogui; "
                        "pyautogui.write('echo post > ~/post.txt\\n', interval=0.02)",
                    ],
                ),
                step("sleep", seconds=1),
            ],
            "func": ["exact_match"] * 4 + ["file_contains"],
            "conj": "and",
            "result": [c[0] for c in checks] + [post],
            "expected": [c[1] for c in checks]
            + [{"type": "rule", "rules": {"expected": ["post"]}}],
        },
        "x_solution": [
            {"key": ["ctrl", "alt", "t"]},
            {"wait": 2},
            {"type": "mv ~/Downloads/data.txt ~/Desktop/made/\n"},
            {"wait": 1},
            {"terminate": "success"},
        ],
    }
    infeasible = {
        "id": "cannot",
        "instruction": "Turn on Bluetooth.",
        "config": [],
        "evaluator": {"func": "infeasible"},
        "x_solution": [{"terminate": "failure"}],
    }
    suite = tmp_path / "evaluation_examples"
    (suite / "examples" / "os").mkdir(parents=True)
    for data in (task, infeasible):
        (suite / "examples" / "os" / f"{data['id']}.json").write_text(json.dumps(data))
    (suite / "test_all.json").write_text(json.dumps({"os": ["runtime", "cannot"]}))
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "bench",
            str(suite),
            "--oracle",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = {r["id"]: r for r in load_records(out / "results.json")}
    assert records["cannot"]["score"] == 1.0, done.stdout
    assert records["runtime"]["score"] == 1.0, (records["runtime"], done.stdout + done.stderr)
    assert done.returncode == 0
    home = Path(records["runtime"]["run_dir"]).parent / "workspace"
    assert (home / "Desktop" / "made" / "data.txt").read_text() == "from the server\n"
