"""compare_table, OSWorld's spreadsheet metric, on xlsx workbooks (openpyxl): its `rules` are
checked in order and all must hold. A result that is no workbook (a CSV, a missing file) scores
0, as in OSWorld.

Rules reproduced:
- `sheet_name`: the two workbooks' sheet names equal.
- `sheet_data`: the two sheets' values equal, numbers rounded to `precision` digits (default
  4), strings compared without case with `ignore_case`. Values are the ones the file stores (a
  formula's cached result), as pandas reads them in OSWorld; empty rows and columns at the end
  of a sheet do not count.
- `sheet_print`: the sheets as LibreOffice printed them to CSV, in the file next to the
  workbook named `<workbook without .xlsx>-<sheet name>.csv` (the task's postconfig converts
  the workbook, its getters fetch both): lines compared stripped, trailing empty lines
  dropped, optionally without case.
- `sheet_fuzzy`: cell by cell over ranges ("A1:B6"), the stored values as text (cells.py),
  after the rule's normalization pairs, trim_leadings, trim_trailings, ignore_chars and
  ignore_case: includes (the first's text holds the second's), included_by, exact_match, or
  fuzzy_match (RapidFuzz's ratio at least `threshold`, default 85).
- `check_cell`: one cell (`coordinate`) of one sheet (`sheet_idx`) meets a value rule per
  property: "value" (stored) or a style (cells.STYLES).
- `chart`: the two sheets' charts equal, each known by its series (the value and category
  references) with the `chart_props` asked for: title, legend (position), anchor, width,
  height, type, direction (of bars), xtitle, ytitle, ztitle (a title's first run of text).
  A sheet that does not exist has no charts.
- `style`, `row_props`, `col_props`, `data_validation`, `pivot_table`: see sheet_rules.py.
- `freeze`: the two sheets' frozen panes equal; `zoom`: a sheet's zoom (100 when unset) meets
  a value rule (`method`, `ref`).

A sheet is named as OSWorld names it: an int (the result's sheet by index), "RI0" / "RNname"
(the result's by index / name) or "EI0" / "ENname" (the expected's). A sheet that does not
exist fails the rule.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tasks.osworld import sheet_rules
from tasks.osworld.cells import STYLES, cell_style, cell_value, matches, method_known

_SUPPORTED = {
    "sheet_name": set(),
    "sheet_data": {"precision", "ignore_case"},
    "sheet_print": {"ignore_case"},
    "sheet_fuzzy": {"rules"},
    "check_cell": {"sheet_idx", "coordinate", "props"},
    "freeze": set(),
    "zoom": {"sheet_idx", "method", "ref"},
    "chart": {"chart_props"},
    **sheet_rules.OPTIONS,
}
_CHART_PROPS = {"title", "legend", "anchor", "width", "height", "type", "direction"}
_CHART_PROPS |= {"xtitle", "ytitle", "ztitle"}
_FUZZY = {"range", "type", "threshold", "ignore_case", "ignore_chars", "trim_leadings"}
_FUZZY |= {"trim_trailings", "normalization"}
_FUZZY_TYPES = {"includes", "included_by", "fuzzy_match", "exact_match"}


def _rule_reasons(kind: str, rule: dict[str, Any]) -> list[str]:
    reasons = []
    methods = [rule.get("method", "eq")] if kind == "zoom" else []
    if kind == "check_cell":
        for prop, check in (rule.get("props") or {}).items():
            if prop != "value" and prop not in STYLES:
                reasons.append(f"compare_table check_cell property {prop}")
            methods.append(check.get("method", ""))
    if kind == "sheet_fuzzy":
        for sub in rule.get("rules") or []:
            reasons += [f"compare_table sheet_fuzzy option {k}" for k in sub if k not in _FUZZY]
            if sub.get("type") not in _FUZZY_TYPES:
                reasons.append(f"compare_table sheet_fuzzy type {sub.get('type')}")
    if kind == "chart":
        props = rule.get("chart_props") or []
        reasons += [f"compare_table chart property {p}" for p in props if p not in _CHART_PROPS]
    if kind in sheet_rules.OPTIONS:
        reasons += sheet_rules.reasons(kind, rule)
    reasons += [f"compare_table value method {m}" for m in methods if not method_known(m)]
    return reasons


def table_reasons(options: dict[str, Any]) -> list[str]:
    reasons = []
    for rule in options.get("rules") or []:
        kind = rule.get("type")
        if kind not in _SUPPORTED:
            reasons.append(f"compare_table rule {kind}")
            continue
        allowed = {"type", "sheet_idx0", "sheet_idx1"} | _SUPPORTED[kind]
        if kind == "data_validation":
            allowed = {"type"} | _SUPPORTED[kind]
        reasons += [f"compare_table {kind} option {key}" for key in rule if key not in allowed]
        reasons += _rule_reasons(kind, rule)
    return reasons


def _book(path: str | None, values: bool = True) -> Any:
    """The workbook (its stored values, read-only; or with `values` false, as it is, with
    views and styles), None when it is missing or no xlsx."""
    import openpyxl  # only tasks that compare tables need it
    from openpyxl.utils.exceptions import InvalidFileException

    if not path or not isinstance(path, str):
        return None
    try:
        return openpyxl.load_workbook(path, data_only=values, read_only=values)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, TypeError, InvalidFileException):
        return None


@dataclass
class _Pair:
    """The result and the expected workbook, each as a path and as openpyxl books."""

    result: str | None
    expected: str | None

    @cached_property
    def values(self) -> tuple[Any, Any]:
        return _book(self.result), _book(self.expected)

    @cached_property
    def full(self) -> tuple[Any, Any]:
        return _book(self.result, values=False), _book(self.expected, values=False)

    @staticmethod
    def side(index: int | str) -> int:
        """0 for a sheet of the result, 1 for one of the expected workbook."""
        return int(isinstance(index, str) and index.startswith("E"))

    def name(self, index: int | str) -> tuple[str | None, str | None]:
        """(the workbook's path, the sheet's name) that OSWorld's sheet index names."""
        side = self.side(index)
        path, book = (self.result, self.expected)[side], self.values[side]
        if book is None:
            return path, None
        if isinstance(index, str) and index[1:2] == "N":
            return path, index[2:] if index[2:] in book.sheetnames else None
        number = index if isinstance(index, int) else int(index[2:])
        names = book.sheetnames
        return path, names[number] if 0 <= number < len(names) else None

    def sheet(self, index: int | str, full: bool = False) -> Any:
        name = self.name(index)[1]
        book = (self.full if full else self.values)[self.side(index)]
        return None if book is None or name is None else book[name]


