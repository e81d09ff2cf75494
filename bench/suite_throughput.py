"""Wall time of a task suite (the desktop one by default) under --oracle with 1, 2 and 4
workers, tasks per minute, and the peak memory of one worker process.

    .venv/bin/python bench/suite_throughput.py [--workers 1 2 4] [--suite tasks/suites/android]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tasks" / "suites" / "desktop"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--suite", type=Path, default=SUITE)
    args = parser.parse_args()
    suite = args.suite.resolve()
    tasks = len(list(suite.glob("*.yaml")))
    cores = len(os.sched_getaffinity(0))
    print(f"{suite.name} suite, {tasks} tasks, --oracle, on {cores} cores")
    print(f"{'workers':>7} {'wall s':>7} {'tasks/min':>9} {'passed':>7}")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as out:
            started = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "agent.cli", "bench", str(suite), "--oracle",
                 "--workers", str(workers), "--out", out],
                cwd=ROOT, capture_output=True, text=True, check=False,
            )  # fmt: skip
            wall = time.monotonic() - started
            records = json.loads((Path(out) / "results.json").read_text())
        passed = sum(1 for r in records if r["score"] >= 1.0)
        print(f"{workers:>7} {wall:>7.1f} {tasks / wall * 60:>9.1f} {passed:>4}/{tasks}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of one worker process (largest child): {peak:.0f} MB")


if __name__ == "__main__":
    main()
