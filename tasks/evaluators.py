"""Evaluators: small functions `(probe, **arguments) -> Verdict` judging the real end state: a
score in [0, 1] and, when it falls short, what was expected and what was found (a text diff, the
differing cells). They only read, through the probe; a crash inside one scores 0 with the error
recorded.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adbutils import AdbDevice

from environments.desktop.session import SessionRunner
from tasks.osworld.scoring import judge


@dataclass(frozen=True)
class Probe:
    """What an evaluator may look at after a task: files, the answer, windows, a command."""

    workspace: Path
    status: str
    answer: str | None
    window_titles: tuple[str, ...]
    session: SessionRunner  # how the task's commands run: the session's environment and user
    device: AdbDevice | None = None  # the phone of an Android task, read through adb

    def phone(self) -> AdbDevice:
        if self.device is None:
            raise ValueError("this evaluator needs an Android task (environment type android)")
        return self.device

    def path(self, name: str) -> Path:
        return self.workspace / name

    def run(self, command: str) -> str:
        return self.session.run(["bash", "-c", command], self.workspace, 30).stdout


@dataclass(frozen=True)
class Verdict:
    """A score, and when it is below 1, why: what was expected and what was found."""

    score: float
    why: str | None = None
    error: str | None = None  # the evaluator itself failed (a missing file, a crash)


Evaluator = Callable[..., "Verdict | float"]
EVALUATORS: dict[str, Evaluator] = {}
_SHOWN = 300  # characters of a found or expected value shown in a reason


def evaluator(function: Evaluator) -> Evaluator:
    EVALUATORS[function.__name__] = function
    return function


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _score(ok: bool, expected: object = None, found: object = None, what: str = "") -> Verdict:
    if ok:
        return Verdict(1.0)
    about = f"{what}: " if what else ""
    return Verdict(0.0, f"{about}expected {_short(expected)}, found {_short(found)}")


def _text_diff(expected: str, found: str, name: str) -> str:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), found.splitlines(), "expected", name, lineterm="", n=1
        )
    )
    shown = "\n".join(lines[:14]) + ("\n…" if len(lines) > 14 else "")
    return f"{name} differs from what was expected:\n{shown}"


def _listing(probe: Probe, path: str) -> list[str]:
    folder = probe.path(path).parent
    return sorted(p.name for p in folder.iterdir())[:20] if folder.is_dir() else []


@evaluator
def file_exists(probe: Probe, path: str) -> Verdict:
    if probe.path(path).is_file():
        return Verdict(1.0)
    return Verdict(0.0, f"no file {path}; its folder holds {_short(_listing(probe, path))}")


@evaluator
def file_absent(probe: Probe, path: str) -> Verdict:
    return Verdict(1.0) if not probe.path(path).exists() else Verdict(0.0, f"{path} still exists")


@evaluator
def text_equals(probe: Probe, path: str, expected: str, strip: bool = True) -> Verdict:
    text = probe.path(path).read_text(encoding="utf-8")
    found, wanted = (text.strip(), expected.strip()) if strip else (text, expected)
    return Verdict(1.0) if found == wanted else Verdict(0.0, _text_diff(wanted, found, path))


@evaluator
def text_contains(probe: Probe, path: str, expected: list[str] | str) -> Verdict:
    text = probe.path(path).read_text(encoding="utf-8")
    wanted = [expected] if isinstance(expected, str) else expected
    missing = [item for item in wanted if item not in text]
    return _score(not missing, missing, text, f"{path} lacks {len(missing)} of {len(wanted)}")


@evaluator
def text_regex(probe: Probe, path: str, pattern: str) -> Verdict:
    text = probe.path(path).read_text(encoding="utf-8")
    return _score(re.search(pattern, text) is not None, f"a match of {pattern}", text, path)


def _cells(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if row]


def _same(a: str, b: str, tolerance: float) -> bool:
    try:
        return abs(float(a) - float(b)) <= tolerance
    except ValueError:
        return a == b


def _cell_differences(got: list[list[str]], want: list[list[str]], tolerance: float) -> list[str]:
    """Where two tables differ: their shapes, then each differing cell (1-based row, column)."""
    if len(got) != len(want):
        return [f"{len(want)} rows expected, {len(got)} found"]
    found = []
    for row, (g, w) in enumerate(zip(got, want, strict=True), 1):
        if len(g) != len(w):
            found.append(f"row {row}: {len(w)} cells expected, {len(g)} found")
            continue
        found += [
            f"row {row} column {column}: expected {x!r}, found {y!r}"
            for column, (y, x) in enumerate(zip(g, w, strict=True), 1)
            if not _same(y, x, tolerance)
        ]
    return found


@evaluator
def csv_equal(probe: Probe, path: str, expected: str, tolerance: float = 0.0) -> Verdict:
    differences = _cell_differences(
        _cells(probe.path(path).read_text()), _cells(expected), tolerance
    )
    if not differences:
        return Verdict(1.0)
    more = f" (and {len(differences) - 5} more)" if len(differences) > 5 else ""
    return Verdict(0.0, f"{path} differs: " + "; ".join(differences[:5]) + more)


def _json_difference(a: Any, b: Any, tolerance: float, where: str = "$") -> str | None:
    """The first place where `a` (found) differs from `b` (expected), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys expected {sorted(b)}, found {sorted(a)}"
        return next(
            (d for k in b if (d := _json_difference(a[k], b[k], tolerance, f"{where}.{k}"))), None
        )
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(b)} items expected, {len(a)} found"
        pairs = enumerate(zip(a, b, strict=True))
        return next(
            (d for n, (x, y) in pairs if (d := _json_difference(x, y, tolerance, f"{where}[{n}]"))),
            None,
        )
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    if numbers and not isinstance(a, bool) and not isinstance(b, bool):
        same = abs(a - b) <= tolerance
    else:
        same = a == b
    return None if same else f"{where}: expected {_short(b)}, found {_short(a)}"


