"""compare_table's rules beyond sheet data (sheet_print, sheet_fuzzy, check_cell, freeze, zoom)
on workbooks built here with openpyxl and printed to CSV by LibreOffice as the real tasks'
postconfig does; cells read as OSWorld reads them (stored values, by type); and a downloaded
expected file given to the metric under its `dest` name, next to its CSV."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from environments.desktop.session import SessionRunner
from tasks.osworld.cells import cell_value, matches
from tasks.osworld.metrics import check_options
from tasks.osworld.scoring import judge
from tasks.osworld.tables import compare_table


def book(path: Path, rows: list[list[Any]], edit: Any = None, title: str = "Sheet1") -> str:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    workbook.save(path)
    return str(path)


def printed(workbook: str, text: str, sheet: str = "Sheet1") -> None:
    Path(workbook).with_name(f"{Path(workbook).stem}-{sheet}.csv").write_text(text)


def soffice(tmp_path: Path, target: str, source: str) -> None:
    command = ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless"]
    command += ["--convert-to", target, "--outdir", str(tmp_path / "converted"), source]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)


def test_cells_are_read_as_stored_by_type(tmp_path):
    path = book(tmp_path / "types.xlsx", [["text", 2, True, '=A1&"!"', None, 3.5]])
    assert cell_value(path, "Sheet1", "A1") == "text"  # an inline string, as openpyxl writes
    # openpyxl stores no cached result for a formula: OSWorld reads no value then
    assert cell_value(path, "Sheet1", "B1") == 2.0  # numbers as floats
    assert cell_value(path, "Sheet1", "C1") is None  # booleans: no value
    assert cell_value(path, "Sheet1", "D1") is None
    assert cell_value(path, "Sheet1", "E1") is None  # an empty cell
    assert cell_value(path, "Sheet1", "F1") == 3.5
    assert cell_value(path, "Nope", "A1") is None
    assert cell_value(str(tmp_path / "missing.xlsx"), "Sheet1", "A1") is None
    if shutil.which("soffice") is None:
        return
    soffice(tmp_path, "xlsx", path)  # LibreOffice: shared strings and the formula's result
    saved = str(tmp_path / "converted" / "types.xlsx")
    assert cell_value(saved, "Sheet1", "A1") == "text"
    assert cell_value(saved, "Sheet1", "D1") == "text!"
    assert cell_value(saved, "Sheet1", "B1") == 2.0


def test_value_rules():
    assert matches(0.30001, {"method": "approx:0.001", "ref": 0.3})
    assert not matches(0.32, {"method": "approx:0.001", "ref": 0.3})
    assert not matches(None, {"method": "approx:0.1", "ref": 1})
    assert matches("Total: 5", {"method": "re.I", "ref": "^total"})
    assert matches(5, {"method": "range.te", "ref": [0, 5]})  # 0 < 5 <= 5
    assert not matches(5, {"method": "range.tt", "ref": [0, 5]})
    assert matches('"b,a"', {"method": "str_set_eq", "ref": ["a", "b"]})
    assert not matches("b,a", {"method": "str_list_eq", "ref": ["a", "b"]})
    assert not matches(None, {"method": "gt", "ref": 1})


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice Calc")
def test_sheet_print_compares_what_libreoffice_printed(tmp_path):
    gold = book(tmp_path / "gold.xlsx", [["Name", "Id"], ["Ann", "0000012"]])
    printed(gold, "Name,Id\nAnn,0000012\n\n")
    result = book(tmp_path / "result.xlsx", [["Name", "Id"], ["ann", 12]])
    soffice(
        tmp_path,
        "csv:Text - txt - csv (StarCalc):44,34,UTF-8,,,,false,true,true,false,false,1",
        result,
    )
    shutil.move(tmp_path / "converted" / "result-Sheet1.csv", tmp_path / "result-Sheet1.csv")
    assert (tmp_path / "result-Sheet1.csv").read_text().splitlines() == ["Name,Id", "ann,12"]
    rule = {"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0"}
    assert compare_table(result, gold, rules=[rule]) == 0.0
    printed(result, "Name,Id\n ann,0000012 \n")  # stripped, and case folded with ignore_case
    assert compare_table(result, gold, rules=[rule]) == 0.0
    assert compare_table(result, gold, rules=[{**rule, "ignore_case": True}]) == 1.0
    missing = {**rule, "sheet_idx1": "ENOther"}
    assert compare_table(result, gold, rules=[missing]) == 0.0
    (tmp_path / "result-Sheet1.csv").unlink()
    assert compare_table(result, gold, rules=[{**rule, "ignore_case": True}]) == 0.0


def test_sheet_fuzzy_by_range_with_normalisation(tmp_path):
    gold = book(tmp_path / "gold.xlsx", [["12 Main Road", "Alpha (Ltd)"], ["x", 1]])
    near = book(tmp_path / "near.xlsx", [["+12 Main Rd", "alpha ltd"], ["y", 1.0]])
    fuzzy = {
        "type": "sheet_fuzzy",
        "sheet_idx0": "RI0",
        "sheet_idx1": "EI0",
        "rules": [
            {
                "range": ["A1:A1"],
                "type": "exact_match",
                "trim_leadings": "+ ",
                "normalization": [["Rd", "Road"]],
            },
            {"range": ["B1"], "type": "exact_match", "ignore_chars": "()", "ignore_case": True},
            {"range": ["B2"], "type": "exact_match"},  # 1.0 on both sides, as floats
        ],
    }
    assert compare_table(near, gold, rules=[fuzzy]) == 1.0
    strict = {**fuzzy, "rules": [{"range": ["A1:B1"], "type": "exact_match"}]}
    assert compare_table(near, gold, rules=[strict]) == 0.0
    close = {**fuzzy, "rules": [{"range": ["A1"], "type": "fuzzy_match", "threshold": 80}]}
    assert compare_table(near, gold, rules=[close]) == 1.0  # ratio 87
    far = {**fuzzy, "rules": [{"range": ["A1"], "type": "fuzzy_match", "threshold": 90}]}
    assert compare_table(near, gold, rules=[far]) == 0.0
    part = {**fuzzy, "rules": [{"range": ["A2"], "type": "includes"}]}
    assert compare_table(near, gold, rules=[part]) == 0.0  # "y" does not hold "x"


def test_check_cell_freeze_and_zoom(tmp_path):
    def style(sheet: Any) -> None:
        sheet["A1"].font = Font(bold=True, color="FFFF0000")
        sheet["B2"].fill = PatternFill("solid", fgColor="FF00FF00", bgColor="FF00FF00")
        sheet.freeze_panes = "B2"
        sheet.sheet_view.zoomScale = 150

    styled = book(tmp_path / "styled.xlsx", [["Total", 1], [2, 0.3333]], style)
    plain = book(tmp_path / "plain.xlsx", [["Total", 1], [2, 0.3333]])
    cell = {
        "type": "check_cell",
        "sheet_idx": 0,
        "coordinate": "A1",
        "props": {
            "value": {"method": "eq", "ref": "Total"},
            "font_bold": {"method": "eq", "ref": True},
            "font_color": {"method": "eq", "ref": "FFFF0000"},
        },
    }
    assert compare_table(styled, rules=[cell]) == 1.0
    assert compare_table(plain, rules=[cell]) == 0.0
    number = {
        "type": "check_cell",
        "sheet_idx": "RNSheet1",
        "coordinate": "B2",
        "props": {
            "value": {"method": "approx:0.001", "ref": 0.333},
            "bgcolor": {"method": "eq", "ref": "FF00FF00"},
        },
    }
    assert compare_table(styled, rules=[number]) == 1.0
    assert compare_table(plain, rules=[number]) == 0.0
    freeze = {"type": "freeze", "sheet_idx0": 0, "sheet_idx1": "EI0"}
    assert compare_table(styled, styled, rules=[freeze]) == 1.0
    assert compare_table(plain, styled, rules=[freeze]) == 0.0
    zoom = {"type": "zoom", "sheet_idx": 0, "method": "ge", "ref": 120}
    assert compare_table(styled, rules=[zoom]) == 1.0
    assert compare_table(plain, rules=[zoom]) == 0.0  # unset: 100
    assert compare_table(str(tmp_path / "missing.xlsx"), rules=[zoom]) == 0.0


def test_unsupported_parts_of_a_rule_are_named():
    getters: list[dict[str, Any]] = []
    rules = [
        {"type": "check_cell", "sheet_idx": 0, "coordinate": "A1", "props": {"border": {}}},
        {"type": "zoom", "sheet_idx": 0, "method": "about", "ref": 1},
        {"type": "sheet_fuzzy", "sheet_idx0": 0, "sheet_idx1": 1, "rules": [{"type": "sound"}]},
        {"type": "filter", "sheet_idx0": 0, "sheet_idx1": 1},
    ]
    assert check_options("compare_table", {"rules": rules}, getters) == [
        ("metric", "compare_table check_cell property border"),
        ("metric", "compare_table value method "),
        ("metric", "compare_table value method about"),
        ("metric", "compare_table sheet_fuzzy type sound"),
        ("metric", "compare_table rule filter"),
    ]


def test_a_downloaded_expected_file_is_given_under_its_dest_name(tmp_path):
    """OSWorld's cache names a download by its `dest`: sheet_print finds the CSV beside it."""
    home = tmp_path / "home"
    home.mkdir()
    result = book(home / "sales.xlsx", [["a", 1]])
    printed(result, "a,1\n")
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    gold, csv = blobs / "3f2a", blobs / "9b1c"  # the cache names files by their hash
    shutil.copy(result, gold)
    csv.write_text("a,1\n")
    expected = {
        "type": "cloud_file",
        "files": [str(gold), str(csv)],
        "dest": ["sales_gold.xlsx", "sales_gold-Sheet1.csv"],
        "multi": True,
    }
    rules = {"rules": [{"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0"}]}
    got = {"type": "vm_file", "path": "/home/user/sales.xlsx"}
    args = (home, SessionRunner(), "success", ["compare_table"], [got], [expected], [rules])
    assert judge(*args) == 1.0
    csv.write_text("a,2\n")
    assert judge(*args) == 0.0


