"""What `agent run` and `agent bench` write by default stays out of version control."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_run_records_and_bench_results_are_ignored_by_git():
    paths = ["runs/20260101-000000/trajectory.jsonl", "bench-results/results.json"]
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", *paths], capture_output=True, text=True
    )
    assert done.stdout.split() == paths
