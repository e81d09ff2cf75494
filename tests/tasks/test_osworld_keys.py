"""OSWorld uses one task id in two domains (chrome and thunderbird share one): results, --resume,
the per-domain summary and the run directories name an OSWorld task by domain/id, so neither
task overwrites the other, and a results file of the older format (keyed by the bare id)
resumes with its records under their new keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tasks.bench import select
from tasks.results import FORMAT, load_records
from tasks.spec import load_suite

ROOT = Path(__file__).resolve().parents[2]
ID = "bb5e4c0d-f964-439c-97b6-bdb9747de3f4"


def suite(root: Path) -> Path:
    """One id in chrome and in thunderbird: infeasible tasks, one declared impossible by its
    solution (scores 1), one claimed done (scores 0)."""
    for domain, verdict in (("chrome", "failure"), ("thunderbird", "success")):
        folder = root / "examples" / domain
        folder.mkdir(parents=True)
        task = {
            "id": ID,
            "instruction": f"an impossible {domain} task",
            "config": [],
            "evaluator": {"func": "infeasible"},
            "x_solution": [{"terminate": verdict}],
        }
        (folder / f"{ID}.json").write_text(json.dumps(task))
    (root / "test_all.json").write_text(json.dumps({"chrome": [ID], "thunderbird": [ID]}))
    return root


def bench(suite_dir: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-P", "-m", "agent.cli", "bench", str(suite_dir), "--oracle"]
    return subprocess.run(
        [*argv, "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_keys_and_the_selection_of_tasks_sharing_an_id(tmp_path):
    tasks = load_suite(suite(tmp_path / "suite"))
    assert [t.key for t in tasks] == [f"chrome/{ID}", f"thunderbird/{ID}"]
    assert [t.id for t in tasks] == [ID, ID]
    assert len(select(tasks, tmp_path, [ID], None)) == 2  # the bare id: both domains
    (only,) = select(tasks, tmp_path, [f"thunderbird/{ID}"], None)
    assert only.app == "thunderbird"
    (chrome,) = select(tasks, tmp_path, [], "chrome/")
    assert chrome.app == "chrome"
    assert len(select(tasks, tmp_path, [], "bb5e4c0d-*")) == 2  # a pattern of the bare id
    (thunderbird,) = select(tasks, tmp_path, [], "thunder*/bb5e*")
    assert thunderbird.app == "thunderbird"


def test_two_domains_one_id_keep_two_results_and_resume_both(tmp_path):
    folder, out = suite(tmp_path / "suite"), tmp_path / "out"
    done = bench(folder, out)
    assert done.returncode == 1, done.stdout + done.stderr  # the thunderbird task fails
    body = json.loads((out / "results.json").read_text())
    assert body["format"] == FORMAT == 3
    records = {r["key"]: r for r in body["results"]}
    assert set(records) == {f"chrome/{ID}", f"thunderbird/{ID}"}
    assert records[f"chrome/{ID}"]["score"] == 1.0
    assert records[f"thunderbird/{ID}"]["score"] == 0.0
    runs = {key: Path(r["run_dir"]) for key, r in records.items()}
    assert runs[f"chrome/{ID}"].is_relative_to(out / "chrome" / ID)
    assert runs[f"thunderbird/{ID}"].is_relative_to(out / "thunderbird" / ID)
    assert all(path.is_dir() for path in runs.values())
    assert "  chrome: 1/1 (100%)" in done.stdout
    assert "  thunderbird: 0/1 (0%)" in done.stdout
    assert f"PASS chrome/{ID}" in done.stdout and f"FAIL thunderbird/{ID}" in done.stdout

    again = bench(folder, out, "--resume")
    assert "resuming: 2 of 2 tasks already finished" in again.stdout, again.stdout + again.stderr
    assert len(load_records(out / "results.json")) == 2


def test_a_file_of_the_older_format_resumes_under_the_new_keys(tmp_path):
    folder, out = suite(tmp_path / "suite"), tmp_path / "out"
    first = bench(folder, out)
    assert first.returncode == 1, first.stdout + first.stderr
    body = json.loads((out / "results.json").read_text())
    # as format 2 wrote it: keyed by the bare id, so only the last task of that id survived
    (chrome,) = [r for r in body["results"] if r["app"] == "chrome"]
    del chrome["key"]
    body.update(format=2, results=[chrome])
    (out / "results.json").write_text(json.dumps(body))
    again = bench(folder, out, "--resume")
    assert "resuming: 1 of 2 tasks already finished" in again.stdout, again.stdout + again.stderr
    records = {r["key"]: r for r in load_records(out / "results.json")}
    assert set(records) == {f"chrome/{ID}", f"thunderbird/{ID}"}
    assert records[f"chrome/{ID}"]["run_dir"] == chrome["run_dir"]  # kept, not run again

    body = json.loads((out / "results.json").read_text())
    (out / "results.json").write_text(json.dumps({**body, "format": FORMAT + 1}))
    newer = bench(folder, out, "--resume")
    assert newer.returncode != 0
    assert f"is of results format {FORMAT + 1}, newer than this version reads" in newer.stderr
