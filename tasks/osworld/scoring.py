"""An OSWorld task's score, as OSWorld's DesktopEnv.evaluate computes it: an `infeasible` task
scores 1 when the agent declared failure and 0 otherwise; any other task scores 0 when the agent
declared failure. Otherwise each metric gets its getters' values; several metrics combine with
`conj`: "and" is 0 as soon as one scores 0, else their mean; "or" is 1 as soon as one scores 1,
else their best. A metric without an expected getter is called with the result alone.

Downloaded files (cloud_file) are given to the metric under their `dest` names, in one folder,
as OSWorld's cache holds them: a metric may read a file beside the one it is given (compare_table's
sheet_print reads `<workbook>-<sheet>.csv` next to the workbook).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from environments.desktop.session import SessionRunner
from tasks.osworld.conventions import task_env
from tasks.osworld.getters import GETTERS, Machine
from tasks.osworld.metrics import METRICS

FAILED = "failure"  # the agent's FAIL


def _named(getter: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A cloud_file getter whose files are copies under their `dest` names in `folder`."""
    dest = getter.get("dest")
    if getter["type"] not in ("cloud_file", "local_file") or not dest:
        return getter
    names = dest if isinstance(dest, list) else [dest]
    files = []
    for source, name in zip(getter["files"], names, strict=False):
        if source is None or not isinstance(name, str) or Path(name).name != name:
            files.append(source)
            continue
        shutil.copyfile(source, folder / name)
        files.append(str(folder / name))
    return {**getter, "files": files}


def _get(machine: Machine, getter: dict[str, Any] | None, folder: Path) -> Any:
    if not getter:
        return None
    getter = _named(getter, folder)
    return GETTERS[getter["type"]](machine, getter)


def judge(
    home: Path,
    session: SessionRunner,
    status: str,
    func: list[str],
    result: list[dict[str, Any] | None],
    expected: list[dict[str, Any] | None],
    options: list[dict[str, Any]],
    conj: str = "and",
) -> float:
    if func == ["infeasible"]:
        return float(status == FAILED)
    if status == FAILED:
        return 0.0
    machine = Machine(home, session.with_env(task_env(session.env, home)))
    with tempfile.TemporaryDirectory(prefix="osworld-expected-") as folder:
        return _score(machine, Path(folder), func, result, expected, options, conj)


def _score(
    machine: Machine,
    folder: Path,
    func: list[str],
    result: list[dict[str, Any] | None],
    expected: list[dict[str, Any] | None],
    options: list[dict[str, Any]],
    conj: str,
) -> float:
    scores = []
    for name, got, want, extra in zip(func, result, expected, options, strict=True):
        states = [_get(machine, got, folder)]
        wanted = _get(machine, want, folder)
        if wanted is not None:
            states.append(wanted)
        score = float(METRICS[name](*states, **extra))
        if len(func) == 1:
            return score
        if (conj == "and" and score == 0.0) or (conj == "or" and score == 1.0):
            return score
        scores.append(score)
    return sum(scores) / len(scores) if conj == "and" else max(scores)
