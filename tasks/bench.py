"""`agent bench SUITE`: every task (and every rollout of it) in a worker process of its own (its
own display, workspace and HOME), N at a time on this machine or spread over a Ray cluster
(`--ray`), with a progress line per attempt, a table at the end and `results.json`.

Before any task starts, the model server is asked for its models: a suite without a server stops
at once with the message `agent run` gives (and so does one whose server goes away mid-suite).
Ctrl-C stops starting new tasks; the running ones finish and everything finished is kept; the
tasks that never ran count as failed and the command exits non-zero. `--resume` skips what is
already in the results file and runs again what ended in `error`.

A task that needs what we lack (an OSWorld task with an unsupported setup type, getter or
metric) is not run: it is listed as skipped with the missing pieces by name, kept in
`results.json` with status "skipped" and score null, and left out of the success rates.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import json
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agent.errors import ModelServerUnreachable
from agent.model import DEFAULT_URL, ModelClient, ModelSettings
from tasks.attempt import Unit, WorkerOptions, run_attempt, skipped
from tasks.osworld.index import SuiteOptions
from tasks.results import Header, ResultsFile, key_of
from tasks.scores import table
from tasks.spec import Task, TaskError, load_suite

__all__ = [
    "BenchSettings",
    "RayOptions",
    "Selection",
    "SuiteResult",
    "WorkerOptions",
    "run_suite",
    "skipped",
    "table",
]
SERVER_GONE = "no model server at "  # how ModelServerUnreachable's message begins


@dataclass(frozen=True)
class Selection:
    task_ids: tuple[str, ...] = ()  # --task: only these
    pattern: str | None = None  # -k: ids containing it (or matching it, with * ? [ ])


@dataclass(frozen=True)
class RayOptions:
    address: str  # host:port of the head, ray://..., or "auto"
    shared_out: bool = False  # --out is the same shared folder on every node
    node_retries: int = 2  # attempts run again elsewhere after their node was lost


@dataclass(frozen=True)
class BenchSettings:
    suite: Path
    out: Path
    worker: WorkerOptions = field(
        default_factory=WorkerOptions
    )  # the oracle or the model, the time per task
    workers: int = 1  # attempts at once on this machine (without ray)
    resume: bool = False
    rollouts: int = 1
    selection: Selection = field(default_factory=Selection)
    ray: RayOptions | None = None  # None runs here
    osworld: SuiteOptions = field(default_factory=SuiteOptions)  # domains, download cache


@dataclass(frozen=True)
class SuiteResult:
    records: tuple[dict[str, Any], ...]  # the selected attempts that ended (or were skipped)
    not_run: tuple[str, ...]  # keys of the attempts that never ran
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        scored = [r for r in self.records if r["score"] is not None]
        return bool(scored) and not self.not_run and all(r["score"] >= 1.0 for r in scored)


class Runner(Protocol):
    """Where attempts run: this machine's processes, or Ray nodes."""

    def capacity(self) -> int: ...
    def running(self) -> list[Unit]: ...
    def start(self, unit: Unit) -> None: ...
    def collect(self) -> list[dict[str, Any]]: ...  # blocks until some end (or ~1 s)
    def close(self) -> None: ...


class LocalRunner:
    def __init__(self, workers: int, out: Path, options: WorkerOptions) -> None:
        self.workers, self.out, self.options = max(1, workers), out, options
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="bench")
        self._running: dict[Future[dict[str, Any]], Unit] = {}

    def capacity(self) -> int:
        return self.workers

    def running(self) -> list[Unit]:
        return list(self._running.values())

    def start(self, unit: Unit) -> None:
        future = self._pool.submit(run_attempt, unit, unit.task.path, self.out, self.options)
        self._running[future] = unit

    def collect(self) -> list[dict[str, Any]]:
        ready, _ = wait(self._running, return_when=FIRST_COMPLETED)
        for future in ready:
            self._running.pop(future)
        return [{**future.result(), "node": "local"} for future in ready]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def select(tasks: list[Task], suite: Path, ids: Sequence[str], pattern: str | None) -> list[Task]:
    """The tasks `--task ID` and `-k PATTERN` choose (all of them without either). An OSWorld
    task is named by its id (every domain's task of that id) or by domain/id."""
    known = {task.id for task in tasks} | {task.key for task in tasks}
    if unknown := [i for i in ids if i not in known]:
        near = difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(near)}?" if near else "`-k PATTERN` matches by part"
        count = len({task.key for task in tasks})
        raise TaskError(f"no task {unknown[0]!r} among the {count} in {suite}: {hint}")
    chosen = [
        task
        for task in tasks
        if (not ids or task.id in ids or task.key in ids)
        and (_matches(task.id, pattern) or _matches(task.key, pattern))
    ]
    if not chosen:
        raise TaskError(f"-k {pattern!r} matches none of the {len(tasks)} tasks in {suite}")
    return chosen


def _matches(task_id: str, pattern: str | None) -> bool:
    if pattern is None:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(task_id, pattern)
    return pattern in task_id


def header_for(settings: BenchSettings, tasks: list[Task]) -> Header:
    """What produces these results; asks the model server first, so a missing one stops the
    suite before any task starts, with the message `agent run` gives."""
    worker, model = settings.worker, None
    if not worker.oracle:
        url = worker.model_url or DEFAULT_URL
        probe = ModelClient(ModelSettings(base_url=url, api_key=worker.api_key))
        served = probe.model  # raises ModelServerUnreachable when nothing answers
        model = worker.model or served
    return Header(
        oracle=worker.oracle,
        model=model,
        family=family_of(settings, model),
        settings={
            "rollouts": settings.rollouts,
            "task_timeout": worker.task_timeout,
            "agent": _agent_settings(settings),
        },
        model_url=None if worker.oracle else worker.model_url,
    )


