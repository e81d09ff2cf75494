"""Calls that used to stall the filesystem server or reach outside through a name: each now
answers within its limits, and says where it stopped.

- a path of ~1,100 parts, a CSV cell of 64k digits and a letter, the regex `(a+)+$`;
- a search and a CSV profile on a 1.5 GB file (sparse: holes after real text), bounded by
  the server's --scan-mib and --scan-seconds;
- a hard link to a file outside, a link moved with move_file, a write over the size cap.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.fs_server import Session, stdio_server

SECRET = "outside secret"
BIG = 1536 << 20  # 1.5 GiB, sparse


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "ws").mkdir()
    (tmp_path / "outside.txt").write_text(SECRET)
    return tmp_path / "ws"


@pytest.fixture
def server(ws: Path) -> Iterator[Session]:
    with stdio_server(ws) as session:
        yield session


@pytest.fixture
def capped(ws: Path) -> Iterator[Session]:
    options = ("--scan-mib", "8", "--scan-seconds", "10", "--max-write-bytes", "1000")
    with stdio_server(ws, *options) as session:
        yield session


def test_a_path_of_1100_parts_is_refused_at_once(server, ws):
    refusal = server.error("create_directory", path="/".join(["a"] * 1100))
    assert "path too deep: 1100 parts, at most 256" in refusal
    assert not (ws / "a").exists()
    server.text("create_directory", path="/".join(["b"] * 200))  # deep, but allowed
    assert (ws.joinpath(*["b"] * 200)).is_dir()


def test_a_cell_of_64k_digits_and_a_letter_is_a_string(server, ws):
    (ws / "digits.csv").write_text("id,value\n1," + "9" * 65536 + "x\n2,3\n")
    profile = server.call("csv_profile", path="digits.csv").structured_content
    assert profile is not None and profile["rows"] == 2
    assert profile["columns"][1]["type"] == "string"


def test_a_catastrophic_regex_answers(server, ws):
    (ws / "a.txt").write_text("a" * 30000 + "!\n" + "tail aaa\n")
    found = server.text("search_files", content="(a+)+$", regex=True)
    assert found == "a.txt:2: tail aaa"
    assert "bad regular expression" in server.error("search_files", content="(a)\\1", regex=True)


def _huge(path: Path, head: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(BIG)


def test_a_search_through_1_5_gb_stops_at_its_cap(capped, ws):
    _huge(ws / "huge.log", b"needle here\n" + (b"x" * 99 + b"\n") * 100)  # text past the sniff
    found = capped.text("search_files", content="needle")
    assert found.startswith("huge.log:1: needle here\n")
    assert "[stopped after 8 MiB read, the limit of one call" in found


def test_a_csv_profile_of_1_5_gb_stops_at_its_cap(capped, ws):
    rows = b"7,2026-01-01,2.5\n" * 1_000_000  # 17 MB of rows, then holes
    _huge(ws / "huge.csv", b"id,day,amount\n" + rows)
    profile = capped.call("csv_profile", path="huge.csv").structured_content
    assert profile is not None, capped.error("csv_profile", path="huge.csv")
    assert profile["bytes"] == BIG
    assert "the limit of one call" in profile["stopped"]
    assert 0 < profile["rows"] < 1_000_000
    assert [c["type"] for c in profile["columns"]] == ["int", "date", "float"]


def test_a_hard_link_to_an_outside_file_is_neither_read_nor_written_through(server, ws):
    outside = ws.parent / "outside.txt"
    os.link(outside, ws / "linked.txt")
    refusal = server.error("read_text_file", path="linked.txt")
    assert "2 hard links" in refusal and SECRET not in refusal
    assert SECRET not in server.text("read_multiple_files", paths=["linked.txt"])
    assert server.text("search_files", content="secret") == "no matches"
    assert "2 hard links" in server.error("csv_profile", path="linked.txt")
    server.text("write_file", path="linked.txt", content="mine now")
    assert outside.read_text() == SECRET  # the name was replaced, the outside file kept
    assert (ws / "linked.txt").read_text() == "mine now"


def test_move_file_moves_a_link_not_what_it_points_to(server, ws):
    (ws / "target.txt").write_text("stays")
    os.symlink("target.txt", ws / "pointer")
    (ws / "sub").mkdir()
    server.text("move_file", source="pointer", destination="sub/pointer")
    assert (ws / "target.txt").read_text() == "stays"
    assert (ws / "sub" / "pointer").is_symlink()
    assert os.readlink(ws / "sub" / "pointer") == "target.txt"


def test_a_write_over_the_cap_is_refused_and_nothing_is_written(capped, ws):
    refusal = capped.error("write_file", path="big.txt", content="x" * 1001)
    assert "at most 1000 bytes a write" in refusal and "--max-write-bytes" in refusal
    assert not (ws / "big.txt").exists()
    capped.text("write_file", path="small.txt", content="x" * 1000)


def test_edits_are_capped_per_call(server, ws):
    (ws / "e.txt").write_text("x" * 1000)
    edits = [{"old_text": "y", "new_text": "z"}] * 101
    assert "101 edits in one call: at most 100" in server.error(
        "edit_file", path="e.txt", edits=edits
    )
    assert (ws / "e.txt").read_text() == "x" * 1000