def test_thunderbird_prefs_expected_and_unexpected_values(tmp_path):
    from tasks.osworld.mail import check_thunderbird_prefs

    prefs = tmp_path / "prefs.js"
    prefs.write_text(
        "// Mozilla User Preferences\n"
        'user_pref("mail.spam.manualMark", false);\n'
        'user_pref("mail.spam.manualMark", true);\n'  # the last value counts
        'user_pref("mail.identity.id1.fullName", "Anonym Tester");\n'
        'user_pref("weird", some.js.expression);\n'
    )
    rule: dict[str, Any] = {"expect": {"mail.spam.manualMark": {"method": "eq", "ref": True}}}
    assert check_thunderbird_prefs(str(prefs), rule) == 1.0
    rule["expect"]["mail.other"] = {"method": "eq", "ref": 1}  # not set at all
    assert check_thunderbird_prefs(str(prefs), rule) == 0.0
    named = {
        "expect": {"mail.identity.id1.fullName": {"method": "re", "ref": "Tester$"}},
        "unexpect": {"weird": {"method": "eq", "ref": 1}},
    }
    assert check_thunderbird_prefs(str(prefs), named) == 1.0
    named["unexpect"] = {"mail.identity.id1.fullName": {"method": "re", "ref": "Anonym"}}
    named["expect"] = {}
    assert check_thunderbird_prefs(str(prefs), named) == 0.0
    assert check_thunderbird_prefs(str(tmp_path / "none.js"), rule) == 0.0


