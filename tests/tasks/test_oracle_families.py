"""Each text-reply family end to end: part of a suite under the oracle in the family's wire
format (`agent bench --oracle --family F`). The oracle plays each reference solution as that
family's model would write it, so a pass proves the family's parser end to end on real apps;
what the oracle wrote shows the format was the family's own."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


# What the oracle's first reply in mousepad-append-line looks like in each family's format.
DESKTOP_REPLY = {
    "composed": re.escape("Action: click\nTarget: the point ("),
    "gui-owl": r"^Action: .*" + re.escape('{"name": "computer_use"'),
    "opencua": re.escape("## Code:\n```python\npyautogui.click(x="),
    "ui-tars": r"^Thought: .*\nAction: click\(start_box='\(",
}
# A phone task and what one of the oracle's replies in it looks like (None: pass only).
PHONE_REPLY = {
    "composed": None,
    "gui-owl": ("settings-airplane-on", re.escape('{"name": "mobile_use"')),
    "ui-tars": ("contacts-delete-long-press", re.escape("Action: long_press(start_box='(")),
}
# An option of the family given to bench, and how it shows in the record (it reaches workers).
OPTIONS = {"opencua": ("level=l3", {"level": "l3"})}


@pytest.mark.parametrize("family", sorted(DESKTOP_REPLY))
def test_desktop_tasks_pass_in_the_familys_replies(family, tmp_path):
    option, recorded = OPTIONS.get(family, (None, None))
    extra = ("--family-option", option) if option else ()
    records, output = oracle_bench(family, "desktop", DESKTOP, tmp_path, *extra)
    assert_all_pass(records, DESKTOP, family)
    first = replies(tmp_path / "out", "mousepad-append-line")[0]
    assert re.search(DESKTOP_REPLY[family], first, re.DOTALL), f"{family} wrote {first!r}"
    assert "(100%)" in output
    if recorded is not None:
        run = tmp_path / "out" / "mousepad-append-line" / "run"
        assert json.loads((run / "run.json").read_text())["family_options"] == recorded


@pytest.mark.parametrize("family", sorted(PHONE_REPLY))
def test_phone_tasks_pass_in_the_familys_replies(family, tmp_path):
    records, _ = oracle_bench(family, "android", ANDROID, tmp_path)
    assert_all_pass(records, ANDROID, family)
    if PHONE_REPLY[family] is not None:
        task, pattern = PHONE_REPLY[family]
        written = replies(tmp_path / "out", task)
        assert any(re.search(pattern, reply) for reply in written), f"{family} wrote {written}"


def test_a_desktop_only_family_refuses_a_phone_with_the_fix(tmp_path):
    records, output = oracle_bench("opencua", "android", ANDROID[:1], tmp_path, ok=False)
    assert records[0]["score"] == 0.0
    assert "the opencua family acts on desktop, not android: choose another --family" in output
