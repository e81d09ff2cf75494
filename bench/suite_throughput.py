"""Wall time of a task suite (the desktop one by default) under --oracle with 1, 2 and 4
workers on this machine, tasks per minute, and the peak memory of one worker process; with
`--ray`, side by side in the same run, the suite on a local Ray cluster with one and with two
worker nodes (each declaring `--node-desktops` desktops; the head declares none and only drives).

    .venv/bin/python bench/suite_throughput.py [--workers 1 2 4] [--suite tasks/suites/android]
    .venv/bin/python bench/suite_throughput.py --ray [--nodes 1 2] [--node-desktops 2] [-k PAT]

Ray's wall time includes the driver's connection to the cluster (importing Ray, ray.init) but
not starting the cluster.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tasks.bench import select
from tasks.results import load_records
from tasks.spec import load_suite

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tasks" / "suites" / "desktop"


def timed(suite: Path, extra: list[str]) -> tuple[float, list[dict]]:
    """Wall time and the records of the tasks that did not pass."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "agent.cli",
                "bench",
                str(suite),
                "--oracle",
                "--out",
                out,
                *extra,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        records = load_records(Path(out) / "results.json")
    return wall, [r for r in records if r["score"] is not None and r["score"] < 1.0]


def on_ray(suite: Path, nodes: int, desktops: int, extra: list[str]) -> tuple[float, list[dict]]:
    from tasks.ray_local import LocalCluster

    with tempfile.TemporaryDirectory() as base, LocalCluster(Path(base)) as cluster:
        cluster.start_head({"desktop": 0})
        for _ in range(nodes):
            cluster.add_worker({"desktop": desktops})
        time.sleep(2)  # the nodes' resources reach the head
        return timed(suite, ["--ray", cluster.address, *extra])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--ray", action="store_true", help="also on a local Ray cluster")
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--node-desktops", type=int, default=2)
    parser.add_argument("-k", help="only the tasks whose id contains (or matches) it")
    args = parser.parse_args()
    workers = args.workers or ([1, 2] if args.ray else [1, 2, 4])
    suite = args.suite.resolve()
    tasks = len(select(load_suite(suite), suite, (), args.k))
    extra = ["-k", args.k] if args.k else []
    cores = len(os.sched_getaffinity(0))
    print(f"{suite.name} suite, {tasks} tasks, --oracle, on {cores} cores")
    print(f"{'where':<36} {'wall s':>7} {'tasks/min':>9} {'passed':>7}")
    rows = [
        (f"here, --workers {n}", lambda n=n: timed(suite, ["--workers", str(n), *extra]))
        for n in workers
    ]
    if args.ray:
        rows += [
            (
                f"ray, {n} worker node(s) x {args.node_desktops} desktops",
                lambda n=n: on_ray(suite, n, args.node_desktops, extra),
            )
            for n in args.nodes
        ]
    for name, run in rows:
        wall, failed = run()
        passed = tasks - len(failed)
        print(f"{name:<36} {wall:>7.1f} {tasks / wall * 60:>9.1f} {passed:>4}/{tasks}", flush=True)
        for record in failed:
            print(f"    failed: {record['id']} ({record['status']}): {record['reason']}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of one process (largest child, Ray's included): {peak:.0f} MB")


if __name__ == "__main__":
    main()
