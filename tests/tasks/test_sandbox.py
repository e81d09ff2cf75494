"""Every task runs in a sandbox of its own: the bare-desktop tasks and an OSWorld `os` task (which
changes desktop settings through gsettings) pass under the oracle, two at a time, while HOME and
the XDG dirs of whoever runs `agent bench` point at a sentinel folder that must stay
byte-identical; and a second run of a task starts from a clean home and settings database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tasks.results import load_records

SUITE = Path(__file__).parents[2] / "tasks" / "suites" / "desktop"
IDLE = "org.gnome.desktop.session idle-delay"
OS_TASK = {
    "id": "sandbox-os-idle-delay",
    "snapshot": "os",
    "instruction": "Using the terminal, set the delay before the screen blanks to 7 seconds.",
    "source": "qwen-operator sample in OSWorld format",
    "config": [
        {"type": "execute", "parameters": {"command": ["gsettings", "reset", *IDLE.split()]}}
    ],
    "related_apps": ["os"],
    "evaluator": {
        "func": "exact_match",
        "result": {"type": "vm_command_line", "command": f"gsettings get {IDLE}", "shell": True},
        "expected": {"type": "rule", "rules": {"expected": "uint32 7\n"}},
    },
    "x_solution": [
        {"click_text": {"text": "Terminal", "within": [0, 40, 200, 800], "count": 2}},
        {"click_text": {"text": "xterm", "within": [0, 40, 1280, 800], "timeout": 20}},
        {"type": f"gsettings set {IDLE} 7\n"},
        {"wait": 1},
        {"terminate": "success"},
    ],
}
CLEAN_TASK = f"""
id: sandbox-starts-clean
instruction: Nothing to do; the setup checks that no earlier run left anything behind.
environment: {{type: desktop}}
setup:
  - run: >-
      test ! -e "$HOME/left-behind" && test ! -e "$XDG_CONFIG_HOME/left-behind" &&
      test "$(gsettings get {IDLE})" = "uint32 300" &&
      touch "$HOME/left-behind" "$XDG_CONFIG_HOME/left-behind" && gsettings set {IDLE} 9
evaluators:
  - command_output: {{command: 'gsettings get {IDLE}', expected: uint32 9}}
solution:
  - terminate: success
"""


def _sentinel(root: Path) -> dict[str, str]:
    """A caller's home with settings in it, and the environment that points there."""
    for name, text in {
        ".bashrc": "# mine\n",
        ".config/dconf/user": "not a real database, but mine",
        ".config/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml": "<channel/>\n",
        ".config/mimeapps.list": "[Default Applications]\n",
        ".local/share/applications/mine.desktop": "[Desktop Entry]\n",
        "Desktop/note.txt": "keep\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "run").mkdir(mode=0o700)
    env = dict(os.environ)
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / ".config"),
        XDG_DATA_HOME=str(root / ".local" / "share"),
        XDG_CACHE_HOME=str(root / ".cache"),
        XDG_STATE_HOME=str(root / ".local" / "state"),
        XDG_RUNTIME_DIR=str(root / "run"),
    )
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return env


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path.relative_to(root)): (
            path.lstat().st_mode,
            path.read_bytes() if path.is_file() else b"",
        )
        for path in sorted(root.rglob("*"))
    }


def _bench(suite: Path, out: Path, env: dict[str, str], workers: int = 1) -> list[dict]:
    argv = [
        sys.executable,
        "-P",
        "-m",
        "agent.cli",
        "bench",
        str(suite),
        "--oracle",
        "--workers",
        str(workers),
        "--out",
        str(out),
    ]
    subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    return load_records(out / "results.json")


def test_bare_desktop_tasks_and_an_os_task_pass_and_leave_the_callers_home_alone(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    bare = sorted(SUITE.glob("desktop-*.yaml"))
    assert len(bare) >= 6
    for task in bare:
        shutil.copy(task, suite)
    (suite / "os-idle-delay.json").write_text(json.dumps(OS_TASK))
    env = _sentinel(tmp_path / "sentinel")
    before = _tree(tmp_path / "sentinel")
    records = _bench(suite, tmp_path / "out", env, workers=2)
    assert {r["id"]: r["score"] for r in records} == {r["id"]: 1.0 for r in records}, records
    assert len(records) == len(bare) + 1
    assert _tree(tmp_path / "sentinel") == before


def test_a_second_run_of_a_task_starts_clean(tmp_path):
    suite = tmp_path / "starts-clean.yaml"
    suite.write_text(CLEAN_TASK)
    env = _sentinel(tmp_path / "sentinel")
    for _ in range(2):
        (record,) = _bench(suite, tmp_path / "out", env)
        assert (record["status"], record["score"]) == ("success", 1.0), record
