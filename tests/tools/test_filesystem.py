"""The filesystem MCP server, tool by tool: a real `python -m tools.filesystem` subprocess, the
SDK's client over stdio (and once over streamable HTTP), and the files checked on disk.

One server serves the whole module; each test works in a folder of its own inside the root.
The attack list is in test_filesystem_attacks.py, csv_profile in test_csv_profile.py.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.tools.fs_server import COMMAND, REPO, Session, connect, http_server, stdio_server

READ_ONLY = {"list_directory", "directory_tree", "read_text_file", "read_multiple_files",
             "search_files", "get_file_info", "csv_profile"}  # fmt: skip
DESTRUCTIVE = {"write_file", "edit_file", "move_file"}
NOTE = re.compile(r"\n\[\.\.\. (\d+) more bytes of (\d+): read on with offset=(\d+)\]$")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[Session]:
    with stdio_server(root) as session:
        yield session


@pytest.fixture
def here(root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh folder for this test, named after it, inside the served root."""
    folder = root / request.node.name.replace("[", "_").replace("]", "")
    folder.mkdir()
    return folder


def test_every_tool_is_listed_with_its_annotations(server):
    tools = server.tools()
    assert set(tools) == READ_ONLY | DESTRUCTIVE | {"create_directory"}
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert hints.destructive_hint is (name in DESTRUCTIVE), name
        assert hints.open_world_hint is False, name
        assert tool.description, name
    edit = tools["edit_file"].input_schema
    assert edit["$defs"]["Edit"]["required"] == ["old_text", "new_text"]
    assert tools["read_text_file"].input_schema["required"] == ["path"]


def test_list_directory_gives_types_and_sizes(server, here):
    (here / "sub").mkdir()
    (here / "a.txt").write_bytes(b"12345")
    (here / "b.bin").write_bytes(b"\x00" * 300)
    (here / "to_a").symlink_to("a.txt")
    listing = server.text("list_directory", path=here.name)
    assert listing.splitlines() == [
        "[FILE] a.txt (5 bytes)",
        "[FILE] b.bin (300 bytes)",
        "[DIR]  sub/",
        "[LINK] to_a -> a.txt",
        "1 directories, 2 files, 1 links; 305 bytes in files",
    ]
    assert "not a directory" in server.error("list_directory", path=f"{here.name}/a.txt")
    assert "does not exist" in server.error("list_directory", path=f"{here.name}/nope")


def test_directory_tree_keeps_to_its_depth_and_exclusions(server, here):
    (here / "a" / "b" / "c").mkdir(parents=True)
    (here / "a" / "b" / "c" / "deep.txt").write_text("x")
    (here / "a" / "keep.txt").write_text("x")
    (here / "a" / "skip.pyc").write_text("x")
    (here / ".git" / "objects").mkdir(parents=True)
    tree = server.text("directory_tree", path=here.name, depth=2, exclude=[".git", "*.pyc"])
    assert tree.splitlines() == ["a/", "  b/", "  keep.txt"]
    deep = server.text("directory_tree", path=here.name, depth=10, exclude=["a/b"])
    assert "b/" not in deep and ".git/" in deep and "skip.pyc" in deep


def test_read_text_file_head_and_tail(server, here):
    (here / "lines.txt").write_text("".join(f"line {n}\n" for n in range(1, 101)))
    name = f"{here.name}/lines.txt"
    assert server.text("read_text_file", path=name, head=2) == "line 1\nline 2"
    assert server.text("read_text_file", path=name, tail=2) == "line 99\nline 100"
    assert server.text("read_text_file", path=name, head=500).endswith("line 100")
    assert "not both" in server.error("read_text_file", path=name, head=1, tail=1)
    assert "1 or more" in server.error("read_text_file", path=name, head=0)


def test_a_large_text_file_is_read_in_pages_that_join_up_exactly(server, here):
    # multi-byte characters, so that page ends fall inside characters
    text = "".join(f"{n:06d} é€𝄞 ünïcødé text\n" for n in range(20000))
    data = text.encode()
    (here / "big.txt").write_bytes(data)
    name = f"{here.name}/big.txt"
    pages, offset = [], 0
    while True:
        page = server.text("read_text_file", path=name, offset=offset)
        assert len(page.encode()) <= 64 * 1024 + 100
        note = NOTE.search(page)
        if note is None:
            pages.append(page)
            break
        pages.append(page[: note.start()])
        left, size, offset = map(int, note.groups())
        assert size == len(data) and left == size - offset
    assert len(pages) == len(data) // (64 * 1024) + 1
    assert "".join(pages) == text
    small = server.text("read_text_file", path=name, offset=7, limit=10)
    assert small.startswith(text[7:10]) and "read on with offset=" in small
    head = server.text("read_text_file", path=name, head=10**6)
    assert len(head.encode()) < 64 * 1024 + 200 and "stopped at the 64 KiB cap" in head
    assert server.text("read_text_file", path=name, tail=1) == text.splitlines()[-1]
    assert "outside the file" in server.error("read_text_file", path=name, offset=len(data) + 1)