def test_thunderbird_filters_as_thunderbird_writes_them(tmp_path):
    from tasks.osworld.mail import check_thunderbird_filter

    rules_file = tmp_path / "msgFilterRules.dat"
    rules_file.write_text(
        'version="9"\nlogging="no"\n'
        'name="Discounts"\nenabled="yes"\ntype="17"\naction="Move to folder"\n'
        'actionValue="mailbox://nobody@Local%20Folders/Promotions"\n'
        'condition="AND (subject,contains,discount) AND (from,is,\\"a b\\"@x.org)"\n'
        'name="Everything"\nenabled="no"\ntype="1"\naction="Forward"\n'
        'actionValue="anonym-x2024@gmail.com"\ncondition="ALL"\n'
    )
    move = {
        "enabled": "yes",
        "action": "Move to folder",
        "actionValue": "mailbox://nobody@Local%20Folders/Promotions",
    }
    found = check_thunderbird_filter(str(rules_file), {"expect": [move]})
    assert found == 1.0
    terms = ["AND (subject,contains,discount)", 'AND (from,is,"a b"@x.org)']
    assert (
        check_thunderbird_filter(str(rules_file), {"expect": [{**move, "condition": terms}]}) == 1.0
    )
    forward = {"enabled": "yes", "action": "Forward", "condition": ["ALL"]}
    assert check_thunderbird_filter(str(rules_file), {"expect": [forward]}) == 0.0  # disabled
    disabled = {**forward, "enabled": "no"}
    assert check_thunderbird_filter(str(rules_file), {"expect": [disabled]}) == 1.0
    assert check_thunderbird_filter(str(rules_file), {"unexpect": [{"action": "Forward"}]}) == 0.0
    assert check_thunderbird_filter(str(tmp_path / "none.dat"), {"expect": [move]}) == 0.0


