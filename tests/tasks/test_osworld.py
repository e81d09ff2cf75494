"""The OSWorld-format sample suite end to end (the real apps under the oracle), the open table,
and skipped tasks in the worker and the results table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.bench import table
from tasks.open_with import can_open, open_argv
from tasks.results import load_records
from tasks.spec import load_suite

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tasks" / "suites" / "osworld-sample"


def test_the_sample_suite_has_solutions_and_one_unsupported_task():
    tasks = load_suite(SAMPLE)
    runnable = [task for task in tasks if not task.unsupported]
    assert len(runnable) == 5 and all(task.solution for task in runnable)
    metrics = {func for task in runnable for func in task.evaluators[0].args["func"]}
    assert metrics == {
        "exact_match",
        "check_include_exclude",
        "diff_text_file",
        "compare_csv",
        "compare_table",
    }
    kinds = {step.kind for task in runnable for step in task.setup + task.postconfig}
    assert kinds == {
        "osworld_session",
        "osworld_download",
        "osworld_execute",
        "osworld_launch",
        "osworld_open",
        "sleep",
    }
    (skipped,) = [task for task in tasks if task.unsupported]
    assert skipped.unsupported == (
        "config: googledrive",
        "network: download https://example.org/osworld/review.docx",
        "network: cloud_file https://example.org/osworld/review-gold.docx",
    )


def test_the_open_table(tmp_path):
    profile = tmp_path / "profile"
    assert open_argv(tmp_path, profile) == ["pcmanfm", str(tmp_path)]
    assert open_argv(tmp_path / "a.TXT", profile) == ["mousepad", str(tmp_path / "a.TXT")]
    assert open_argv(tmp_path / "a.csv", profile) == ["gnumeric", str(tmp_path / "a.csv")]
    page = open_argv(tmp_path / "p.html", profile)
    assert page[0] == "chromium" and page[-2:] == [
        f"--user-data-dir={profile}",
        (tmp_path / "p.html").as_uri(),
    ]
    with pytest.raises(ValueError, match=r"no app here opens 'a\.docx'"):
        open_argv(tmp_path / "a.docx", profile)
    assert can_open("Documents") and can_open("x.py") and not can_open("x.pptx")


def test_a_page_and_a_folder_open_in_their_apps(desktop, apps, tmp_path):
    (tmp_path / "page.html").write_text("<!doctype html><title>Sample page</title><p>hi</p>")
    (tmp_path / "folder-to-open").mkdir()
    apps(open_argv(tmp_path / "page.html", tmp_path / "profile"))
    assert "Sample page" in desktop.wait_for_window("Sample page", 30).title
    apps(open_argv(tmp_path / "folder-to-open", tmp_path / "profile"))
    desktop.wait_for_window("folder-to-open", 30)


def test_the_table_marks_skipped_tasks_and_leaves_them_out_of_the_rates():
    ran = {"id": "a", "app": "xterm", "score": 1.0, "steps": 2, "seconds": 1.0, "tokens": 5}
    skipped = {"id": "b", "app": "writer", "score": None, "steps": 0, "seconds": 0.0, "tokens": 0}
    text = table([ran, skipped])
    assert re.search(r"^b +writer +skip +- +0 ", text, re.MULTILINE)
    assert "success rate: 1/1 (100%), mean score 1.00; 1 skipped" in text
    assert "writer:" not in text
    partial = {**ran, "id": "c", "score": 0.5}
    failed = {**ran, "id": "d", "score": 0.0}
    text = table([ran, partial, failed])  # OSWorld's figure: the mean, partial credit counts
    assert "success rate: 1/3 (33%), mean score 0.50" in text


def test_the_worker_reports_an_unsupported_task_as_skipped(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tasks.worker",
            str(SAMPLE / "unsupported-docx-review.json"),
            "--out",
            str(tmp_path),
            "--oracle",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    record = json.loads(done.stdout.splitlines()[-1])
    assert (record["status"], record["score"]) == ("skipped", None)
    assert record["reason"].startswith("unsupported config: googledrive, network: download ")


def test_the_sample_suite_under_the_oracle(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "bench",
            str(SAMPLE),
            "--oracle",
            "--workers",
            "2",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = {r["id"]: r for r in load_records(tmp_path / "results.json")}
    skipped = records.pop("osworld-unsupported-docx-review")
    assert (skipped["status"], skipped["score"]) == ("skipped", None)
    assert len(records) == 5 and all(r["score"] == 1.0 for r in records.values()), records
    assert (
        "SKIP osworld-unsupported-docx-review: skipped: unsupported config: googledrive, "
        "network: download https://example.org/osworld/review.docx" in done.stdout
    )
    assert "success rate: 5/5 (100%), mean score 1.00; 1 skipped" in done.stdout
