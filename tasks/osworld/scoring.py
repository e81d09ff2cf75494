"""An OSWorld task's score, as OSWorld's DesktopEnv.evaluate computes it: an `infeasible` task
scores 1 when the agent declared failure and 0 otherwise; any other task scores 0 when the agent
declared failure. Otherwise each metric gets its getters' values; several metrics combine with
`conj`: "and" is 0 as soon as one scores 0, else their mean; "or" is 1 as soon as one scores 1,
else their best. A metric without an expected getter is called with the result alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from environments.desktop.session import SessionRunner
from tasks.osworld.conventions import task_env
from tasks.osworld.getters import GETTERS, Machine
from tasks.osworld.metrics import METRICS

FAILED = "failure"  # the agent's FAIL


def _get(machine: Machine, getter: dict[str, Any] | None) -> Any:
    return None if not getter else GETTERS[getter["type"]](machine, getter)


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
    scores = []
    for name, got, want, extra in zip(func, result, expected, options, strict=True):
        states = [_get(machine, got)]
        wanted = _get(machine, want)
        if wanted is not None:
            states.append(wanted)
        score = float(METRICS[name](*states, **extra))
        if len(func) == 1:
            return score
        if (conj == "and" and score == 0.0) or (conj == "or" and score == 1.0):
            return score
        scores.append(score)
    return sum(scores) / len(scores) if conj == "and" else max(scores)
