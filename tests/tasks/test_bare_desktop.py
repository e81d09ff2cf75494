"""A bare-desktop task's reference solution finds its targets on the screen: renamed, the target
is not found, and the task fails saying what it looked for and what the screen showed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SUITE = Path(__file__).parents[2] / "tasks" / "suites" / "desktop"


def test_a_renamed_target_fails_naming_what_was_looked_for_and_what_was_seen(tmp_path):
    task = (SUITE / "desktop-terminal-from-icon.yaml").read_text()
    renamed = task.replace("{text: Terminal,", "{text: Command Prompt, timeout: 2,")
    assert renamed != task
    (tmp_path / "renamed.yaml").write_text(renamed)
    argv = [
        sys.executable,
        "-P",
        "-m",
        "tasks.worker",
        str(tmp_path / "renamed.yaml"),
        "--out",
        str(tmp_path / "out"),
        "--oracle",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=True)
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["score"] == 0.0 and record["status"] == "error"
    assert "looked for 'Command Prompt' within [0, 40, 200, 800]" in record["reason"]
    assert "'Terminal'" in record["reason"] and "'File Manager'" in record["reason"]
