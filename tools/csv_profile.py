"""A CSV file summarised without loading it: columns, inferred types, counts, numeric ranges.

The model asks for a profile instead of reading a large file into its context. The file is
streamed in batches of rows (memory stays flat whatever its size); each column gets a type
(int, float, bool, date or string: the narrowest that fits every non-empty value, int widening
to float), its count of empty values (blank, NA, N/A, null, none, nan), min/max/mean for
numbers, earliest/latest for dates, and a few example values; the first rows come as samples.
A `Budget` bounds the bytes and seconds one profile may spend: past it the profile says how
far it got (`stopped`). The type tests are linear in a value's length (no backtracking regex),
and a value longer than 100 characters is a string.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from tools.fs_text import Budget

BATCH = 4096  # rows profiled together, column by column
BATCH_BYTES = 8 << 20  # bytes of the file profiled together, at most
MAX_COLUMNS = 200  # columns described in one profile
_LINE_LIMIT = 1 << 20  # characters per physical line read: a file with no newlines stays bounded
_NULLS = frozenset({"na", "n/a", "null", "none", "nan"})
_BOOLS = frozenset({"true", "false", "yes", "no"})
_LONGEST = 100  # characters of a value tried as a number or date
_INT = re.compile(r"[+-]?\d{1,30}", re.ASCII).fullmatch
# one way to match each text (no `\d+\.?\d*`, which backtracks quadratically on "999...9x")
_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII).fullmatch
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII
).fullmatch


def _all_dates(values: list[str]) -> bool:
    if not all(map(_DATE, values)):
        return False
    try:
        for value in values:
            date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


_FITS: dict[str, Callable[[list[str]], bool]] = {
    "int": lambda values: all(map(_INT, values)),
    "float": lambda values: all(map(_FLOAT, values)),
    "date": _all_dates,
    "bool": lambda values: all(value.lower() in _BOOLS for value in values),
}


def _kind_of(values: list[str], hint: str | None) -> str:
    """The narrowest type every value fits, trying the column's type so far first."""
    if max(map(len, values)) > _LONGEST:
        return "string"
    for kind in (hint, "int", "float", "date", "bool"):
        if kind in _FITS and _FITS[kind](values):
            return kind
    return "string"


def _widen(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    return "float" if {old, new} == {"int", "float"} else "string"


@dataclass
class _Column:
    name: str
    kind: str | None = None
    nulls: int = 0
    count: int = 0
    total: float = 0
    low: Any = None
    high: Any = None
    examples: list[str] = field(default_factory=list)

    def add(self, values: tuple[str, ...]) -> None:
        present = [v for v in map(str.strip, values) if v and v.lower() not in _NULLS]
        self.nulls += len(values) - len(present)
        if not present:
            return
        if len(self.examples) < 3:
            fresh = (value for value in dict.fromkeys(present) if value not in self.examples)
            self.examples += islice(fresh, 3 - len(self.examples))
        if self.kind == "string":
            return
        self.kind = _widen(self.kind, _kind_of(present, self.kind))
        if self.kind in ("int", "float"):
            numbers = list(map(int if self.kind == "int" else float, present))
            self.count += len(numbers)
            self.total += sum(numbers)
            self._range(min(numbers), max(numbers))
        elif self.kind == "date":
            self._range(min(present), max(present))

    def _range(self, low: Any, high: Any) -> None:
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.kind or "empty", "nulls": self.nulls}
        if self.kind in ("int", "float") and self.count:
            cast = int if self.kind == "int" else float
            out |= {"min": cast(self.low), "max": cast(self.high)}
            out["mean"] = round(self.total / self.count, 6)
        elif self.kind == "date":
            out |= {"min": self.low, "max": self.high}
        out["examples"] = self.examples
        return out


def profile(path: Path, sample_rows: int = 5, budget: Budget | None = None) -> dict[str, Any]:
    """The profile of the CSV file at `path` (the server opens files through its sandbox and
    calls `profile_open`)."""
    with path.open("rb") as handle:
        return profile_open(handle, path.name, sample_rows, budget or Budget(1 << 62, 1e9))


def profile_open(handle: BinaryIO, name: str, sample_rows: int, budget: Budget) -> dict[str, Any]:
    """The profile of the CSV file open in `handle` (UTF-8, delimiter sniffed, first row the
    header), as far as `budget` lets it read."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
    dialect = _dialect(text.read(64 * 1024))
    text.seek(0)
    reader = csv.reader(iter(functools.partial(text.readline, _LINE_LIMIT), ""), dialect)
    progress = _Progress(handle, budget)
    header = next(reader, [])
    columns = [_Column(field_name.strip()) for field_name in header]
    rows, ragged, samples = 0, 0, []
    for batch in _batches(reader, len(columns), progress):
        rows += len(batch.rows)
        ragged += batch.ragged
        samples += batch.originals[: max(0, sample_rows - len(samples))]
        by_column = zip(*batch.rows, strict=True)  # rows are padded to the header's width
        for column, values in zip(columns[:MAX_COLUMNS], by_column, strict=False):
            column.add(values)
    size = os.fstat(handle.fileno()).st_size
    result: dict[str, Any] = {
        "file": name,
        "bytes": size,
        "delimiter": dialect.delimiter,
        "rows": rows,
        "columns": [column.summary() for column in columns[:MAX_COLUMNS]],
        "sample_rows": samples,
    }
    if progress.stopped:
        result["stopped"] = (
            f"after {progress.read} of {size} bytes (the limit of one call): the figures "
            f"cover the first {rows} rows only"
        )
    if ragged:
        result["ragged_rows"] = ragged  # rows with more or fewer fields than the header
    if len(columns) > MAX_COLUMNS:
        result["columns_not_shown"] = len(columns) - MAX_COLUMNS
    return result


class _Progress:
    """How far the reader got in the file (bytes taken from `raw`, read ahead by at most a
    buffer), charged to the budget; `stopped` once the budget is spent."""

    def __init__(self, raw: BinaryIO, budget: Budget) -> None:
        self.raw, self.budget = raw, budget
        self.read, self.stopped = 0, False

    def advance(self) -> int:
        """Bytes read since the last call; marks `stopped` if that spends the budget."""
        position = self.raw.tell()
        step, self.read = position - self.read, position
        self.budget.spend(step)
        self.stopped = self.stopped or self.budget.spent
        return step


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    if "\x00" in sample:
        raise ValueError("not a CSV file: it contains NUL bytes")
    whole_lines = sample[: sample.rfind("\n") + 1] or sample
    try:
        return csv.Sniffer().sniff(whole_lines, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


@dataclass
class _Batch:
    rows: list[list[str]]  # padded or cut to the header's width
    originals: list[list[str]]
    ragged: int


def _batches(reader: Iterator[list[str]], width: int, progress: _Progress) -> Iterator[_Batch]:
    """Up to BATCH rows at a time, from no more than BATCH_BYTES of the file, until the budget
    is spent."""
    while not progress.stopped:
        raw: list[list[str]] = []
        taken = 0
        while len(raw) < BATCH and taken < BATCH_BYTES and not progress.stopped:
            chunk = list(islice(reader, 64))  # at most 64 lines past the caps
            raw += chunk
            taken += progress.advance()
            if not chunk:
                break
        if not raw:
            return
        originals = [row for row in raw if row]  # blank lines are no rows
        rows, ragged = originals, 0
        if any(len(row) != width for row in originals):
            ragged = sum(len(row) != width for row in originals)
            rows = [(row + [""] * width)[:width] for row in originals]
        yield _Batch(rows, originals, ragged)
