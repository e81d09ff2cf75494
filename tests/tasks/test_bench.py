"""`agent bench`: the shipped desktop suite under --oracle (leaving the caller's home alone), a
broken task, resume, the results header, task selection, Ctrl-C, a missing model server,
rollouts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.results import load_records
from tests.tasks import sentinel

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tasks" / "suites" / "desktop"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent.cli", "bench", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


IDLE = "org.gnome.desktop.session idle-delay"
OS_TASK = {  # an OSWorld `os` task: desktop settings through gsettings in a terminal
    "id": "sandbox-os-idle-delay",
    "snapshot": "os",
    "instruction": "Using the terminal, set the delay before the screen blanks to 7 seconds.",
    "source": "qwen-operator sample in OSWorld format",
    "config": [
        {"type": "execute", "parameters": {"command": ["gsettings", "reset", *IDLE.split()]}}
    ],
    "related_apps": ["os"],
    "evaluator": {
        "func": "exact_match",
        "result": {"type": "vm_command_line", "command": f"gsettings get {IDLE}", "shell": True},
        "expected": {"type": "rule", "rules": {"expected": "uint32 7\n"}},
    },
    "x_solution": [
        {"click_text": {"text": "Terminal", "within": [0, 40, 200, 800], "count": 2}},
        {"click_text": {"text": "xterm", "within": [0, 40, 1280, 800], "timeout": 20}},
        {"type": f"gsettings set {IDLE} 7\n"},
        {"wait": 1},
        {"terminate": "success"},
    ],
}


@pytest.mark.timeout(420)  # the whole suite: about 100 s alone, much more on a busy machine
def test_every_shipped_task_passes_under_the_oracle_with_two_workers_leaving_the_caller_alone(
    tmp_path,
):
    """The whole desktop suite and an OSWorld `os` task, two at a time, while the caller's HOME,
    XDG dirs and X authority point at a home full of settings: every task passes, that home is
    byte-identical afterwards (names, modes, mtimes, contents), and /tmp gains nothing."""
    suite = tmp_path / "suite"
    suite.mkdir()
    shipped = sorted(SUITE.glob("*.yaml"))
    for task in shipped:
        shutil.copy(task, suite)
    (suite / "os-idle-delay.json").write_text(json.dumps(OS_TASK))
    env = sentinel.make_home(tmp_path / "caller")
    before = sentinel.snapshot(tmp_path / "caller")
    argv = [sys.executable, "-P", "-m", "agent.cli", "bench", str(suite), "--oracle"]
    argv += ["--workers", "2", "--out", str(tmp_path / "out")]
    # The checkout and its virtual environment may lie under /tmp too (a fresh clone there).
    keep = (tmp_path, ROOT, Path(sys.prefix), Path(sys.base_prefix))
    argv = sentinel.with_private_tmp(argv, tmp_path / "tmp", keep)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    records = load_records(tmp_path / "out" / "results.json")
    assert len(records) == len(shipped) + 1
    assert all(r["score"] == 1.0 for r in records), records
    assert "success rate: " in result.stdout and "(100%)" in result.stdout
    for app in ("mousepad", "xterm", "chromium", "gnumeric", "pcmanfm", "mcp", "os"):
        assert f"  {app}: " in result.stdout
    for record in records:
        assert (Path(record["run_dir"]) / "trajectory.jsonl").exists()
    changed = sentinel.changes(before, tmp_path / "caller")
    assert not changed, f"the run changed the caller's home: {'; '.join(changed[:20])}"
    left = sentinel.left_in_tmp(tmp_path / "tmp", keep)
    assert not left, f"the run left in /tmp: {', '.join(left[:20])}"


def test_a_crashing_task_scores_zero_the_suite_goes_on_and_resume_reruns_only_it(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "ok.yaml").write_text((SUITE / "infeasible-impress-deck.yaml").read_text())
    (suite / "crash.yaml").write_text(
        "id: crash\ninstruction: x\nsetup:\n  - run: 'exit 3'\n"
        "evaluators:\n  - terminated: {status: failure}\nsolution:\n  - terminate: failure\n"
    )
    out = tmp_path / "out"
    first = bench(str(suite), "--oracle", "--out", str(out))
    assert first.returncode == 1
    records = {r["id"]: r for r in load_records(out / "results.json")}
    assert records["infeasible-impress-deck"]["score"] == 1.0
    assert records["crash"]["score"] == 0.0 and records["crash"]["status"] == "error"
    assert "the task crashed" in records["crash"]["reason"]
    again = bench(str(suite), "--oracle", "--out", str(out), "--resume")
    # The crash was the harness's failure, not the model's: it runs again, the pass does not.
    assert "resuming: 1 of 2 tasks already finished" in again.stdout
    assert "[2/2] FAIL crash (error" in again.stdout
    assert "infeasible-impress-deck (" not in again.stdout


def test_a_hanging_task_is_stopped_scored_zero_and_the_suite_goes_on(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "ok.yaml").write_text((SUITE / "infeasible-send-email.yaml").read_text())
    (suite / "hang.yaml").write_text(
        "id: hang\ninstruction: x\nsetup:\n  - run: 'sleep 120'\n"
        "evaluators:\n  - terminated: {status: failure}\n"
    )
    out = tmp_path / "out"
    # The limit leaves the quick task room on a loaded machine (it takes a few seconds).
    result = bench(str(suite), "--oracle", "--out", str(out), "--task-timeout", "15")
    records = {r["id"]: r for r in load_records(out / "results.json")}
    assert result.returncode == 1
    assert records["hang"]["score"] == 0.0 and records["hang"]["reason"] == "timed out after 15 s"
    assert records["hang"]["status"] == "timeout"
    assert records["infeasible-send-email"]["score"] == 1.0, records["infeasible-send-email"]
