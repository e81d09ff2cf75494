"""Running part of a suite under the oracle in one family's wire format (`agent bench --oracle
--family F`): the oracle plays each reference solution as that family's model would write it,
so a pass proves the family's parser end to end on real apps."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "tasks" / "suites"
# Tasks every desktop family can express (no middle click, no MCP tool, no spoken answer).
DESKTOP = (
    "mousepad-append-line",
    "mousepad-replace-everything",
    "mousepad-unicode-note",
    "terminal-make-report",
    "file-manager-new-folder",
    "spreadsheet-type-name",
    "copy-code-editor-to-terminal",
    "infeasible-print-document",
)
ANDROID = (
    "settings-airplane-on",
    "contacts-delete-long-press",
    "notes-unicode-cjk",
    "infeasible-call-contact",
)


def oracle_bench(
    family: str, suite: str, tasks: tuple[str, ...], tmp_path: Path, *extra: str, ok: bool = True
) -> tuple[list[dict[str, Any]], str]:
    """The results of the tasks under the oracle in `family`'s format, and bench's output."""
    folder = tmp_path / suite
    folder.mkdir()
    for task in tasks:
        shutil.copy(SUITES / suite / f"{task}.yaml", folder)
    if (SUITES / suite / "files").is_dir():
        shutil.copytree(SUITES / suite / "files", folder / "files")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "agent.cli",
            "bench",
            str(folder),
            "--oracle",
            "--family",
            family,
            "--workers",
            "2",
            "--out",
            str(out),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    return load_records(out / "results.json"), result.stdout


def assert_all_pass(records: list[dict[str, Any]], tasks: tuple[str, ...], family: str) -> None:
    assert sorted(r["id"] for r in records) == sorted(tasks)
    failed = [r for r in records if r["score"] != 1.0 or r["errors"]]
    assert not failed, f"{family}: {failed}"


def replies(out: Path, task: str) -> list[str]:
    """What the oracle's model wrote in one task, step by step."""
    lines = (out / task / "run" / "trajectory.jsonl").read_text().splitlines()
    return [json.loads(line)["reply"] for line in lines]