def test_read_multiple_files_reports_each_file(server, here):
    (here / "one.txt").write_text("first")
    (here / "two.txt").write_text("second")
    both = server.text(
        "read_multiple_files",
        paths=[f"{here.name}/one.txt", f"{here.name}/two.txt", f"{here.name}/three.txt"],
    )
    assert f"--- {here.name}/one.txt\nfirst\n--- {here.name}/two.txt\nsecond\n" in both
    assert f"--- {here.name}/three.txt\nerror: '{here.name}/three.txt' does not exist" in both


def test_search_by_glob_and_by_content(server, here):
    (here / "data" / "2026").mkdir(parents=True)
    (here / "data" / "2026" / "jan.csv").write_text("a,b\n1,2\n")
    (here / "data" / "feb.csv").write_text("a,b\n3,4\n")
    (here / "notes.md").write_text("Total: a.b\nnothing\nTOTAL again\n")
    (here / "node_modules").mkdir()
    (here / "node_modules" / "x.csv").write_text("a,b\n")
    (here / "blob.bin").write_bytes(b"Total\x00")
    search = lambda **kw: server.text("search_files", path=here.name, **kw)  # noqa: E731
    assert search(pattern="*.csv", exclude=["node_modules"]).splitlines() == [
        f"{here.name}/data/feb.csv",
        f"{here.name}/data/2026/jan.csv",
    ]
    assert search(pattern="data/**/*.csv") == f"{here.name}/data/2026/jan.csv"
    assert search(content="a.b") == f"{here.name}/notes.md:1: Total: a.b"  # a substring
    assert search(content="^TOTAL", regex=True) == f"{here.name}/notes.md:3: TOTAL again"
    assert search(content="total", ignore_case=True).count("notes.md") == 2
    assert search(content="no such text") == "no matches"
    capped = search(pattern="*", max_results=2).splitlines()
    assert len(capped) == 3 and capped[-1].startswith("[stopped at 2 results")
    assert "bad regular expression" in server.error("search_files", content="(", regex=True)


def test_get_file_info(server, here):
    (here / "f.txt").write_text("hello")
    os.chmod(here / "f.txt", 0o640)
    result = server.call("get_file_info", path=f"{here.name}/f.txt")
    info = result.structured_content
    assert not result.is_error
    assert info["path"] == f"{here.name}/f.txt" and info["type"] == "file"
    assert info["size"] == 5 and info["permissions"] == "-rw-r-----"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", info["modified"])
    folder = server.call("get_file_info", path=here.name).structured_content
    assert folder["type"] == "directory"


def test_write_file_creates_and_replaces_keeping_permissions(server, here):
    name = f"{here.name}/out.md"
    assert (
        server.text("write_file", path=name, content="# Résumé\n") == f"created {name} (11 bytes)"
    )
    assert (here / "out.md").read_bytes() == "# Résumé\n".encode()
    os.chmod(here / "out.md", 0o600)
    assert server.text("write_file", path=name, content="v2") == f"replaced {name} (2 bytes)"
    assert (here / "out.md").read_text() == "v2"
    assert stat.S_IMODE((here / "out.md").stat().st_mode) == 0o600
    assert sorted(os.listdir(here)) == ["out.md"]  # no temporary file left behind
    missing = server.error("write_file", path=f"{here.name}/no/such/dir.md", content="x")
    assert "does not exist: create_directory first" in missing
    assert "is a directory" in server.error("write_file", path=here.name, content="x")


def test_edit_file_returns_a_diff_and_changes_the_file(server, here):
    (here / "poem.txt").write_bytes(b"roses are red\r\nviolets are blue\r\n")
    name = f"{here.name}/poem.txt"
    edit = [{"old_text": "blue", "new_text": "green"}]
    dry = server.text("edit_file", path=name, edits=edit, dry_run=True)
    assert dry.startswith("dry run, nothing written:\n") and "+violets are green" in dry
    assert (here / "poem.txt").read_bytes() == b"roses are red\r\nviolets are blue\r\n"
    diff = server.text("edit_file", path=name, edits=edit)
    assert diff.startswith(f"--- a/{name}\n+++ b/{name}\n@@ -1,2 +1,2 @@")
    assert "-violets are blue\r\n+violets are green\r\n" in diff
    assert (here / "poem.txt").read_bytes() == b"roses are red\r\nviolets are green\r\n"