@evaluator
def json_equal(probe: Probe, path: str, expected: Any, tolerance: float = 0.0) -> Verdict:
    difference = _json_difference(json.loads(probe.path(path).read_text()), expected, tolerance)
    return Verdict(1.0) if difference is None else Verdict(0.0, f"{path} differs at {difference}")


@evaluator
def command_output(probe: Probe, command: str, expected: str) -> Verdict:
    found = probe.run(command).strip()
    return _score(found == expected.strip(), expected.strip(), found, f"`{command}`")


@evaluator
def window_title(probe: Probe, contains: str) -> Verdict:
    ok = any(contains in title for title in probe.window_titles)
    return _score(ok, f"a window titled with {contains!r}", list(probe.window_titles), "windows")


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s.-]", " ", text).split())


@evaluator
def answer_match(
    probe: Probe, expected: str | list[str], mode: str = "normalized", tolerance: float = 0.0
) -> Verdict:
    """mode: exact, normalized (case, spacing, punctuation), number (within tolerance)."""
    options = [expected] if isinstance(expected, str) else expected
    if probe.answer is None:
        ending = f"the run ended with {probe.status} and no answer"
        return Verdict(0.0, f"expected an answer ({mode}) {_short(options)}, {ending}")
    for option in options:
        if mode == "exact" and probe.answer == option:
            return Verdict(1.0)
        if mode == "normalized" and _normal(probe.answer) == _normal(option):
            return Verdict(1.0)
        if mode == "number":
            numbers = re.findall(r"-?\d+(?:\.\d+)?", probe.answer.replace(",", ""))
            if numbers and abs(float(numbers[-1]) - float(option)) <= tolerance:
                return Verdict(1.0)
    return _score(
        False, options if len(options) > 1 else options[0], probe.answer, f"answer ({mode})"
    )


