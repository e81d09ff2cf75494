"""OSWorld's evaluation for the subset we support: its getters read the end state, its metric
functions score it, and `judge` combines several the way OSWorld's DesktopEnv.evaluate does.

The metrics reproduce desktop_env/evaluators/metrics (general.py, table.py), so an OSWorld task
scores here as it would there:

- exact_match(result, rules): result == rules["expected"] (command output keeps its newline).
- check_include_exclude(result, rules): every "include" substring present, no "exclude" one.
- diff_text_file(result, expected): difflib's similarity ratio over the two files' lines.
- compare_csv(result, expected, strict=True, ignore_case=False): the files equal line by line.
- compare_table(result, expected, rules): CSV files only, compared as rows of cells by the
  rule types sheet_data (numbers rounded to `precision` digits, default 4) and sheet_print.

A result that could not be read (a missing file) is None and scores 0, as in OSWorld.
"""

from __future__ import annotations

import csv
import difflib
import io
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tasks.evaluators import Probe

GETTERS = {"vm_file", "vm_command_line", "rule", "local_file", "cloud_file"}
_TABLE_RULES = {"sheet_data": {"precision"}, "sheet_print": {"ignore_case"}}


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def exact_match(result: Any, rules: dict[str, Any]) -> float:
    return float(result == rules["expected"])


def check_include_exclude(result: str | None, rules: dict[str, list[str]]) -> float:
    if result is None:
        return 0.0
    include, exclude = rules.get("include", []), rules.get("exclude", [])
    return float(all(s in result for s in include) and not any(s in result for s in exclude))


def diff_text_file(result: str | None, expected: str) -> float:
    if result is None:
        return 0.0
    got, want = _read(result).splitlines(), _read(expected).splitlines()
    return difflib.SequenceMatcher(a=got, b=want).ratio()


def compare_csv(
    result: str | None, expected: str, strict: bool = True, ignore_case: bool = False
) -> float:
    if result is None:
        return 0.0
    got, want = _read(result).splitlines(), _read(expected).splitlines()
    if not strict:
        got, want = [line.strip() for line in got], [line.strip() for line in want]
    if ignore_case:
        got, want = [line.lower() for line in got], [line.lower() for line in want]
    return float(got == want)


def _rows(path: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(_read(path))) if row]


def _side(index: int | str) -> str:
    """OSWorld names a sheet 0 / "RI0" / "RNname" (the result's) or "EI0" / "ENname" (the
    expected's); a CSV file has its one sheet, so only the side matters."""
    return "E" if isinstance(index, str) and index.startswith("E") else "R"


def _cell(value: str, precision: int) -> Any:
    try:
        return round(float(value), precision)
    except ValueError:
        return value


def compare_table(
    result: str | None, expected: str | None = None, rules: list[dict[str, Any]] | None = None
) -> float:
    if result is None:
        return 0.0
    tables = {"R": _rows(result), "E": _rows(expected) if expected else None}
    default = [{"type": "sheet_data", "sheet_idx0": "RI0", "sheet_idx1": "EI0"}]
    for rule in rules or default:
        first, second = tables[_side(rule["sheet_idx0"])], tables[_side(rule["sheet_idx1"])]
        if first is None or second is None:
            return 0.0
        if rule["type"] == "sheet_data":
            digits = int(rule.get("precision", 4))
            first = [[_cell(c, digits) for c in row] for row in first]
            second = [[_cell(c, digits) for c in row] for row in second]
        elif rule.get("ignore_case", False):
            first = [[c.lower() for c in row] for row in first]
            second = [[c.lower() for c in row] for row in second]
        if first != second:
            return 0.0
    return 1.0


METRICS: dict[str, Callable[..., float]] = {
    f.__name__: f
    for f in (exact_match, check_include_exclude, diff_text_file, compare_csv, compare_table)
}
OPTIONS = {"compare_csv": {"strict", "ignore_case"}, "compare_table": {"rules"}}


def _sheet_ok(index: Any) -> bool:
    if isinstance(index, int):
        return index == 0
    return isinstance(index, str) and (index in ("RI0", "EI0") or index[:2] in ("RN", "EN"))


def lacks(func: str, options: dict[str, Any], files: list[str]) -> list[str]:
    """What of a supported metric's use we cannot reproduce, by name; `files` are the paths its
    getters read (compare_table reads CSV only, not the xlsx/ods of most OSWorld tasks)."""
    if func not in METRICS:
        return [f"metric {func!r}"]
    missing = [f"metric {func!r} option {key!r}" for key in options if key not in
               OPTIONS.get(func, set())]  # fmt: skip
    if func != "compare_table":
        return missing
    missing += [f"compare_table on {Path(f).name!r} (CSV only)" for f in files
                if not f.lower().endswith(".csv")]  # fmt: skip
    for rule in options.get("rules") or []:
        kind = rule.get("type")
        if kind not in _TABLE_RULES:
            missing.append(f"compare_table rule {kind!r}")
            continue
        allowed = {"type", "sheet_idx0", "sheet_idx1"} | _TABLE_RULES[kind]
        missing += [f"compare_table {kind} option {key!r}" for key in rule if key not in allowed]
        missing += [f"compare_table sheet {rule.get(key)!r}" for key in ("sheet_idx0", "sheet_idx1")
                    if not _sheet_ok(rule.get(key))]  # fmt: skip
    return missing


def fetch(probe: Probe, getter: dict[str, Any] | None) -> Any:
    """A getter's value at evaluation time; tasks/osworld.py already rewrote its paths (VM
    paths relative to the workspace, local files absolute) and its commands into argv."""
    if not getter:
        return None
    kind = getter["type"]
    if kind == "vm_file":
        path = probe.path(getter["path"])
        return str(path) if path.is_file() else None
    if kind == "vm_command_line":
        argv = [part.replace("{workspace}", str(probe.workspace)) for part in getter["command"]]
        return probe.run(shlex.join(argv))
    if kind == "rule":
        return getter["rules"]
    return getter["path"]


def judge(
    probe: Probe,
    func: list[str],
    result: list[dict[str, Any] | None],
    expected: list[dict[str, Any] | None],
    options: list[dict[str, Any]],
    conj: str = "and",
) -> float:
    """One metric: its score. Several: with conj "and", 0 as soon as one scores 0, else their
    mean; with "or", 1 as soon as one scores 1, else their best (OSWorld's evaluate)."""
    scores = []
    for name, got, want, extra in zip(func, result, expected, options, strict=True):
        states = (fetch(probe, got), fetch(probe, want)) if want else (fetch(probe, got),)
        score = float(METRICS[name](*states, **extra))
        if len(func) == 1:
            return score
        if (conj == "and" and score == 0.0) or (conj == "or" and score == 1.0):
            return score
        scores.append(score)
    return sum(scores) / len(scores) if conj == "and" else max(scores)