def family_of(settings: BenchSettings, model: str | None) -> str:
    """The family and preset the workers speak to this model with (the oracle: the default
    family's wire format unless --family names one)."""
    from agent.builder import resolve_family
    from agent.settings import Settings

    agent = Settings.from_json(settings.worker.settings) if settings.worker.settings else Settings()
    resolution = resolve_family(agent.family, model or "")
    return f"{resolution.spec.name} (preset {resolution.preset.name})"


def _agent_settings(settings: BenchSettings) -> dict[str, Any]:
    """The agent's settings that change results (model, family, loop), without their sources."""
    if not settings.worker.settings:
        return {}
    data = json.loads(settings.worker.settings)
    data.pop("sources", None)
    data.get("model", {}).pop("api_key", None)
    return dict(data)


class Progress:
    def __init__(self, total: int, finished: int, say: Callable[[str], None], nodes: bool) -> None:
        self.total, self.finished, self.say, self.nodes = total, finished, say, nodes

    def line(self, record: dict[str, Any]) -> None:
        self.finished += 1
        name = key_of(record)
        if record["score"] is None:
            self.say(f"[{self.finished}/{self.total}] SKIP {name}: skipped: {record['reason']}")
            return
        mark = "PASS" if record["score"] >= 1.0 else "FAIL"
        where = f" on {record.get('node', '?')}" if self.nodes else ""
        retried = f", retried {len(record['retried'])}x" if record.get("retried") else ""
        self.say(
            f"[{self.finished}/{self.total}] {mark} {name} ({record['status']}, "
            f"{record['steps']} steps, {record['seconds']:.1f} s{where}{retried}): "
            f"{record['reason']}" + (_why(record) if mark == "FAIL" else "")
        )


def _runner(settings: BenchSettings, options: WorkerOptions, say: Callable[[str], None]) -> Runner:
    if settings.ray is None:
        return LocalRunner(settings.workers, settings.out, options)
    from tasks.ray_runner import RayRunner  # Ray is imported only with --ray

    return RayRunner(settings.ray, settings.suite, settings.out, options, say)


def run_suite(settings: BenchSettings, say: Callable[[str], None] = print) -> SuiteResult:
    """Run the suite (the library API of `agent bench`). Raises AgentError when it cannot start
    (no model server, bad selection, a results file of other settings) or when the model server
    went away mid-suite (after saving and printing what finished)."""
    chosen = settings.selection
    suite = load_suite(settings.suite, settings.osworld)
    tasks = select(suite, settings.suite, chosen.task_ids, chosen.pattern)
    header = header_for(settings, tasks)
    settings.out.mkdir(parents=True, exist_ok=True)
    keys = {(t.id, t.app): t.key for t in tasks}
    results = ResultsFile(settings.out / "results.json", header, settings.resume, keys)
    units = [Unit(t, r, settings.rollouts) for t in tasks for r in range(1, settings.rollouts + 1)]
    done = sum(1 for unit in units if unit.key in results.records)
    if settings.resume:
        say(f"resuming: {done} of {len(units)} tasks already finished")
    progress = Progress(len(units), done, say, nodes=settings.ray is not None)
    for unit in units:
        if unit.task.unsupported and unit.key not in results.records:
            results.records[unit.key] = {**skipped(unit.task), "rollout": unit.rollout}
            progress.line(results.records[unit.key])
    results.save()
    pending = [unit for unit in units if unit.key not in results.records]
    options = dataclasses.replace(settings.worker, model=header.model)
    interrupted, stopped = False, None
    runner = _runner(settings, options, say) if pending else None
    try:
        if runner is not None:
            stopped = _drive(runner, pending, results, progress)
    except KeyboardInterrupt:
        interrupted = True
        assert runner is not None
        running = len(runner.running())
        say(f"stopping: waiting for {running} running task(s); {len(pending)} not started")
        while runner.running():  # a second Ctrl-C ends this wait too (what finished is kept)
            for record in runner.collect():
                results.put(record)
                progress.line(record)
    finally:
        if runner is not None:
            runner.close()
    ordered = [results.records[unit.key] for unit in units if unit.key in results.records]
    missing = [unit for unit in units if unit.key not in results.records]
    not_run = [(unit.task.key, unit.task.app) for unit in missing]
    say(table(ordered, not_run, settings.rollouts, nodes=settings.ray is not None))
    if stopped:
        raise ModelServerUnreachable(stopped)
    return SuiteResult(tuple(ordered), tuple(unit.key for unit in missing), interrupted)


def _drive(
    runner: Runner, pending: list[Unit], results: ResultsFile, progress: Progress
) -> str | None:
    """Keep the runner full until every attempt ended; returns why it stopped early, if so."""
    stopped = None
    while pending or runner.running():
        while pending and len(runner.running()) < runner.capacity():
            runner.start(pending.pop(0))
        for record in runner.collect():
            results.put(record)
            progress.line(record)
            if record["status"] == "error" and str(record["reason"]).startswith(SERVER_GONE):
                stopped = record["reason"]
                pending.clear()  # start nothing more; the running ones end on their own
    return stopped


def _why(record: dict[str, Any], lines: int = 8) -> str:
    """What the evaluators expected and found, under a FAIL line (indented, a few lines)."""
    text = "\n".join(record.get("why") or record.get("errors") or [])
    if not text:
        return ""
    shown = text.splitlines()
    more = ["…"] if len(shown) > lines else []
    return "\n" + "\n".join(f"    {line}" for line in shown[:lines] + more)
