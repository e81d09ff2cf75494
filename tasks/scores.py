"""The table at the end of a suite: one row per task (per attempt with one rollout, per task
with pass@1 and pass@K for K rollouts), success rates overall and per app.

Attempts that never ran (the suite was interrupted or stopped) count as failures: a rate is
always over every selected task. Skipped tasks (needing what we lack) are left out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskScore:
    """pass@1 and pass@K of one task from its K rollouts (unbiased estimator with n = K)."""

    key: str  # the task's id, or domain/id for an OSWorld task
    app: str
    passed: int
    rollouts: int

    @property
    def pass_at_1(self) -> float:
        return self.passed / self.rollouts

    @property
    def pass_at_k(self) -> float:
        return 1.0 if self.passed else 0.0


def task_scores(
    records: Sequence[dict[str, Any]], not_run: Sequence[tuple[str, str]], rollouts: int
) -> list[TaskScore]:
    """Scores per task; `not_run` holds (task key, app) of each attempt that never ran."""
    passed: dict[str, int] = {}
    apps: dict[str, str] = {}
    for record in records:
        if record["score"] is None:
            continue
        key = record.get("key") or record["id"]
        apps[key] = record.get("app", "other")
        passed[key] = passed.get(key, 0) + (record["score"] >= 1.0)
    for key, app in not_run:
        apps.setdefault(key, app)
        passed.setdefault(key, 0)
    return [TaskScore(t, apps[t], passed[t], rollouts) for t in apps]


def table(
    records: Sequence[dict[str, Any]],
    not_run: Sequence[tuple[str, str]] = (),
    rollouts: int = 1,
    nodes: bool = False,
) -> str:
    if rollouts == 1:
        rows = _attempt_rows(records, nodes)
    else:
        rows = _task_rows(records, not_run, rollouts)
    scores = task_scores(records, not_run, rollouts)
    skipped = sum(1 for r in records if r["score"] is None)
    notes = [f"{skipped} skipped"] if skipped else []
    notes += [f"{len(not_run)} not run (counted as failed)"] if not_run else []
    rate = _rate(scores, rollouts)
    if rollouts == 1:  # OSWorld's figure: the mean score, partial credit counting
        rate += f", mean score {_mean(records, len(not_run)):.2f}"
    rows.append(f"success rate: {rate}" + "".join(f"; {n}" for n in notes))
    for app in sorted({s.app for s in scores}):
        rows.append(f"  {app}: {_rate([s for s in scores if s.app == app], rollouts)}")
    return "\n".join(rows)


def _attempt_rows(records: Sequence[dict[str, Any]], nodes: bool) -> list[str]:
    node = f" {'node':<24}" if nodes else ""
    head = f"{'task':<32} {'app':<10} {'result':<6} {'score':>5} {'steps':>5} {'wall s':>7}"
    rows = [f"{head} {'tokens':>8}{node}"]
    for r in records:
        result = "skip" if r["score"] is None else "pass" if r["score"] >= 1.0 else "fail"
        score = "-" if r["score"] is None else f"{r['score']:.2f}"
        where = f" {r.get('node', '-'):<24}" if nodes else ""
        rows.append(
            f"{r['id']:<32} {r.get('app', 'other'):<10} {result:<6} {score:>5} "
            f"{r['steps']:>5} {r['seconds']:>7.1f} {r['tokens']:>8}{where}"
        )
    return rows


def _task_rows(
    records: Sequence[dict[str, Any]], not_run: Sequence[tuple[str, str]], rollouts: int
) -> list[str]:
    rows = [f"{'task':<32} {'app':<10} {'passed':>7} {'pass@1':>7} {f'pass@{rollouts}':>7}"]
    for score in task_scores(records, not_run, rollouts):
        rows.append(
            f"{score.key:<32} {score.app:<10} {f'{score.passed}/{rollouts}':>7} "
            f"{score.pass_at_1:>7.2f} {score.pass_at_k:>7.2f}"
        )
    return rows


def _rate(scores: Sequence[TaskScore], rollouts: int) -> str:
    if rollouts == 1:
        passed = sum(s.passed for s in scores)
        share = passed / len(scores) * 100 if scores else 0
        return f"{passed}/{len(scores)} ({share:.0f}%)"
    count = len(scores) or 1
    at_1 = sum(s.pass_at_1 for s in scores) / count
    at_k = sum(s.pass_at_k for s in scores) / count
    return f"pass@1 {at_1:.2f}, pass@{rollouts} {at_k:.2f} over {len(scores)} tasks"


def _mean(records: Sequence[dict[str, Any]], unrun: int) -> float:
    """The mean score over every selected attempt; one that never ran scores 0."""
    scored = [float(r["score"]) for r in records if r["score"] is not None]
    count = len(scored) + unrun
    return sum(scored) / count if count else 0.0