def test_an_ambiguous_or_absent_old_text_changes_nothing(server, here):
    (here / "x.txt").write_text("one\ntwo\none\n")
    name = f"{here.name}/x.txt"
    twice = server.error("edit_file", path=name, edits=[{"old_text": "one", "new_text": "1"}])
    assert "old_text occurs 2 times (lines 1, 3)" in twice and "nothing was changed" in twice
    absent = server.error("edit_file", path=name, edits=[{"old_text": "six", "new_text": "6"}])
    assert "old_text not found" in absent
    both = [{"old_text": "two", "new_text": "2"}, {"old_text": "three", "new_text": "3"}]
    assert "edit 2 of" in server.error("edit_file", path=name, edits=both)
    assert "old_text is empty" in server.error(
        "edit_file", path=name, edits=[{"old_text": "", "new_text": "x"}]
    )
    assert (here / "x.txt").read_text() == "one\ntwo\none\n"
    (here / "latin1.txt").write_bytes("café".encode("latin-1"))
    latin = server.error("edit_file", path=f"{here.name}/latin1.txt",
                         edits=[{"old_text": "caf", "new_text": "x"}])  # fmt: skip
    assert "not UTF-8 text" in latin


def test_create_directory_and_move_file(server, here):
    d = here.name
    assert server.text("create_directory", path=f"{d}/a/b/c").endswith("a/b/c/ is there")
    assert (here / "a" / "b" / "c").is_dir()
    assert server.call("create_directory", path=f"{d}/a").is_error is False
    (here / "f.txt").write_text("payload")
    assert "not a directory" in server.error("create_directory", path=f"{d}/f.txt")
    moved = server.text("move_file", source=f"{d}/f.txt", destination=f"{d}/a/g.txt")
    assert moved == f"moved {d}/f.txt to {d}/a/g.txt"
    assert (here / "a" / "g.txt").read_text() == "payload" and not (here / "f.txt").exists()
    (here / "h.txt").write_text("other")
    taken = server.error("move_file", source=f"{d}/h.txt", destination=f"{d}/a/g.txt")
    assert "already exists" in taken and (here / "a" / "g.txt").read_text() == "payload"
    into = server.error("move_file", source=f"{d}/a", destination=f"{d}/a/b/a")
    assert "into itself" in into
    assert "workspace root" in server.error("move_file", source=".", destination="elsewhere")
    nowhere = server.error("move_file", source=f"{d}/h.txt", destination=f"{d}/no/h.txt")
    assert "does not exist: create it first" in nowhere


def test_over_streamable_http(tmp_path):
    (tmp_path / "hello.txt").write_text("over http\n")
    with http_server(tmp_path) as server:
        url = server.url
        with connect(url, server.token) as session:
            assert "csv_profile" in session.tools()
            assert session.text("read_text_file", path="hello.txt") == "over http\n"
            session.text("write_file", path="new.txt", content="written over http")
            assert "[FILE] new.txt (17 bytes)" in session.text("list_directory")
            assert "outside the workspace" in session.error("read_text_file", path="../x")
        # bound to loopback, the SDK refuses a foreign Host header (DNS rebinding)
        headers = {**server.headers, "Host": "evil.example"}
        rebound = httpx2.post(url, headers=headers, json={}, timeout=5)
        assert rebound.status_code in (400, 403, 421)
    assert (tmp_path / "new.txt").read_text() == "written over http"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--root", "/no/such/folder"], "is not a directory"),
        (["--root", ".", "--http", "127.0.0.1:http"], "--http takes HOST:PORT"),
    ],
)
def test_the_command_line_refuses_bad_arguments(arguments, message):
    done = subprocess.run([*COMMAND[:3], *arguments], cwd=REPO, capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    assert done.returncode == 2 and message in done.stderr


def test_build_server_refuses_a_root_that_is_not_a_folder(tmp_path):
    from tools.filesystem import build_server
    from tools.fs_sandbox import OutsideWorkspace

    (tmp_path / "file").write_text("x")
    with pytest.raises(OutsideWorkspace, match="is not a directory"):
        build_server(tmp_path / "file")
