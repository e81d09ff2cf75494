"""compare_table, OSWorld's spreadsheet metric, on xlsx workbooks (openpyxl): its `rules` are
checked in order and all must hold. A result that is no workbook (a CSV, a missing file) scores
0, as in OSWorld.

Rules reproduced: `sheet_name` (the two workbooks' sheet names equal) and `sheet_data` (the
two sheets' values equal, numbers rounded to `precision` digits, default 4). A sheet is named
as OSWorld names it: an int (the result's sheet by index), "RI0" / "RNname" (the result's by
index / name) or "EI0" / "ENname" (the expected's). Values are the ones the file stores (a
formula's cached result), as pandas reads them in OSWorld; empty rows and columns at the end
of a sheet do not count.
"""

from __future__ import annotations

import zipfile
from typing import Any

_SUPPORTED = {"sheet_name": set(), "sheet_data": {"precision"}}


def table_reasons(options: dict[str, Any]) -> list[str]:
    reasons = []
    for rule in options.get("rules") or []:
        kind = rule.get("type")
        if kind not in _SUPPORTED:
            reasons.append(f"compare_table rule {kind}")
            continue
        allowed = {"type", "sheet_idx0", "sheet_idx1"} | _SUPPORTED[kind]
        reasons += [f"compare_table {kind} option {key}" for key in rule if key not in allowed]
    return reasons


def _book(path: str | None) -> Any:
    import openpyxl  # only tasks that compare tables need it
    from openpyxl.utils.exceptions import InvalidFileException

    if path is None:
        return None
    try:
        return openpyxl.load_workbook(path, data_only=True, read_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, TypeError, InvalidFileException):
        return None


def _sheet(index: int | str, result: Any, expected: Any) -> Any:
    key: int | str
    if isinstance(index, int):
        book, key = result, index
    else:
        book = expected if index.startswith("E") else result
        key = int(index[2:]) if index[1:2] == "I" else index[2:]
    if book is None:
        return None
    if isinstance(key, int):
        return book.worksheets[key] if 0 <= key < len(book.worksheets) else None
    return book[key] if key in book.sheetnames else None


def _cell(value: Any, digits: int) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), digits)
    return value


def _values(sheet: Any, digits: int) -> list[list[Any]]:
    rows = [[_cell(v, digits) for v in row] for row in sheet.iter_rows(values_only=True)]
    for row in rows:
        while row and row[-1] in (None, ""):
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def compare_table(result: str | None, expected: str | None = None, **options: Any) -> float:
    books = _book(result), _book(expected)
    if books[0] is None:
        return 0.0
    for rule in options["rules"]:
        if rule["type"] == "sheet_name":
            if books[1] is None or books[0].sheetnames != books[1].sheetnames:
                return 0.0
            continue
        first = _sheet(rule["sheet_idx0"], *books)
        second = _sheet(rule["sheet_idx1"], *books)
        if first is None or second is None:
            return 0.0
        digits = int(rule.get("precision", 4))
        if _values(first, digits) != _values(second, digits):
            return 0.0
    return 1.0
