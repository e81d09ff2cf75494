"""Every task runs in a sandbox of its own: what a task's first run leaves behind (files in its
home and config dir, a setting in its dconf database) is gone when it runs again, so a second
run with nothing done does not pass, and the caller's home stays as it was. (The whole desktop
suite under the oracle, with the caller's home watched, is tests/tasks/test_bench.py's.)"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.tasks import sentinel

IDLE = "org.gnome.desktop.session idle-delay"
CHECKS = f"""
evaluators:
  - command_output: {{command: 'gsettings get {IDLE}', expected: uint32 9}}
  - command_output: {{command: 'cat "$HOME/left-behind"', expected: first}}
  - command_output: {{command: 'cat "$XDG_CONFIG_HOME/left-behind"', expected: first}}
  - command_output: {{command: 'cat "$XDG_DATA_HOME/left-behind"', expected: first}}
solution:
  - terminate: success
"""
FIRST = f"""
id: sandbox-starts-clean
instruction: Nothing to do; the setup leaves the result behind.
setup:
  - run: >-
      gsettings set {IDLE} 9 && for dir in "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME";
      do echo first > "$dir/left-behind"; done
{CHECKS}"""
AGAIN = f"""
id: sandbox-starts-clean
instruction: Nothing to do; nothing is done.
{CHECKS}"""


def _worker(task: str, out, env) -> dict:
    """One run of `task` by the worker `agent bench` starts for it, into `out`."""
    argv = [sys.executable, "-P", "-m", "tasks.worker", task, "--oracle", "--out", str(out)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_second_run_of_a_task_starts_clean(tmp_path):
    env = sentinel.make_home(tmp_path / "caller")
    before = sentinel.snapshot(tmp_path / "caller")
    (tmp_path / "first.yaml").write_text(FIRST)
    (tmp_path / "again.yaml").write_text(AGAIN)
    first = _worker(str(tmp_path / "first.yaml"), tmp_path / "out", env)
    assert (first["status"], first["score"]) == ("success", 1.0), first
    again = _worker(str(tmp_path / "again.yaml"), tmp_path / "out", env)  # same id, same --out
    assert (again["status"], again["score"]) == ("success", 0.0), again
    assert len(again["why"]) == 4, again["why"]  # every check found the fresh state
    assert "found 'uint32 300'" in again["why"][0]  # dconf's default, not the first run's 9
    changed = sentinel.changes(before, tmp_path / "caller")
    assert not changed, f"the runs changed the caller's home: {'; '.join(changed[:20])}"
