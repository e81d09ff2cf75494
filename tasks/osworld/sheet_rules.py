"""compare_table's rules on a sheet's structure (openpyxl, the workbooks as they are, with
styles): each takes the two openpyxl sheets (None when the sheet does not exist) or, for
data_validation, one, and the rule.

- `style`: every cell's styles named in `props` (cells.STYLES) equal, cell by cell over the
  sheet's used range, as OSWorld lists them. Cells a conditional format applies to take the
  format's style in OSWorld, which evaluates its formulas; we do not evaluate them, so a sheet
  with conditional formatting raises UnjudgedSheet rather than misjudging it.
- `row_props` / `col_props`: the rows' (columns') dimensions openpyxl holds, each with the
  `props` asked for (row: hidden, collapsed, height; column: width, auto_size, hidden,
  collapsed, min, max), equal.
- `data_validation`: the sheet has at least as many validations as `dv_props` lists and each
  validation meets one of them: each attribute (ranges, type, formula1, operator, allowBlank,
  showDropDown, ...) meets its value rule; `spreadsheet_range` on `ranges` holds when
  ref[0] lies within the ranges and they lie within ref[1].
- `pivot_table`: the sheets' pivot tables equal, each known by its source (type, the source
  range without the leading and trailing source columns no field selects items of, the
  source sheet), with the `pivot_props` asked for: name, show_total, show_empty_row,
  show_empty_col, show_headers, location, selection / filter (the items each field shows,
  as sets unless `ordered`; filter adds the page fields), col_fields, row_fields (source
  column numbers from the range's first), data_fields (column, `data_fields_name` adds the
  name, the function, show-as).
"""

from __future__ import annotations

from typing import Any

from tasks.osworld.cells import STYLES, cell_style, matches, method_known


class UnjudgedSheet(ValueError):
    """A sheet this metric cannot judge as OSWorld does."""


ROW_PROPS = {"hidden", "collapsed", "height"}
COLUMN_PROPS = {"width", "auto_size", "hidden", "collapsed", "min", "max"}
PIVOT_PROPS = {"name", "show_total", "show_empty_row", "show_empty_col", "show_headers"}
PIVOT_PROPS |= {"location", "filter", "selection", "ordered", "col_fields", "row_fields"}
PIVOT_PROPS |= {"data_fields", "data_fields_name"}
DV_ATTRIBUTES = {"ranges", "type", "formula1", "formula2", "operator", "allowBlank"}
DV_ATTRIBUTES |= {"showDropDown", "showInputMessage", "showErrorMessage", "error"}
DV_ATTRIBUTES |= {"errorTitle", "errorStyle", "prompt", "promptTitle", "imeMode"}


def reasons(kind: str, rule: dict[str, Any]) -> list[str]:
    """What of this use of the rule we cannot reproduce."""
    if kind == "style":
        return [f"compare_table style property {p}" for p in rule["props"] if p not in STYLES]
    if kind in ("row_props", "col_props"):
        known = ROW_PROPS if kind == "row_props" else COLUMN_PROPS
        return [f"compare_table {kind} property {p}" for p in rule["props"] if p not in known]
    if kind == "pivot_table":
        props = rule.get("pivot_props") or []
        return [f"compare_table pivot_table property {p}" for p in props if p not in PIVOT_PROPS]
    found = []
    for alternative in rule["dv_props"]:
        for name, check in alternative.items():
            if name not in DV_ATTRIBUTES:
                found.append(f"compare_table data_validation attribute {name}")
            method = check.get("method", "")
            if method != "spreadsheet_range" and not method_known(method):
                found.append(f"compare_table value method {method}")
    return found


def _styles(sheet: Any, props: list[str]) -> dict[str, list[Any]]:
    if sheet is None:
        return {}
    kinds = {rule.type for formats in sheet.conditional_formatting for rule in formats.rules}
    if kinds:
        raise UnjudgedSheet(
            f"compare_table style: sheet {sheet.title!r} has conditional formatting "
            f"({', '.join(sorted(kinds))}), whose formulas this metric does not evaluate"
        )
    return {
        cell.coordinate: [cell_style(name, cell) for name in props]
        for column in sheet.iter_cols()
        for cell in column
    }


def style(first: Any, second: Any, rule: dict[str, Any]) -> bool:
    props = list(rule["props"])
    return _styles(first, props) == _styles(second, props)


