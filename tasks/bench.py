"""`agent bench SUITE`: every task in a worker process of its own (its own display, workspace and
HOME), N at a time, with a progress line per task, a table at the end and `results.json`.

Ctrl-C stops starting new tasks; the running ones finish and everything finished is kept.
`--resume` skips the tasks already in the results file.

A task that needs what we lack (an OSWorld task with an unsupported setup type, getter or
metric) is not run: it is listed as skipped with the missing pieces by name, kept in
`results.json` with status "skipped" and score null, and left out of the success rates.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.osworld.index import SuiteOptions
from tasks.spec import Task, load_suite


@dataclass(frozen=True)
class BenchSettings:
    suite: Path
    out: Path
    workers: int = 1
    oracle: bool = False
    model_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    resume: bool = False
    task_timeout: float = 900.0
    osworld: SuiteOptions = field(default_factory=SuiteOptions)  # domains, download cache


def _worker(task: Task, settings: BenchSettings) -> dict[str, Any]:
    argv = [sys.executable, "-m", "tasks.worker", str(task.path), "--out", str(settings.out)]
    if settings.oracle:
        argv.append("--oracle")
    else:
        argv += ["--model-url", settings.model_url or ""]
        argv += ["--model", settings.model] if settings.model else []
        argv += ["--api-key", settings.api_key] if settings.api_key else []
    argv += ["--cache", str(settings.osworld.cache)] if settings.osworld.cache else []
    started = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=settings.task_timeout,
                              start_new_session=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        return _failed(task, f"timed out after {settings.task_timeout:g} s", started)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " / ".join(done.stderr.strip().splitlines()[-3:])
        return _failed(task, f"the task crashed (exit {done.returncode}): {tail}", started)
    return json.loads(lines[-1])


def _failed(task: Task, reason: str, started: float) -> dict[str, Any]:
    return {"id": task.id, "app": task.app, "score": 0.0, "status": "error", "reason": reason,
            "steps": 0, "seconds": round(time.monotonic() - started, 2), "tokens": 0,
            "run_dir": None, "errors": [reason]}  # fmt: skip


def skipped(task: Task) -> dict[str, Any]:
    """The record of a task that was not run because it needs what we lack."""
    return {"id": task.id, "app": task.app, "score": None, "status": "skipped",
            "reason": "unsupported " + ", ".join(task.unsupported),
            "unsupported": list(task.unsupported), "steps": 0, "seconds": 0.0, "tokens": 0,
            "run_dir": None, "errors": []}  # fmt: skip


def _save(path: Path, results: dict[str, dict[str, Any]]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(list(results.values()), indent=2, ensure_ascii=False))
    temporary.replace(path)


def run_suite(settings: BenchSettings, say: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run the suite; returns the records of the tasks that ran (skipped ones are only in
    results.json and the table)."""
    tasks = load_suite(settings.suite, settings.osworld)
    settings.out.mkdir(parents=True, exist_ok=True)
    results_file = settings.out / "results.json"
    results: dict[str, dict[str, Any]] = {}
    if settings.resume and results_file.exists():
        results = {r["id"]: r for r in json.loads(results_file.read_text())
                   if r["status"] != "skipped"}  # fmt: skip
        say(f"resuming: {len(results)} of {len(tasks)} tasks already finished")
    total, finished = len(tasks), len(results)
    for task in tasks:
        if task.unsupported:
            results[task.id] = skipped(task)
            finished += 1
            say(f"[{finished}/{total}] SKIP {task.id}: skipped: {results[task.id]['reason']}")
    _save(results_file, results)
    pending = [task for task in tasks if task.id not in results]
    pool = ThreadPoolExecutor(max(1, settings.workers), thread_name_prefix="bench")
    running: dict[Future[dict[str, Any]], Task] = {}
    try:
        while pending or running:
            while pending and len(running) < settings.workers:
                task = pending.pop(0)
                running[pool.submit(_worker, task, settings)] = task
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in ready:
                running.pop(future)
                record = future.result()
                results[record["id"]] = record
                finished += 1
                _save(results_file, results)
                mark = "PASS" if record["score"] >= 1.0 else "FAIL"
                say(
                    f"[{finished}/{total}] {mark} {record['id']} ({record['status']}, "
                    f"{record['steps']} steps, {record['seconds']:.1f} s): {record['reason']}"
                )
    except KeyboardInterrupt:
        say(f"stopping: waiting for {len(running)} running task(s); {len(pending)} not started")
        for future, _task in list(running.items()):
            record = future.result()
            results[record["id"]] = record
        _save(results_file, results)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ordered = [results[t.id] for t in tasks if t.id in results]
    say(table(ordered))
    return [record for record in ordered if record["score"] is not None]


def table(records: list[dict[str, Any]]) -> str:
    rows = [f"{'task':<32} {'app':<10} {'result':<6} {'score':>5} {'steps':>5} {'wall s':>7} "
            f"{'tokens':>8}"]  # fmt: skip
    for r in records:
        result = "skip" if r["score"] is None else "pass" if r["score"] >= 1.0 else "fail"
        score = "-" if r["score"] is None else f"{r['score']:.2f}"
        rows.append(f"{r['id']:<32} {r.get('app', 'other'):<10} {result:<6} {score:>5} "
                    f"{r['steps']:>5} {r['seconds']:>7.1f} {r['tokens']:>8}")  # fmt: skip
    scored = [r for r in records if r["score"] is not None]
    left_out = len(records) - len(scored)
    rows.append(f"success rate: {_rate(scored)}" + (f"; {left_out} skipped" if left_out else ""))
    for app in sorted({r.get("app", "other") for r in scored}):
        rows.append(f"  {app}: {_rate([r for r in scored if r.get('app', 'other') == app])}")
    return "\n".join(rows)


def _rate(records: list[dict[str, Any]]) -> str:
    """Passed / ran, and OSWorld's figure: the mean score (partial credit counts)."""
    passed = sum(1 for r in records if r["score"] >= 1.0)
    mean = sum(r["score"] for r in records) / len(records) if records else 0.0
    return (
        f"{passed}/{len(records)} ({passed / len(records) * 100 if records else 0:.0f}%), "
        f"mean score {mean:.2f}"
    )
