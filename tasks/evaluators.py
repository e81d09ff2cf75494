"""Evaluators: small functions `(probe, **arguments) -> score in [0, 1]` judging the real end
state. They only read, through the probe; a crash inside one scores 0 with the error recorded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adbutils import AdbDevice

from tasks.osworld.scoring import judge


@dataclass(frozen=True)
class Probe:
    """What an evaluator may look at after a task: files, the answer, windows, a command."""

    workspace: Path
    status: str
    answer: str | None
    window_titles: tuple[str, ...]
    env: dict[str, str]
    device: AdbDevice | None = None  # the phone of an Android task, read through adb

    def phone(self) -> AdbDevice:
        if self.device is None:
            raise ValueError("this evaluator needs an Android task (environment type android)")
        return self.device

    def path(self, name: str) -> Path:
        return self.workspace / name

    def run(self, command: str) -> str:
        result = subprocess.run(
            ["bash", "-c", command], cwd=self.workspace, env=self.env,
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        return result.stdout


Evaluator = Callable[..., float]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(function: Evaluator) -> Evaluator:
    EVALUATORS[function.__name__] = function
    return function


def _score(ok: bool) -> float:
    return 1.0 if ok else 0.0


@evaluator
def file_exists(probe: Probe, path: str) -> float:
    return _score(probe.path(path).is_file())


@evaluator
def file_absent(probe: Probe, path: str) -> float:
    return _score(not probe.path(path).exists())


@evaluator
def text_equals(probe: Probe, path: str, expected: str, strip: bool = True) -> float:
    text = probe.path(path).read_text(encoding="utf-8")
    return _score(text.strip() == expected.strip() if strip else text == expected)


@evaluator
def text_contains(probe: Probe, path: str, expected: list[str] | str) -> float:
    text = probe.path(path).read_text(encoding="utf-8")
    wanted = [expected] if isinstance(expected, str) else expected
    return _score(all(item in text for item in wanted))


@evaluator
def text_regex(probe: Probe, path: str, pattern: str) -> float:
    return _score(re.search(pattern, probe.path(path).read_text(encoding="utf-8")) is not None)


def _cells(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if row]


def _same(a: str, b: str, tolerance: float) -> bool:
    try:
        return abs(float(a) - float(b)) <= tolerance
    except ValueError:
        return a == b


@evaluator
def csv_equal(probe: Probe, path: str, expected: str, tolerance: float = 0.0) -> float:
    got, want = _cells(probe.path(path).read_text()), _cells(expected)
    return _score(
        len(got) == len(want)
        and all(len(g) == len(w) and all(_same(x, y, tolerance) for x, y in zip(g, w, strict=True))
                for g, w in zip(got, want, strict=True))
    )  # fmt: skip


def _json_same(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_same(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            _json_same(x, y, tolerance) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(a - b) <= tolerance
    return a == b


@evaluator
def json_equal(probe: Probe, path: str, expected: Any, tolerance: float = 0.0) -> float:
    return _score(_json_same(json.loads(probe.path(path).read_text()), expected, tolerance))


@evaluator
def command_output(probe: Probe, command: str, expected: str) -> float:
    return _score(probe.run(command).strip() == expected.strip())


@evaluator
def window_title(probe: Probe, contains: str) -> float:
    return _score(any(contains in title for title in probe.window_titles))


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s.-]", " ", text).split())


@evaluator
def answer_match(
    probe: Probe, expected: str | list[str], mode: str = "normalized", tolerance: float = 0.0
) -> float:
    """mode: exact, normalized (case, spacing, punctuation), number (within tolerance)."""
    if probe.answer is None:
        return 0.0
    options = [expected] if isinstance(expected, str) else expected
    for option in options:
        if mode == "exact" and probe.answer == option:
            return 1.0
        if mode == "normalized" and _normal(probe.answer) == _normal(option):
            return 1.0
        if mode == "number":
            numbers = re.findall(r"-?\d+(?:\.\d+)?", probe.answer.replace(",", ""))
            if numbers and abs(float(numbers[-1]) - float(option)) <= tolerance:
                return 1.0
    return 0.0


@evaluator
def terminated(probe: Probe, status: str = "failure") -> float:
    """For infeasible tasks: the agent must end with this status."""
    return _score(probe.status == status)


@evaluator
def osworld(
    probe: Probe,
    func: list[str],
    result: list[dict[str, Any] | None],
    expected: list[dict[str, Any] | None],
    options: list[dict[str, Any]],
    conj: str = "and",
) -> float:
    """An OSWorld task's evaluator block, as tasks/osworld/loader.py translated it, scored with
    OSWorld's semantics (tasks/osworld/scoring.py) in the task's home (the workspace)."""
    return judge(probe.workspace, probe.env, probe.status, func, result, expected, options, conj)


@evaluator
def android_setting(probe: Probe, key: str, expected: str, namespace: str = "global") -> float:
    """`adb shell settings get NAMESPACE KEY` equals `expected`."""
    value = probe.phone().shell(["settings", "get", namespace, key]).strip()
    return _score(value == str(expected))


@evaluator
def android_current_app(probe: Probe, package: str) -> float:
    return _score(probe.phone().app_current().package == package)


def _phone_text(probe: Probe, path: str) -> str:
    return probe.phone().sync.read_bytes(path).decode("utf-8")


@evaluator
def android_file_contains(probe: Probe, path: str, expected: list[str] | str) -> float:
    """A file on the phone (pulled over sync) contains every one of `expected`."""
    text = _phone_text(probe, path)
    wanted = [expected] if isinstance(expected, str) else expected
    return _score(all(piece in text for piece in wanted))


def _has(record: dict[str, Any], fields: dict[str, Any]) -> bool:
    return all(_normal(str(record.get(k, ""))) == _normal(str(v)) for k, v in fields.items())


@evaluator
def android_json_has(
    probe: Probe, path: str, item: dict[str, Any], count: int | None = None
) -> float:
    """A JSON list on the phone holds a record with these fields (compared normalised);
    with `count`, exactly that many such records (0: none, e.g. after a deletion; with an
    empty `item`, the length of the list)."""
    records = json.loads(_phone_text(probe, path))
    matches = sum(1 for record in records if isinstance(record, dict) and _has(record, item))
    return _score(matches == count if count is not None else matches > 0)


def _run_all(probe: Probe, steps: list[dict[str, Any]]) -> list[float]:
    return [evaluate_one(probe, name, args)[0] for step in steps for name, args in step.items()]


@evaluator
def all_of(probe: Probe, value: list[dict[str, Any]]) -> float:
    return min(_run_all(probe, value), default=0.0)


@evaluator
def any_of(probe: Probe, value: list[dict[str, Any]]) -> float:
    return max(_run_all(probe, value), default=0.0)


def evaluate_one(probe: Probe, name: str, args: dict[str, Any]) -> tuple[float, str | None]:
    """(score, error): an evaluator that raises scores 0 and says why."""
    try:
        return float(EVALUATORS[name](probe, **args)), None
    except Exception as exc:
        return 0.0, f"{name} failed: {type(exc).__name__}: {exc}"
