"""The reference solutions of real OSWorld tasks (tasks/osworld/solutions.yaml) checked against
a copy of OSWorld's evaluation_examples: each task under the oracle must score 1.0, and its
initial state (the agent ends at once, declaring success) 0. Prints one line per task with both
scores and the oracle's wall time, then the totals.

    python bench/osworld_oracle.py PATH/TO/OSWorld/evaluation_examples [--out DIR] [ID ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent.settings import Settings
from tasks.osworld.index import SuiteOptions, load_index
from tasks.osworld.overlay import solutions
from tasks.spec import Step, load_task


def _one(path: Path, out: Path, initial: bool) -> None:
    from tasks.worker import run_task

    task = load_task(path)
    if initial:
        task = dataclasses.replace(task, solution=(Step("terminate", {"value": "success"}),))
    print(json.dumps(run_task(task, out, True, Settings())))


def _run(path: Path, out: Path, initial: bool) -> dict:
    argv = [sys.executable, "-P", __file__, "--one", str(path), "--out", str(out), "-"]
    done = subprocess.run(
        argv + (["--initial"] if initial else []), capture_output=True, text=True, timeout=600
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"score": 0.0, "seconds": 0.0, "errors": [done.stderr.strip()[-600:]]}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("examples", type=Path, nargs="?")
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--initial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="osworld-oracle-"))
    if args.one or args.examples is None:
        _one(args.one, out, args.initial)
        return 0
    tasks = load_index(args.examples / "test_all.json", SuiteOptions())
    chosen = [
        t for t in tasks if f"{t.app}/{t.id}" in solutions() and (not args.ids or t.id in args.ids)
    ]
    good, walls = 0, []
    for task in chosen:
        started = time.monotonic()
        oracle = _run(task.path, out / "oracle", False)
        wall = time.monotonic() - started
        initial = _run(task.path, out / "initial", True)
        ok = oracle["score"] == 1.0 and initial["score"] == 0.0 and not task.unsupported
        good += ok
        walls.append(wall)
        errors = oracle.get("errors", []) + initial.get("errors", [])
        print(
            f"{'ok  ' if ok else 'BAD '} {task.app:<20} {task.id}  oracle {oracle['score']:.2f}"
            f"  initial {initial['score']:.2f}  {wall:5.1f} s  {'; '.join(errors)[:200]}",
            flush=True,
        )
    domains = len({t.app for t in chosen})
    mean = sum(walls) / len(walls) if walls else 0.0
    print(
        f"{good} of {len(chosen)} real tasks validated ({domains} domains); oracle wall time "
        f"per task: mean {mean:.1f} s, max {max(walls, default=0.0):.1f} s"
    )
    return 0 if good == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
