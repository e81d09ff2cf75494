"""OSWorld's suites: an index file (test_all.json, test_small.json or any file of the same shape:
{"domain": ["task id", ...]}) next to `examples/<domain>/<id>.json`, and the Windows tasks in
`examples_windows/<domain>/` (or `examples/Windows/<domain>/` in older copies), which are
listed and skipped.

`agent bench DIR --list` prints, per domain, how many tasks run here and how many are skipped
for each kind of reason (a task skipped for several kinds counts once under each).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from tasks.osworld.cache import Cache
from tasks.osworld.loader import REASONS, load_osworld
from tasks.spec import Task, TaskError

INDEX = "test_all.json"
_URL = re.compile(r" https?://\S+")


@dataclass(frozen=True)
class SuiteOptions:
    """Which part of an OSWorld suite to load and where its downloads are cached."""

    domains: tuple[str, ...] = ()
    cache: Path | None = None
    windows: bool = False  # also list the Windows tasks (always skipped)
    fetch: bool = False  # download what the tasks need into the cache first


def index_file(path: Path) -> Path | None:
    """The index of an OSWorld suite given as its folder or as an index file; else None."""
    if path.is_dir():
        return path / INDEX if (path / INDEX).is_file() else None
    if path.suffix != ".json" or not (path.parent / "examples").is_dir():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    shaped = isinstance(data, dict) and all(isinstance(v, list) for v in data.values())
    return path if shaped and data else None


def _broken(path: Path, domain: str, error: Exception) -> Task:
    return Task(
        id=path.stem,
        instruction="",
        path=path,
        app=domain,
        unsupported=(f"malformed: {error}",),
        key=f"{domain}/{path.stem}",
    )


def _load(path: Path, cache: Cache | None, domain: str, windows: bool = False) -> Task:
    try:
        return load_osworld(path, cache, domain, windows)
    except TaskError as exc:
        return _broken(path, domain, exc)


def _windows_tasks(root: Path, cache: Cache | None) -> list[Task]:
    tasks = []
    for folder in (root / "examples_windows", root / "examples" / "Windows"):
        for path in sorted(folder.glob("**/*.json")) if folder.is_dir() else []:
            tasks.append(_load(path, cache, "windows", windows=True))
    return tasks


def load_index(index: Path, options: SuiteOptions) -> list[Task]:
    """Every task the index names (in the chosen domains), each runnable or skipped with its
    reasons; a task file that is missing or broken is skipped as "malformed"."""
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TaskError(f"OSWorld index {index} is not valid JSON: {exc}") from exc
    wanted = set(options.domains)
    known = set(data) | ({"windows"} if options.windows else set())
    unknown = sorted(wanted - known)
    if unknown:
        raise TaskError(
            f"--domain {unknown[0]}: {index.name} has the domains {', '.join(sorted(known))}"
        )
    cache = Cache(options.cache) if options.cache else None
    root = index.parent
    tasks = []
    for domain, ids in data.items():
        if wanted and domain not in wanted:
            continue
        for task_id in ids:
            path = root / "examples" / domain / f"{task_id}.json"
            if not path.is_file():
                tasks.append(_broken(path, domain, TaskError(f"no task file {path}")))
                continue
            tasks.append(_load(path, cache, domain))
    if options.windows and (not wanted or "windows" in wanted):
        tasks += _windows_tasks(root, cache)
    if cache is not None and options.fetch:
        tasks = _fetched(tasks, cache)
    return tasks


def _fetched(tasks: list[Task], cache: Cache) -> list[Task]:
    """The tasks again after downloading the files of those that only lack them; a URL that
    cannot be fetched stays a "network" reason, with the error."""
    only_network = [t for t in tasks if t.unsupported and _online(t)]
    urls = [url for t in only_network for url in t.setup[0].args.get("urls", [])]
    failed = cache.prefetch(urls)
    again = {t.key: _load(t.path, cache, t.app) for t in only_network}
    for task_id, task in again.items():
        errors = [
            f"network: {failed[u]}" for u in task.setup[0].args.get("urls", []) if u in failed
        ]
        if errors:
            again[task_id] = replace(task, unsupported=tuple(errors))
    return [again.get(t.key, t) for t in tasks]


def list_suite(suite: Path, options: SuiteOptions, say: Callable[[str], None] = print) -> int:
    """`agent bench SUITE --list`: the table, then every skip reason with its count."""
    from tasks.spec import load_suite

    tasks = load_suite(suite, replace(options, windows=True, fetch=False))
    say(listing(tasks))
    runnable = [t.id for t in tasks if not t.unsupported]
    online = sum(1 for t in tasks if _online(t))
    say(
        f"\n{len(runnable)} of {len(tasks)} tasks run here; {online} with network access (their"
        " files downloaded into --cache); skip reasons (tasks):"
    )
    for line in reasons(tasks):
        say(line)
    return 0


def listing(tasks: list[Task]) -> str:
    """The --list table: per domain, tasks, runnable here, runnable with network access (only
    network reasons), skipped by kind of reason."""
    kinds = [kind for kind in REASONS if any(_kinds(t).get(kind) for t in tasks)]
    header = f"{'domain':<20} {'tasks':>5} {'run':>5} {'online':>6}"
    header += "".join(f" {k:>11}" for k in kinds)
    rows = [header]
    totals: Counter[str] = Counter()
    domains = sorted({t.app for t in tasks})
    for domain in [*domains, "total"]:
        chosen = tasks if domain == "total" else [t for t in tasks if t.app == domain]
        counts: Counter[str] = Counter()
        for task in chosen:
            counts.update(_kinds(task))
        runnable = sum(1 for t in chosen if not t.unsupported)
        online = sum(1 for t in chosen if _online(t))
        rows.append(
            f"{domain:<20} {len(chosen):>5} {runnable:>5} {online:>6}"
            + "".join(f" {counts[k]:>11}" for k in kinds)
        )
        if domain != "total":
            totals.update(counts)
    return "\n".join(rows)


def _online(task: Task) -> bool:
    """Whether the task runs here given the network (its downloads, logins, live pages)."""
    return all(reason.startswith("network:") for reason in task.unsupported)


def _kinds(task: Task) -> Counter[str]:
    return Counter({reason.split(":", 1)[0] for reason in task.unsupported})


def reasons(tasks: list[Task]) -> list[str]:
    """Every skip reason with how many tasks it stops, most frequent first."""
    counts = Counter(
        reason for task in tasks for reason in {_URL.sub(" (URL)", r) for r in task.unsupported}
    )
    return [f"{n:>4}  {reason}" for reason, n in counts.most_common()]
