"""`agent bench`: the shipped desktop suite under --oracle, a broken task, resume, the results
header, task selection, Ctrl-C, a missing model server, rollouts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tasks" / "suites" / "desktop"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent.cli", "bench", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_every_shipped_task_passes_under_the_oracle_with_two_workers(tmp_path):
    result = bench(str(SUITE), "--oracle", "--workers", "2", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    records = load_records(tmp_path / "results.json")
    assert len(records) == len(list(SUITE.glob("*.yaml")))
    assert all(r["score"] == 1.0 for r in records), records
    assert "success rate: " in result.stdout and "(100%)" in result.stdout
    for app in ("mousepad", "xterm", "chromium", "gnumeric", "pcmanfm", "mcp"):
        assert f"  {app}: " in result.stdout
    for record in records:
        assert (Path(record["run_dir"]) / "trajectory.jsonl").exists()


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
        "id: hang\ninstruction: x\nsetup:\n  - run: 'sleep 50'\n"
        "evaluators:\n  - terminated: {status: failure}\n"
    )
    out = tmp_path / "out"
    result = bench(str(suite), "--oracle", "--out", str(out), "--task-timeout", "5")
    records = {r["id"]: r for r in load_records(out / "results.json")}
    assert result.returncode == 1
    assert records["hang"]["score"] == 0.0 and records["hang"]["reason"] == "timed out after 5 s"
    assert records["hang"]["status"] == "timeout"
    assert records["infeasible-send-email"]["score"] == 1.0