def _cell(value: Any, digits: int, fold: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), digits)
    return value.lower() if fold and isinstance(value, str) else value


def _values(sheet: Any, digits: int, fold: bool = False) -> list[list[Any]]:
    rows = [[_cell(v, digits, fold) for v in row] for row in sheet.iter_rows(values_only=True)]
    for row in rows:
        while row and row[-1] in (None, ""):
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _sheet_data(pair: _Pair, rule: dict[str, Any]) -> bool:
    first, second = pair.sheet(rule["sheet_idx0"]), pair.sheet(rule["sheet_idx1"])
    if first is None or second is None:
        return False
    digits, fold = int(rule.get("precision", 4)), bool(rule.get("ignore_case", False))
    return _values(first, digits, fold) == _values(second, digits, fold)


def _printed(path: str | None, sheet: str | None, fold: bool) -> list[str] | None:
    if path is None or sheet is None:
        return None
    csv = Path(f"{os.path.splitext(path)[0]}-{sheet}.csv")
    try:
        lines = [line.strip() for line in csv.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return None
    while lines and not lines[-1]:
        lines.pop()
    return [line.lower() for line in lines] if fold else lines


def _sheet_print(pair: _Pair, rule: dict[str, Any]) -> bool:
    fold = bool(rule.get("ignore_case", False))
    first = _printed(*pair.name(rule["sheet_idx0"]), fold)
    return first is not None and first == _printed(*pair.name(rule["sheet_idx1"]), fold)


def _normalised(text: str, rule: dict[str, Any]) -> str:
    for old, new in rule.get("normalization", []):
        text = text.replace(old, new)
    if "trim_leadings" in rule:
        text = text.lstrip(rule["trim_leadings"])
    if "trim_trailings" in rule:
        text = text.rstrip(rule["trim_trailings"])
    if "ignore_chars" in rule:
        text = "".join(ch for ch in text if ch not in set(rule["ignore_chars"]))
    return text.lower() if rule.get("ignore_case", False) else text


def _similar(first: str, second: str, rule: dict[str, Any]) -> bool:
    kind = rule["type"]
    if kind == "includes":
        return second in first
    if kind == "included_by":
        return first in second
    if kind == "exact_match":
        return first == second
    from rapidfuzz import fuzz

    return bool(fuzz.ratio(first, second) >= float(rule.get("threshold", 85.0)))


def _sheet_fuzzy(pair: _Pair, rule: dict[str, Any]) -> bool:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import MultiCellRange

    sheets = pair.name(rule["sheet_idx0"]), pair.name(rule["sheet_idx1"])
    if any(path is None or name is None for path, name in sheets):
        return False
    for sub in rule["rules"]:
        ranges = sub["range"] if isinstance(sub["range"], list) else [sub["range"]]
        for cells in MultiCellRange(" ".join(ranges)):
            for row, column in cells.cells:
                where = f"{get_column_letter(column)}{row}"
                first, second = (str(cell_value(p, n, where)) for p, n in sheets)  # type: ignore[arg-type]
                if not _similar(_normalised(first, sub), _normalised(second, sub), sub):
                    return False
    return True


def _check_cell(pair: _Pair, rule: dict[str, Any]) -> bool:
    path, name = pair.name(rule["sheet_idx"])
    sheet = pair.sheet(rule["sheet_idx"], full=True)
    if sheet is None or path is None or name is None:
        return False
    cell = sheet[rule["coordinate"]]
    for prop, check in rule["props"].items():
        value = cell_value(path, name, rule["coordinate"]) if prop == "value" else None
        if prop != "value":
            value = cell_style(prop, cell)
        if not matches(value, check):
            return False
    return True


def _freeze(pair: _Pair, rule: dict[str, Any]) -> bool:
    first = pair.sheet(rule["sheet_idx0"], full=True)
    second = pair.sheet(rule["sheet_idx1"], full=True)
    return first is not None and second is not None and first.freeze_panes == second.freeze_panes


def _zoom(pair: _Pair, rule: dict[str, Any]) -> bool:
    sheet = pair.sheet(rule["sheet_idx"], full=True)
    return sheet is not None and matches(sheet.sheet_view.zoomScale or 100.0, rule)


def _sheet_names(pair: _Pair, rule: dict[str, Any]) -> bool:
    result, expected = pair.values
    return expected is not None and result.sheetnames == expected.sheetnames


def _reference(data: Any) -> str:
    for kind in ("numRef", "strRef"):
        found = getattr(getattr(data, kind, None), "f", None)
        if found is not None:
            return str(found)
    return ""


def _title(title: Any) -> Any:
    try:
        return title.tx.rich.p[0].r[0].t
    except (AttributeError, IndexError, TypeError):
        return None


def _chart_prop(chart: Any, name: str) -> Any:
    if name in ("title", "xtitle", "ytitle", "ztitle"):
        owner = chart if name == "title" else getattr(chart, f"{name[0]}_axis", None)
        return _title(getattr(owner, "title", None))
    if name == "legend":
        return chart.legend.position if chart.legend is not None else None
    if name == "anchor":  # as OSWorld lists it: the end row comes twice
        anchor = chart.anchor
        return [anchor.editAs, anchor._from.col, anchor.to.row, anchor.to.col, anchor.to.row]
    if name == "type":
        return chart.tagname
    return getattr(chart, {"direction": "barDir"}.get(name, name), None)


def _charts(sheet: Any, props: list[str]) -> dict[str, dict[str, Any]]:
    found = {}
    for chart in getattr(sheet, "_charts", []) if sheet is not None else []:
        key = ";".join(f"{_reference(s.val)},{_reference(s.cat)}" for s in chart.series)
        found[key] = {name: _chart_prop(chart, name) for name in props}
    return found


def _chart(pair: _Pair, rule: dict[str, Any]) -> bool:
    props = list(rule.get("chart_props") or [])
    first = _charts(pair.sheet(rule["sheet_idx0"], full=True), props)
    return first == _charts(pair.sheet(rule["sheet_idx1"], full=True), props)


def _paired(check: Any) -> Any:
    def rule(pair: _Pair, options: dict[str, Any]) -> bool:
        first = pair.sheet(options["sheet_idx0"], full=True)
        return bool(check(first, pair.sheet(options["sheet_idx1"], full=True), options))

    return rule


def _data_validation(pair: _Pair, rule: dict[str, Any]) -> bool:
    return sheet_rules.data_validation(pair.sheet(rule["sheet_idx"], full=True), rule)


_RULES = {
    **{kind: _paired(check) for kind, check in sheet_rules.PAIRED.items()},
    "data_validation": _data_validation,
    "chart": _chart,
    "sheet_name": _sheet_names,
    "sheet_data": _sheet_data,
    "sheet_print": _sheet_print,
    "sheet_fuzzy": _sheet_fuzzy,
    "check_cell": _check_cell,
    "freeze": _freeze,
    "zoom": _zoom,
}


def compare_table(result: str | None, expected: str | None = None, **options: Any) -> float:
    pair = _Pair(result, expected)
    if pair.values[0] is None:
        return 0.0
    return float(all(_RULES[rule["type"]](pair, rule) for rule in options["rules"]))


def compare_conference_city_in_order(result: str | None, rules: dict[str, Any]) -> float:
    """The active sheet's cells C2:C22, in order, each hold their expected city (a string, or
    a list of names any of which will do); a cell that is empty, or an expected list shorter
    than the 21 cells, fails (as OSWorld's code does, by its exception)."""
    book = _book(result, values=False)
    if book is None:
        return 0.0
    cities = [row[0].value for row in book.active["C2:C22"]]
    wanted = rules["expected"]
    if len(wanted) < len(cities):
        return 0.0
    for got, want in zip(cities, wanted, strict=False):
        names = [want] if isinstance(want, str) else list(want)
        if not isinstance(got, str) or not any(name in got for name in names):
            return 0.0
    return 1.0