def _dimensions(sheet: Any, kind: str, props: list[str]) -> dict[Any, dict[str, Any]]:
    if sheet is None:
        return {}
    holder = sheet.row_dimensions if kind == "row" else sheet.column_dimensions
    return {key: {p: getattr(dims, p) for p in props} for key, dims in holder.items()}


def row_props(first: Any, second: Any, rule: dict[str, Any]) -> bool:
    props = list(rule["props"])
    return _dimensions(first, "row", props) == _dimensions(second, "row", props)


def col_props(first: Any, second: Any, rule: dict[str, Any]) -> bool:
    props = list(rule["props"])
    return _dimensions(first, "column", props) == _dimensions(second, "column", props)


def _within(inner: Any, outer: Any) -> bool:
    return all(cells in outer for cells in inner)


def _meets(value: Any, check: dict[str, Any]) -> bool:
    if check["method"] != "spreadsheet_range":
        return matches(value, check)
    from openpyxl.worksheet.cell_range import MultiCellRange

    low, high = (MultiCellRange(ref) for ref in check["ref"][:2])
    return _within(low, value) and _within(value, high)


def data_validation(sheet: Any, rule: dict[str, Any]) -> bool:
    if sheet is None:
        return False
    validations = sheet.data_validations.dataValidation
    alternatives = rule["dv_props"]
    if len(validations) < len(alternatives):
        return False
    return all(
        any(all(_meets(getattr(dv, k), c) for k, c in alt.items()) for alt in alternatives)
        for dv in validations
    )


def _trimmed(rows: list[list[Any]]) -> tuple[list[list[Any]], int, int]:
    """The fields' selections without the empty ones at both ends, and how many went."""
    start = next((i for i, row in enumerate(rows) if row), len(rows))
    end = len(rows)
    while end > start and not rows[end - 1]:
        end -= 1
    return rows[start:end], start, len(rows) - end


def _pivot(table: Any, props: set[str]) -> tuple[str, dict[str, Any]]:
    from openpyxl.utils.cell import coordinate_to_tuple

    items = [[(i.h, i.x) for i in field.items if i.x is not None] for field in table.pivotFields]
    selection, left, right = _trimmed(items)
    source = table.cache.cacheSource
    start, end = (coordinate_to_tuple(c) for c in source.worksheetSource.ref.split(":"))
    key = (
        f"{source.type};{(start[0], start[1] + left)}:{(end[0], end[1] - right)};"
        f"{source.worksheetSource.sheet}"
    )
    info: dict[str, Any] = {}
    simple = {"name": "name", "show_total": "visualTotals", "show_empty_row": "showEmptyRow"}
    simple |= {"show_empty_col": "showEmptyCol", "show_headers": "showHeaders"}
    simple |= {"location": "location"}
    for prop, attribute in simple.items():
        if prop in props:
            info[prop] = getattr(table, attribute)
    if props & {"filter", "selection"}:
        info["selection"] = selection if "ordered" in props else [set(r) for r in selection]
    if "filter" in props:
        info["filter_fields"] = {field.fld for field in table.pageFields}
    for prop, fields in (("col_fields", table.colFields), ("row_fields", table.rowFields)):
        if prop in props:
            info[prop] = [field.x - left for field in fields]
    if "data_fields" in props:
        named = "data_fields_name" in props
        info["data_fields"] = [
            f"{f.fld - left:d};{f.name if named else ''};{f.subtotal};{f.showDataAs}"
            for f in table.dataFields
        ]
    return key, info


def _pivots(sheet: Any, props: set[str]) -> dict[str, dict[str, Any]]:
    return dict(_pivot(table, props) for table in getattr(sheet, "_pivots", []) or [])


def pivot_table(first: Any, second: Any, rule: dict[str, Any]) -> bool:
    props = set(rule.get("pivot_props") or [])
    return _pivots(first, props) == _pivots(second, props)


PAIRED = {"style": style, "row_props": row_props, "col_props": col_props}
PAIRED |= {"pivot_table": pivot_table}
OPTIONS = {
    "style": {"props"},
    "row_props": {"props"},
    "col_props": {"props"},
    "pivot_table": {"pivot_props"},
    "data_validation": {"sheet_idx", "dv_props"},
}