def _charted(path: Path, kind: str = "bar", title: str = "Sales", rows: int = 4) -> str:
    from openpyxl.chart import BarChart, LineChart, Reference

    def add(sheet: Any) -> None:
        chart = BarChart() if kind == "bar" else LineChart()
        chart.title = title
        chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=rows), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows))
        sheet.add_chart(chart, "D2")

    data = [["Month", "Sales"], ["Jan", 3], ["Feb", 5], ["Mar", 4]]
    return book(path, data, add)


def test_charts_by_series_type_and_title(tmp_path):
    gold = _charted(tmp_path / "gold.xlsx")
    rule = {"type": "chart", "sheet_idx0": 0, "sheet_idx1": "EI0", "chart_props": ["type", "title"]}
    assert compare_table(_charted(tmp_path / "same.xlsx"), gold, rules=[rule]) == 1.0
    line = _charted(tmp_path / "line.xlsx", kind="line")
    assert compare_table(line, gold, rules=[rule]) == 0.0
    assert compare_table(line, gold, rules=[{**rule, "chart_props": ["title"]}]) == 1.0
    renamed = _charted(tmp_path / "renamed.xlsx", title="Revenue")
    assert compare_table(renamed, gold, rules=[rule]) == 0.0
    shorter = _charted(tmp_path / "shorter.xlsx", rows=3)  # another data range
    assert compare_table(shorter, gold, rules=[{**rule, "chart_props": []}]) == 0.0
    plain = book(tmp_path / "plain.xlsx", [["Month", "Sales"]])
    assert compare_table(plain, gold, rules=[rule]) == 0.0
    assert check_options("compare_table", {"rules": [{**rule, "chart_props": ["axis"]}]}, []) == [
        ("metric", "compare_table chart property axis")
    ]
    if shutil.which("soffice") is None:
        return
    soffice(tmp_path, "xlsx", gold)  # the chart as LibreOffice writes it
    saved = str(tmp_path / "converted" / "gold.xlsx")
    assert compare_table(saved, saved, rules=[rule]) == 1.0
    assert compare_table(saved, plain, rules=[rule]) == 0.0  # its chart is read
    assert compare_table(saved, str(line), rules=[rule]) == 0.0
