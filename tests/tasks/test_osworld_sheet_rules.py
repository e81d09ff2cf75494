"""compare_table's structure rules (style, row_props, col_props, data_validation, pivot_table)
on workbooks the tests build with openpyxl, and pivot tables as LibreOffice saves them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.pivot.cache import (
    CacheDefinition,
    CacheField,
    CacheSource,
    SharedItems,
    WorksheetSource,
)
from openpyxl.pivot.table import (
    DataField,
    FieldItem,
    Location,
    PivotField,
    RowColField,
    TableDefinition,
)
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tasks.osworld.metrics import check_options
from tasks.osworld.sheet_rules import UnjudgedSheet
from tasks.osworld.tables import compare_table

from .test_osworld_tables import book, soffice

ROWS = [["Product", "Region", "Revenue"], ["A", "N", 1], ["B", "S", 2], ["A", "S", 3]]
PIVOT = ["col_fields", "filter", "row_fields", "data_fields"]


def rule(kind: str, **options: Any) -> dict[str, Any]:
    return {"rules": [{"type": kind, "sheet_idx0": 0, "sheet_idx1": "EI0", **options}]}


def test_style_compares_every_cell(tmp_path):
    def red(sheet: Any) -> None:
        sheet["C3"].font = Font(color="FFFF0000", bold=True)

    def green(sheet: Any) -> None:
        sheet["C3"].font = Font(color="FF00FF00", bold=True)

    gold = book(tmp_path / "gold.xlsx", ROWS, red)
    same = book(tmp_path / "same.xlsx", ROWS, red)
    other = book(tmp_path / "other.xlsx", ROWS, green)
    plain = book(tmp_path / "plain.xlsx", ROWS)
    colour = rule("style", props=["font_color"])
    assert compare_table(same, gold, **colour) == 1.0
    assert compare_table(other, gold, **colour) == 0.0
    assert compare_table(plain, gold, **colour) == 0.0
    # only the styles asked for count
    assert compare_table(other, gold, **rule("style", props=["font_bold"])) == 1.0


def test_style_fill_counts_on_empty_cells(tmp_path):
    def fill(sheet: Any) -> None:
        sheet["E1"].fill = PatternFill("solid", fgColor="FFFF0000")

    gold = book(tmp_path / "gold.xlsx", ROWS, fill)
    assert (
        compare_table(
            book(tmp_path / "a.xlsx", ROWS, fill), gold, **rule("style", props=["fgcolor"])
        )
        == 1.0
    )
    assert (
        compare_table(book(tmp_path / "b.xlsx", ROWS), gold, **rule("style", props=["fgcolor"]))
        == 0.0
    )

    # a font on an empty cell is no style (OSWorld reads None there), but the styled cell
    # widens the sheet's used range, whose every cell is listed
    def bold(sheet: Any) -> None:
        sheet["E1"].font = Font(bold=True)

    def italic(sheet: Any) -> None:
        sheet["E1"].font = Font(italic=True)

    weight = rule("style", props=["font_bold"])
    gold = book(tmp_path / "bold.xlsx", ROWS, bold)
    assert compare_table(book(tmp_path / "italic.xlsx", ROWS, italic), gold, **weight) == 1.0
    assert compare_table(book(tmp_path / "c.xlsx", ROWS), gold, **weight) == 0.0


def test_style_refuses_conditional_formatting(tmp_path):
    def conditional(sheet: Any) -> None:
        red = PatternFill("solid", bgColor="FFFF0000")
        sheet.conditional_formatting.add(
            "C2:C4", CellIsRule(operator="greaterThan", formula=["1"], fill=red)
        )

    gold = book(tmp_path / "gold.xlsx", ROWS, conditional)
    with pytest.raises(UnjudgedSheet, match="conditional formatting \\(cellIs\\)"):
        compare_table(book(tmp_path / "a.xlsx", ROWS), gold, **rule("style", props=["bgcolor"]))


def test_row_and_column_props(tmp_path):
    def hide(sheet: Any) -> None:
        sheet.row_dimensions[3].hidden = True

    def wide(sheet: Any) -> None:
        sheet.column_dimensions["B"].width = 30

    gold = book(tmp_path / "gold.xlsx", ROWS, hide)
    hidden = rule("row_props", props=["hidden"])
    assert compare_table(book(tmp_path / "a.xlsx", ROWS, hide), gold, **hidden) == 1.0
    assert compare_table(book(tmp_path / "b.xlsx", ROWS), gold, **hidden) == 0.0
    widths = rule("col_props", props=["width"])
    gold = book(tmp_path / "wide.xlsx", ROWS, wide)
    assert compare_table(book(tmp_path / "c.xlsx", ROWS, wide), gold, **widths) == 1.0
    assert compare_table(book(tmp_path / "d.xlsx", ROWS), gold, **widths) == 0.0
    if shutil.which("soffice") is None:
        return
    soffice(tmp_path, "xlsx", str(tmp_path / "a.xlsx"))  # the hidden row as Calc saves it
    saved = str(tmp_path / "converted" / "a.xlsx")
    soffice(tmp_path / "g", "xlsx", str(tmp_path / "gold.xlsx"))
    gold_saved = str(tmp_path / "g" / "converted" / "gold.xlsx")
    assert compare_table(saved, gold_saved, **hidden) == 1.0
    soffice(tmp_path / "p", "xlsx", str(tmp_path / "b.xlsx"))
    assert compare_table(str(tmp_path / "p" / "converted" / "b.xlsx"), gold_saved, **hidden) == 0.0


def _validated(sheet: Any, where: str = "D2:D29", values: str = '"Pass,Fail,Held"') -> None:
    validation = DataValidation(type="list", formula1=values, allow_blank=True)
    validation.add(where)
    sheet.add_data_validation(validation)


DROPDOWN = {
    "rules": [
        {
            "type": "data_validation",
            "sheet_idx": 0,
            "dv_props": [
                {
                    "ranges": {"method": "spreadsheet_range", "ref": ["D2:D29", "D2:D1048576"]},
                    "type": {"method": "eq", "ref": "list"},
                    "formula1": {"method": "str_set_eq", "ref": ["Pass", "Fail", "Held"]},
                }
            ],
        }
    ]
}


def test_data_validation(tmp_path):
    assert compare_table(book(tmp_path / "a.xlsx", ROWS, _validated), None, **DROPDOWN) == 1.0
    whole = book(tmp_path / "whole.xlsx", ROWS, lambda s: _validated(s, "D2:D1048576"))
    assert compare_table(whole, None, **DROPDOWN) == 1.0
    short = book(tmp_path / "short.xlsx", ROWS, lambda s: _validated(s, "D2:D10"))
    assert compare_table(short, None, **DROPDOWN) == 0.0  # does not cover D2:D29
    wider = book(tmp_path / "wider.xlsx", ROWS, lambda s: _validated(s, "C2:D29"))
    assert compare_table(wider, None, **DROPDOWN) == 0.0  # beyond column D
    other = book(tmp_path / "other.xlsx", ROWS, lambda s: _validated(s, values='"Pass,Fail"'))
    assert compare_table(other, None, **DROPDOWN) == 0.0
    assert compare_table(book(tmp_path / "none.xlsx", ROWS), None, **DROPDOWN) == 0.0
    if shutil.which("soffice") is None:
        return
    soffice(tmp_path, "xlsx", str(tmp_path / "a.xlsx"))  # the list as Calc saves it
    assert compare_table(str(tmp_path / "converted" / "a.xlsx"), None, **DROPDOWN) == 1.0


def _pivoted(path: Path, rows: int = 0, data: int = 2, function: str = "sum") -> str:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for row in ROWS:
        sheet.append(row)
    fields = [CacheField(name=name, sharedItems=SharedItems()) for name in ROWS[0]]
    source = CacheSource(
        type="worksheet", worksheetSource=WorksheetSource(ref="A1:C4", sheet="Sheet1")
    )
    pivot_fields = [PivotField() for _ in ROWS[0]]
    pivot_fields[rows] = PivotField(
        axis="axisRow", items=[FieldItem(x=0), FieldItem(x=1), FieldItem(t="default")]
    )
    pivot_fields[data] = PivotField(dataField=True)
    table = TableDefinition(
        name="Pivot1",
        cacheId=1,
        dataCaption="Values",
        location=Location(ref="A1:B4", firstHeaderRow=1, firstDataRow=1, firstDataCol=1),
        pivotFields=pivot_fields,
        rowFields=[RowColField(x=rows)],
        dataFields=[DataField(name="Total", fld=data, subtotal=function)],
    )
    table.cache = CacheDefinition(cacheSource=source, cacheFields=fields)
    workbook.create_sheet("Sheet2").add_pivot(table)
    workbook.save(path)
    return str(path)


def test_pivot_tables(tmp_path):
    gold = _pivoted(tmp_path / "gold.xlsx")
    pivots = {
        "rules": [
            {
                "type": "pivot_table",
                "sheet_idx0": "RNSheet2",
                "sheet_idx1": "ENSheet2",
                "pivot_props": PIVOT,
            }
        ]
    }
    assert compare_table(_pivoted(tmp_path / "same.xlsx"), gold, **pivots) == 1.0
    assert compare_table(_pivoted(tmp_path / "count.xlsx", function="count"), gold, **pivots) == 0.0
    assert compare_table(_pivoted(tmp_path / "rows.xlsx", rows=1), gold, **pivots) == 0.0
    assert compare_table(book(tmp_path / "flat.xlsx", ROWS), gold, **pivots) == 0.0  # no pivot
    # the source range counts only from the first to the last field that selects items:
    # a table grouping by Product (column A) over A1:C4 is known as (1,1):(4,1)
    assert check_options("compare_table", pivots, []) == []
    if shutil.which("soffice") is None:
        return
    soffice(tmp_path, "xlsx", str(tmp_path / "same.xlsx"))  # the pivot table as Calc saves it
    assert compare_table(str(tmp_path / "converted" / "same.xlsx"), gold, **pivots) == 1.0
    soffice(tmp_path / "c", "xlsx", str(tmp_path / "count.xlsx"))
    assert compare_table(str(tmp_path / "c" / "converted" / "count.xlsx"), gold, **pivots) == 0.0


def test_unknown_properties_are_reasons():
    reasons = check_options("compare_table", rule("pivot_table", pivot_props=["colour"]), [])
    assert reasons == [("metric", "compare_table pivot_table property colour")]
    reasons = check_options("compare_table", rule("style", props=["shadow"]), [])
    assert reasons == [("metric", "compare_table style property shadow")]
    reasons = check_options("compare_table", rule("row_props", props=["width"]), [])
    assert reasons == [("metric", "compare_table row_props property width")]
    assert check_options("compare_table", DROPDOWN, []) == []
    bad = {
        "rules": [{**DROPDOWN["rules"][0], "dv_props": [{"colour": {"method": "eq", "ref": 1}}]}]
    }
    assert check_options("compare_table", bad, []) == [
        ("metric", "compare_table data_validation attribute colour")
    ]


def test_conference_cities_in_order(tmp_path):
    from tasks.osworld.tables import compare_conference_city_in_order as cities

    names = [f"City {n}" for n in range(21)]
    wanted: list[Any] = list(names)
    wanted[3] = ["Montreal", "Montréal"]

    def sheet(path: Path, column: list[Any]) -> str:
        return book(
            path,
            [["Year", "Conference", "City"], *[[2000 + i, "X", c] for i, c in enumerate(column)]],
        )

    good = [*names[:3], "Montréal, Canada", *names[4:]]
    assert cities(sheet(tmp_path / "good.xlsx", good), {"expected": wanted}) == 1.0
    swapped = [names[1], names[0], *good[2:]]
    assert cities(sheet(tmp_path / "swapped.xlsx", swapped), {"expected": wanted}) == 0.0
    assert (
        cities(sheet(tmp_path / "short.xlsx", good[:20]), {"expected": wanted}) == 0.0
    )  # C22 empty
    assert cities(sheet(tmp_path / "good2.xlsx", good), {"expected": wanted[:20]}) == 0.0
    assert cities(str(tmp_path / "missing.xlsx"), {"expected": wanted}) == 0.0
