"""A FAIL line of `agent bench` says why: what the evaluators expected and what they found, in
the line and in results.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]

TASK = """\
id: notes-wrong
instruction: Make the second line of notes.txt say TWO.
setup:
  - run: "printf 'one\\\\ntwo\\\\n' > notes.txt"
evaluators:
  - text_equals: {path: notes.txt, expected: "one\\nTWO"}
  - csv_equal: {path: notes.txt, expected: "one\\nTWO"}
solution:
  - terminate: success
"""


def test_a_fail_line_shows_the_text_diff_and_results_keep_it(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "notes-wrong.yaml").write_text(TASK)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli", "bench", str(suite), "--oracle", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    fail = done.stdout[done.stdout.index("FAIL notes-wrong") :]
    assert "notes.txt differs from what was expected:" in fail
    assert "    -TWO" in fail and "    +two" in fail
    (record,) = load_records(out / "results.json")
    assert record["score"] == 0.0
    assert "-TWO\n+two" in record["why"][0]
    assert record["why"][1] == "notes.txt differs: row 2 column 1: expected 'TWO', found 'two'"
