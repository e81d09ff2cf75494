"""csv_profile: the figures of a generated CSV through the real server, then the profiler's
edge cases (type widening across batches, ragged rows, other delimiters, bad input)."""

from __future__ import annotations

import csv
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.tools.fs_server import stdio_server
from tools.csv_profile import BATCH, MAX_COLUMNS, profile

ROWS = 10_000  # over two batches, so types must hold (or widen) from one batch to the next


def _generate(path: Path) -> dict[str, list]:
    """A CSV with ints, floats, blanks, dates, bools and strings; returns its columns."""
    start = date(2026, 1, 1)
    columns: dict[str, list] = {"id": [], "price": [], "qty": [], "day": [], "name": [],
                                "active": [], "mixed": [], "code": []}  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for n in range(1, ROWS + 1):
            row = {
                "id": n,
                "price": "" if n % 7 == 0 else n * 0.25,
                "qty": "NA" if n % 10 == 0 else n % 50 - 20,
                "day": (start + timedelta(days=n % 365)).isoformat(),
                "name": "" if n % 13 == 0 else f"item {n}, large",
                "active": "true" if n % 2 else "false",
                "mixed": n if n <= ROWS // 2 else n + 0.5,
                "code": "A12" if n == 9000 else n,
            }
            writer.writerow(row.values())
            for name, value in row.items():
                columns[name].append(value)
    return columns


def _stats(values: list) -> dict:
    present = [v for v in values if v not in ("", "NA")]
    return {"min": min(present), "max": max(present), "mean": round(sum(present) / len(present), 6)}


def test_csv_profile_through_the_server_gives_the_right_figures(tmp_path):
    data = _generate(tmp_path / "sales.csv")
    with stdio_server(tmp_path) as server:
        result = server.call("csv_profile", path="sales.csv", sample_rows=2)
        assert not result.is_error
        report = result.structured_content
        assert '"rows": 10000' in result.content[0].text  # the same, as text for the model
    assert report["file"] == "sales.csv" and report["rows"] == ROWS
    assert report["delimiter"] == "," and report["bytes"] == (tmp_path / "sales.csv").stat().st_size
    got = {column["name"]: column for column in report["columns"]}
    assert list(got) == list(data)
    assert got["id"] == {"name": "id", "type": "int", "nulls": 0, **_stats(data["id"]),
                         "examples": ["1", "2", "3"]}  # fmt: skip
    price = {"name": "price", "type": "float", "nulls": ROWS // 7, **_stats(data["price"])}
    assert got["price"] == price | {"examples": ["0.25", "0.5", "0.75"]}
    assert got["qty"]["type"] == "int" and got["qty"]["nulls"] == ROWS // 10
    assert {k: got["qty"][k] for k in ("min", "max", "mean")} == _stats(data["qty"])
    assert got["day"]["type"] == "date" and got["day"]["nulls"] == 0
    assert (got["day"]["min"], got["day"]["max"]) == ("2026-01-01", "2026-12-31")
    assert got["name"]["type"] == "string" and got["name"]["nulls"] == ROWS // 13
    assert got["name"]["examples"] == ["item 1, large", "item 2, large", "item 3, large"]
    assert got["active"]["type"] == "bool" and "mean" not in got["active"]
    assert got["mixed"]["type"] == "float" and got["mixed"]["max"] == ROWS + 0.5
    assert got["mixed"]["mean"] == round(sum(data["mixed"]) / ROWS, 6)
    assert got["code"]["type"] == "string" and "mean" not in got["code"]
    assert report["sample_rows"] == [
        ["1", "0.25", "-19", "2026-01-02", "item 1, large", "true", "1", "1"],
        ["2", "0.5", "-18", "2026-01-03", "item 2, large", "false", "2", "2"],
    ]


def test_a_large_csv_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    row = "2026-01-01,12345,678.9,some text here,true\n"
    with path.open("w") as handle:
        handle.write("day,id,amount,note,flag\n" + row * 200_000)  # 8.4 MB
    started = time.monotonic()
    report = profile(path)
    assert time.monotonic() - started < 5
    assert report["rows"] == 200_000
    assert [c["type"] for c in report["columns"]] == ["date", "int", "float", "string", "bool"]


def _profile(tmp_path: Path, text: str, **kw) -> dict:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    return profile(path, **kw)


def test_odd_values_are_strings_not_crashes(tmp_path):
    report = _profile(tmp_path, "a,b,c,d,e\n--5,²,1_000,inf,2026-02-30\n")
    assert [c["type"] for c in report["columns"]] == ["string"] * 5


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("a;b\n1;2\n3;4\n", ";"), ("a\tb\n1\t2\n3\t4\n", "\t"), ("a|b\n1|2\n3|4\n", "|")],
)
def test_the_delimiter_is_sniffed(tmp_path, text, delimiter):
    report = _profile(tmp_path, text)
    assert report["delimiter"] == delimiter
    assert [c["max"] for c in report["columns"]] == [3, 4]


def test_ragged_rows_blank_lines_and_a_bom(tmp_path):
    report = _profile(tmp_path, "\ufeffx,y\n1,2\n\n3\n4,5,6\n")
    assert report["rows"] == 3 and report["ragged_rows"] == 2
    assert report["columns"][0]["name"] == "x"
    assert report["columns"][1]["nulls"] == 1
    assert report["sample_rows"] == [["1", "2"], ["3"], ["4", "5", "6"]]


def test_quoted_fields_over_several_lines(tmp_path):
    report = _profile(tmp_path, 'id,note\n1,"two\nlines"\n2,plain\n')
    assert report["rows"] == 2 and report["columns"][1]["examples"][0] == "two\nlines"


def test_an_empty_file_a_header_only_and_too_many_columns(tmp_path):
    assert _profile(tmp_path, "")["columns"] == []
    header_only = _profile(tmp_path, "a,b\n")
    assert header_only["rows"] == 0 and header_only["columns"][0]["type"] == "empty"
    wide = _profile(tmp_path, ",".join(f"c{i}" for i in range(MAX_COLUMNS + 5)) + "\n")
    assert len(wide["columns"]) == MAX_COLUMNS and wide["columns_not_shown"] == 5


def test_int_widens_to_float_in_a_later_batch(tmp_path):
    lines = ["n"] + ["1"] * BATCH + ["2.5"]
    column = _profile(tmp_path, "\n".join(lines) + "\n")["columns"][0]
    assert column["type"] == "float" and column["max"] == 2.5 and isinstance(column["min"], float)


def test_a_binary_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="NUL bytes"):
        _profile(tmp_path, "a,b\n\x00\x00\n")
