"""The shipped Android suite: it loads and follows the schema, every reference solution passes
on a fresh virtual phone, and a wrong solution fails."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tasks.results import load_records
from tasks.spec import load_suite

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tasks" / "suites" / "android"
APPS = ("settings", "contacts", "notes", "multi-app", "infeasible")


def test_the_suite_loads_each_task_on_a_phone_with_a_solution_and_follows_the_schema():
    import jsonschema

    tasks = load_suite(SUITE)
    assert len(tasks) >= 12
    assert len({task.id for task in tasks}) == len(tasks)
    for task in tasks:
        assert task.environment == "android" and task.screen == (1080, 2400), task.id
        assert task.solution, task.id
        assert task.app in APPS, task.id
        assert task.max_steps >= len(task.solution) + 2, task.id
    assert {task.app for task in tasks} == set(APPS)
    infeasible = [task for task in tasks if task.app == "infeasible"]
    assert infeasible and all(
        [(e.kind, e.args) for e in task.evaluators] == [("terminated", {"status": "failure"})]
        for task in infeasible
    )
    schema = json.loads((ROOT / "tasks" / "task.schema.json").read_text())
    for path in sorted(SUITE.glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


@pytest.mark.timeout(300)
def test_every_task_passes_under_the_oracle_with_two_workers(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "bench", str(SUITE), "--oracle", "--workers", "2",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    records = load_records(tmp_path / "results.json")
    assert sorted(r["id"] for r in records) == sorted(task.id for task in load_suite(SUITE))
    assert all(r["score"] == 1.0 and not r["errors"] for r in records), records
    assert "(100%)" in result.stdout
    for app in APPS:
        assert f"  {app}: " in result.stdout


def _run_worker(task: Path, out: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tasks.worker", str(task), "--out", str(out), "--oracle"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("name", "index", "wrong"),
    [
        # Long-presses the wrong contact: the solution runs to its end, the end state is wrong.
        ("contacts-favourite-long-press", 1, {"long_press": {"label": "Ethan Brown"}}),
        # Half of the job: airplane mode goes off, but Bluetooth is switched on instead of Wi-Fi.
        ("settings-airplane-off-wifi-on", 2, {"tap": {"label": "Bluetooth"}}),
    ],
)
def test_a_wrong_solution_scores_zero(tmp_path, name, index, wrong):
    data = yaml.safe_load((SUITE / f"{name}.yaml").read_text(encoding="utf-8"))
    assert next(iter(data["solution"][index])) == next(iter(wrong))
    data["solution"][index] = wrong
    for step in data.get("setup", []):
        source = next(iter(step.values()))
        if isinstance(source, dict) and "from" in source:
            (tmp_path / source["from"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SUITE / source["from"], tmp_path / source["from"])
    task = tmp_path / f"{name}.yaml"
    task.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    record = _run_worker(task, tmp_path / "out")
    assert record["id"] == name and record["errors"] == []
    assert record["status"] == "success" and record["steps"] == len(data["solution"])
    assert record["score"] == 0.0