@evaluator
def terminated(probe: Probe, status: str = "failure") -> Verdict:
    """For infeasible tasks: the agent must end with this status."""
    return _score(probe.status == status, status, probe.status, "the run's ending")


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
    return judge(
        probe.workspace, probe.session, probe.status, func, result, expected, options, conj
    )


@evaluator
def android_setting(probe: Probe, key: str, expected: str, namespace: str = "global") -> Verdict:
    """`adb shell settings get NAMESPACE KEY` equals `expected`."""
    value = probe.phone().shell(["settings", "get", namespace, key]).strip()
    return _score(value == str(expected), str(expected), value, f"setting {namespace}/{key}")


@evaluator
def android_current_app(probe: Probe, package: str) -> Verdict:
    found = probe.phone().app_current().package
    return _score(found == package, package, found, "the app in front")


def _phone_text(probe: Probe, path: str) -> str:
    return probe.phone().sync.read_bytes(path).decode("utf-8")


@evaluator
def android_file_contains(probe: Probe, path: str, expected: list[str] | str) -> Verdict:
    """A file on the phone (pulled over sync) contains every one of `expected`."""
    text = _phone_text(probe, path)
    wanted = [expected] if isinstance(expected, str) else expected
    missing = [piece for piece in wanted if piece not in text]
    return _score(not missing, missing, text, f"{path} lacks {len(missing)} of {len(wanted)}")


def _has(record: dict[str, Any], fields: dict[str, Any]) -> bool:
    return all(_normal(str(record.get(k, ""))) == _normal(str(v)) for k, v in fields.items())


@evaluator
def android_json_has(
    probe: Probe, path: str, item: dict[str, Any], count: int | None = None
) -> Verdict:
    """A JSON list on the phone holds a record with these fields (compared normalised);
    with `count`, exactly that many such records (0: none, e.g. after a deletion; with an
    empty `item`, the length of the list)."""
    records = json.loads(_phone_text(probe, path))
    matches = sum(1 for record in records if isinstance(record, dict) and _has(record, item))
    ok = matches == count if count is not None else matches > 0
    wanted = f"{count} records" if count is not None else "a record"
    return _score(ok, f"{wanted} with {item}", f"{matches} of {len(records)}: {records}", path)


def _run_all(probe: Probe, steps: list[dict[str, Any]]) -> list[Verdict]:
    return [judge_one(probe, name, args) for step in steps for name, args in step.items()]


def _reasons(verdicts: list[Verdict]) -> str:
    return "; ".join(v.why or v.error or "" for v in verdicts if v.score < 1.0)


@evaluator
def all_of(probe: Probe, value: list[dict[str, Any]]) -> Verdict:
    verdicts = _run_all(probe, value)
    score = min((v.score for v in verdicts), default=0.0)
    return Verdict(score, None if score >= 1.0 else _reasons(verdicts) or "nothing to check")


@evaluator
def any_of(probe: Probe, value: list[dict[str, Any]]) -> Verdict:
    verdicts = _run_all(probe, value)
    score = max((v.score for v in verdicts), default=0.0)
    return Verdict(score, None if score >= 1.0 else "none held: " + _reasons(verdicts))


def judge_one(probe: Probe, name: str, args: dict[str, Any]) -> Verdict:
    """One evaluator's verdict; one that raises scores 0 and says why in `error`."""
    try:
        verdict = EVALUATORS[name](probe, **args)
    except Exception as exc:
        return Verdict(0.0, error=f"{name} failed: {type(exc).__name__}: {exc}")
    if isinstance(verdict, Verdict):
        return verdict
    score = float(verdict)
    return Verdict(score, None if score >= 1.0 else f"{name} scored {score:g}")


def evaluate_one(probe: Probe, name: str, args: dict[str, Any]) -> tuple[float, str | None]:
    """(score, error): an evaluator that raises scores 0 and says why."""
    verdict = judge_one(probe, name, args)
    return verdict.score, verdict.error
