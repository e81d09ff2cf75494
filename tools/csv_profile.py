"""A CSV file summarised without loading it: columns, inferred types, counts, numeric ranges.

The model asks for a profile instead of reading a large file into its context.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

_TRUE_FALSE = {"true", "false", "yes", "no"}


def _kind(value: str) -> str:
    if value.lstrip("+-").isdigit():
        return "int"
    try:
        number = float(value)
        return "float" if math.isfinite(number) else "string"
    except ValueError:
        pass
    if value.lower() in _TRUE_FALSE:
        return "bool"
    if len(value) == 10 and value[4] == "-":
        try:
            date.fromisoformat(value)
            return "date"
        except ValueError:
            pass
    return "string"


_WIDER = {("int", "float"): "float", ("float", "int"): "float"}


@dataclass
class _Column:
    name: str
    kind: str | None = None
    nulls: int = 0
    count: int = 0
    total: float = 0.0
    low: float | None = None
    high: float | None = None
    examples: list[str] = field(default_factory=list)

    def add(self, value: str) -> None:
        value = value.strip()
        if value == "" or value.lower() in ("na", "n/a", "null", "none", "nan"):
            self.nulls += 1
            return
        kind = "string" if self.kind == "string" else _kind(value)
        if self.kind is None or self.kind == kind:
            self.kind = kind
        else:
            self.kind = _WIDER.get((self.kind, kind), "string")
        if kind in ("int", "float"):
            number = float(value)
            self.count += 1
            self.total += number
            self.low = number if self.low is None else min(self.low, number)
            self.high = number if self.high is None else max(self.high, number)
        if len(self.examples) < 3 and value not in self.examples:
            self.examples.append(value)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.kind or "empty", "nulls": self.nulls}
        if self.kind in ("int", "float") and self.count:
            out |= {"min": self.low, "max": self.high, "mean": round(self.total / self.count, 6)}
        out["examples"] = self.examples
        return out


def profile(path: Path, sample_rows: int = 5) -> dict[str, Any]:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = next(reader, [])
        columns = [_Column(name) for name in header]
        rows, samples = 0, []
        for row in reader:
            if not row:
                continue
            rows += 1
            if len(samples) < sample_rows:
                samples.append(row)
            for column, value in zip(columns, row, strict=False):
                column.add(value)
            for column in columns[len(row) :]:
                column.nulls += 1
    return {
        "file": path.name,
        "delimiter": dialect.delimiter,
        "rows": rows,
        "columns": [c.summary() for c in columns],
        "sample_rows": samples,
    }
