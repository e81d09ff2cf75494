"""A task's own commands (its setup, an evaluator's command, OSWorld's config and postconfig
steps and its command getters) run as the session's apps run: the same user, HOME and session
bus, and the files they make have the same owner as the files an app in the session makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tasks.results import load_records

# What each command writes: who it is, its home, its bus, and the owner of a file it made.
REPORT = (
    "touch {name}.made && "
    'echo "$(id -u) $HOME $DBUS_SESSION_BUS_ADDRESS $(stat -c %u:%g {name}.made)" > {name}.txt'
)
WAIT_FOR_APP = "for i in $(seq 100); do test -s app.txt && break; sleep 0.1; done"
REPORTERS = {
    "yaml": ("app", "setup", "execute", "probe"),
    "osworld": ("app", "setup", "post", "getter"),
}
YAML_TASK = {
    "id": "yaml",
    "instruction": "Nothing to do.",
    "setup": [
        {"launch": ["bash", "-c", f"cd {{workspace}} && {REPORT.format(name='app')}"]},
        {"run": WAIT_FOR_APP},
        {"run": REPORT.format(name="setup")},
        {"execute": ["bash", "-c", REPORT.format(name="execute")]},
    ],
    "evaluators": [{"command_output": {"command": REPORT.format(name="probe"), "expected": ""}}],
    "solution": [{"terminate": "success"}],
}


def step(kind: str, line: str) -> dict[str, object]:
    return {"type": kind, "parameters": {"command": line, "shell": True}}


OSWORLD_TASK = {
    "id": "osworld",
    "snapshot": "os",
    "instruction": "Nothing to do.",
    "source": "qwen-operator sample in OSWorld format",
    "config": [
        step("launch", REPORT.format(name="app")),
        step("execute", WAIT_FOR_APP),
        step("execute", REPORT.format(name="setup")),
    ],
    "related_apps": ["os"],
    "evaluator": {
        "postconfig": [step("execute", REPORT.format(name="post"))],
        "func": "exact_match",
        "result": {
            "type": "vm_command_line",
            "command": REPORT.format(name="getter") + " && echo done",
            "shell": True,
        },
        "expected": {"type": "rule", "rules": {"expected": "done\n"}},
    },
    "x_solution": [{"terminate": "success"}],
}


def test_setup_evaluator_and_osworld_commands_run_as_the_sessions_apps(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "osworld.json").write_text(json.dumps(OSWORLD_TASK))
    (suite / "task.yaml").write_text(json.dumps(YAML_TASK))  # JSON is YAML
    argv = [sys.executable, "-P", "-m", "agent.cli", "bench", str(suite), "--oracle"]
    argv += ["--workers", "2", "--out", str(tmp_path / "out")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    records = {r["id"]: r for r in load_records(tmp_path / "out" / "results.json")}
    assert {k: r["score"] for k, r in records.items()} == {"yaml": 1.0, "osworld": 1.0}, (
        done.stdout + done.stderr
    )
    differing, owners = {}, set()
    for task, names in REPORTERS.items():
        workspace = Path(records[task]["run_dir"]).parent / "workspace"
        reports = {name: (workspace / f"{name}.txt").read_text().split() for name in names}
        app = reports.pop("app")
        assert len(app) == 4 and app[2].startswith("unix:path="), app  # uid, home, bus, owner
        differing |= {f"{task} {name}": seen for name, seen in reports.items() if seen != app}
        for name in names:
            made = (workspace / f"{name}.made").stat()
            owners.add((made.st_uid, made.st_gid))
        differing |= {f"{task} app": app} if differing else {}
    assert not differing, f"each app sees what its task's commands should, but {differing}"
    assert len(owners) == 1, owners  # and on disk, the files have one owner
