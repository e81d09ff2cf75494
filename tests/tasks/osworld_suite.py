"""Helpers of the OSWorld app tests: a suite in OSWorld's own format written to a folder, run by
`agent bench --oracle`, and its records read back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]


def step(kind: str, **parameters: Any) -> dict[str, Any]:
    return {"type": kind, "parameters": parameters}


def rule(expected: Any) -> dict[str, Any]:
    return {"type": "rule", "rules": {"expected": expected}}


def task(task_id: str, config: list[Any], evaluator: dict[str, Any], **extra: Any) -> dict:
    return {
        "id": task_id,
        "snapshot": "base_setup",
        "instruction": f"Task {task_id}.",
        "source": "",
        "config": config,
        "trajectory": "trajectories/",
        "related_apps": [],
        "evaluator": evaluator,
        "x_solution": [{"wait": 1}, {"terminate": "success"}],
        **extra,
    }


def run_suite(
    folder: Path, domain: str, tasks: list[dict[str, Any]], workers: int = 1
) -> tuple[dict[str, dict[str, Any]], str]:
    """The records of `tasks` run under the oracle, by id, and the runner's output."""
    suite = folder / "evaluation_examples"
    (suite / "examples" / domain).mkdir(parents=True)
    for data in tasks:
        path = suite / "examples" / domain / f"{data['id']}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
    (suite / "test_all.json").write_text(json.dumps({domain: [t["id"] for t in tasks]}))
    out = folder / "out"
    argv = [sys.executable, "-m", "agent.cli", "bench", str(suite), "--oracle", "--out", str(out)]
    done = subprocess.run(
        [*argv, "--workers", str(workers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    records = {r["id"]: r for r in load_records(out / "results.json")}
    return records, done.stdout + done.stderr
