"""One cell of an xlsx workbook as OSWorld's table rules read it, and OSWorld's value rules.

`cell_value` reads the value the file stores, as OSWorld's read_cell_value does: a number (no
type, or type n) as a float, a shared string (type s) or a formula's string result (type str)
as text, anything else (a boolean, an error, an empty cell) as None. It reads the file's XML,
not openpyxl's interpretation (a date stays its serial number). An inline string (which
openpyxl writes; LibreOffice and Excel write shared strings) is read as its text, where OSWorld
reads none.

`cell_style` reads a style property of an openpyxl cell (font_bold, font_color, bgcolor, ...),
None for an empty cell as OSWorld has it. `matches(value, rule)` applies a {"method", "ref"}
rule: re (with flags, e.g. re.I), eq/ne/le/lt/ge/gt, approx:THRESHOLD, range.XY (X, Y one of
t, e: less than / less or equal on each side), str_list_eq and str_set_eq.
"""

from __future__ import annotations

import functools
import operator
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the sheet named `sheet`, from the workbook and its relationships."""
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    ids = {s.get("name"): s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet")}
    if sheet not in ids:
        return None
    relations = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for relation in relations.iter(f"{_PACKAGE_REL}Relationship"):
        if relation.get("Id") == ids[sheet]:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        root = ET.fromstring(archive.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    return ["".join(t.text or "" for t in item.iter(f"{_MAIN}t")) for item in root]


def cell_value(path: str, sheet: str, coordinate: str) -> Any:
    """The stored value of cell `coordinate` (e.g. "B3") of sheet `sheet`, or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return None
            root = ET.fromstring(archive.read(part))
            found = root.find(f"{_MAIN}sheetData/{_MAIN}row/{_MAIN}c[@r='{coordinate}']")
            if found is None:
                return None
            kind, value = found.get("t", "n"), found.findtext(f"{_MAIN}v")
            if kind == "inlineStr":
                return "".join(t.text or "" for t in found.iter(f"{_MAIN}t"))
            if value is None:
                return None
            if kind == "n":
                return float(value)
            if kind == "s":
                return _shared_strings(archive)[int(value)]
            return value if kind == "str" else None
    except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile, ET.ParseError):
        return None


def _font(cell: Any, name: str) -> Any:
    font = cell.font
    if name == "color":
        return font.color.rgb if font.color is not None else None
    return getattr(font, name)


def cell_style(name: str, cell: Any) -> Any:
    """A style property of an openpyxl cell, by OSWorld's name (STYLES)."""
    if name == "number_format":
        return cell.number_format if cell.value is not None and cell.data_type == "n" else None
    if name.startswith("font_"):
        return _font(cell, name[5:]) if cell.value is not None else None
    if name == "hyperlink":
        return (cell.hyperlink or "") if cell.value is not None else None
    fill = cell.fill
    if name == "fill_type":
        return getattr(fill, "tagname", None)
    colour = getattr(fill, {"bgcolor": "bgColor", "fgcolor": "fgColor"}[name], None)
    return getattr(colour, "rgb", None)


STYLES = {
    "number_format",
    "font_name",
    "font_family",
    "font_color",
    "font_bold",
    "font_italic",
    "font_underline",
    "font_size",
    "fill_type",
    "bgcolor",
    "fgcolor",
    "hyperlink",
}
_COMPARE = {"eq", "ne", "le", "lt", "ge", "gt"}


def method_known(method: str) -> bool:
    return (
        method in _COMPARE
        or method in ("str_list_eq", "str_set_eq")
        or method.split(".")[0] == "re"
        or re.fullmatch(r"approx:[0-9.eE+-]+", method) is not None
        or re.fullmatch(r"range\.[te]{2}", method) is not None
    )


def matches(value: Any, rule: dict[str, Any]) -> bool:
    method, ref = rule["method"], rule["ref"]
    try:
        if method.split(".")[0] == "re":
            flags = [getattr(re, flag) for flag in method.split(".")[1:]]
            flag = functools.reduce(operator.or_, flags, re.RegexFlag(0))
            return isinstance(value, str) and re.search(ref, value, flag) is not None
        if method in _COMPARE:
            return bool(getattr(operator, method)(value, ref))
        if method.startswith("approx:"):
            return abs(float(value) - float(ref)) <= float(method.split(":", 1)[1])
        if method.startswith("range."):
            low, high = (getattr(operator, "l" + side) for side in method[6:8])
            return bool(low(ref[0], value) and high(value, ref[1]))
        if method in ("str_list_eq", "str_set_eq"):
            kind = list if method == "str_list_eq" else set
            return bool(kind(str(value).strip("\"'").split(",")) == kind(ref))
    except (TypeError, ValueError):  # a value that cannot be compared so: no match
        return False
    raise ValueError(f"unknown value rule method {method!r}")
