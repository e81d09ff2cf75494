"""One attempt at one task: the `python -m tasks.worker` process that runs it, stopped with
everything it started when it overruns its time, and the record it leaves.

A local suite and a Ray node run an attempt through the same function, `run_attempt`, so a
task behaves the same wherever it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.spec import Task


@dataclass(frozen=True)
class WorkerOptions:
    """What every attempt of a suite shares: the oracle, or the model to ask."""

    oracle: bool = False
    model_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    task_timeout: float = 900.0
    settings: str | None = None  # the agent's settings as JSON (agent.settings.Settings.to_json)
    cache: Path | None = None  # OSWorld's download cache


@dataclass(frozen=True)
class Unit:
    """One rollout of one task; `key` names it in results.json."""

    task: Task
    rollout: int = 1  # 1..K
    rollouts: int = 1

    @property
    def key(self) -> str:
        return unit_key(self.task.key, self.rollout)

    @property
    def resource(self) -> str:
        """The Ray resource a node declares for this kind of machine."""
        return "phone" if self.task.environment == "android" else "desktop"

    def out(self, root: Path) -> Path:
        """Where the worker writes: `root/<key>` for one rollout, `root/rollout-R/<key>` for K
        (the key is the id, or domain/id for an OSWorld task)."""
        return root if self.rollouts == 1 else root / f"rollout-{self.rollout}"


def unit_key(task_key: str, rollout: int) -> str:
    return task_key if rollout == 1 else f"{task_key}#{rollout}"


def worker_argv(task_file: Path, out: Path, options: WorkerOptions) -> list[str]:
    # -P keeps the working directory (a user's tasks.py or agent.py) out of the import path
    argv = [sys.executable, "-P", "-m", "tasks.worker", str(task_file), "--out", str(out)]
    argv += ["--settings", options.settings] if options.settings else []
    argv += ["--cache", str(options.cache)] if options.cache else []
    if options.oracle:
        return [*argv, "--oracle"]
    argv += ["--model-url", options.model_url or ""]
    argv += ["--model", options.model] if options.model else []
    argv += ["--api-key", options.api_key] if options.api_key else []
    return argv


def run_attempt(unit: Unit, task_file: Path, out: Path, options: WorkerOptions) -> dict[str, Any]:
    """Run the worker for `unit` (its task file at `task_file`, writing under `out`)."""
    started = time.monotonic()
    argv = worker_argv(task_file, unit.out(out), options)
    # A session of its own: Ctrl-C on the driver does not reach it, and a timeout stops the
    # worker together with the display and apps it started.
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=options.task_timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        return failed(unit, f"timed out after {options.task_timeout:g} s", started, "timeout")
    except BaseException:
        _stop_group(process)
        raise
    lines = stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        tail = " / ".join(stderr.strip().splitlines()[-3:])
        return failed(unit, f"the task crashed (exit {process.returncode}): {tail}", started)
    return {**json.loads(lines[-1]), "rollout": unit.rollout}


def _stop_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def failed(unit: Unit, reason: str, started: float, status: str = "error") -> dict[str, Any]:
    """The record of an attempt that ended without the worker's own record."""
    return {
        "id": unit.task.id,
        "key": unit.task.key,
        "app": unit.task.app,
        "score": 0.0,
        "status": status,
        "reason": reason,
        "steps": 0,
        "seconds": round(time.monotonic() - started, 2),
        "tokens": 0,
        "run_dir": None,
        "errors": [reason],
        "rollout": unit.rollout,
    }


def skipped(task: Task) -> dict[str, Any]:
    """The record of a task that was not run because it needs what we lack."""
    return {
        "id": task.id,
        "key": task.key,
        "app": task.app,
        "score": None,
        "status": "skipped",
        "reason": "unsupported " + ", ".join(task.unsupported),
        "unsupported": list(task.unsupported),
        "steps": 0,
        "seconds": 0.0,
        "tokens": 0,
        "run_dir": None,
        "errors": [],
    }
