"""The filesystem server over real MCP (stdio and HTTP): tools, and the attack list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for_port
from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec

SERVE = ("-m", "agent.cli", "mcp", "serve", "filesystem", "--root")


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "notes").mkdir()
    (root / "notes" / "a.txt").write_text("alpha\nbeta\ngamma\n")
    (root / "data.csv").write_text(
        "id,price,active,day,name\n1,2.5,true,2026-01-02,pen\n2,,false,2026-01-03,ink\n"
        "3,10,true,2026-02-01,\n"
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    (tmp_path / "ws_evil").mkdir()
    (tmp_path / "ws_evil" / "x.txt").write_text("evil")
    return root


@pytest.fixture
def files(workspace):
    spec = ServerSpec("fs", "stdio", command=sys.executable, args=(*SERVE, str(workspace)))
    hub = ToolHub([spec], Approval("auto"))
    yield hub
    hub.close()


def test_annotations_mark_reads_and_changes(files):
    tools = files.tools
    for name in ("list_directory", "directory_tree", "read_text_file", "read_multiple_files",
                 "search_files", "get_file_info", "csv_profile"):  # fmt: skip
        assert tools[f"fs__{name}"].read_only, name
    for name in ("write_file", "edit_file", "move_file"):
        assert tools[f"fs__{name}"].destructive, name
    assert not tools["fs__create_directory"].read_only
    assert not tools["fs__create_directory"].destructive


def test_the_tools_do_what_they_say(files, workspace):
    assert "[DIR]  notes/" in files.call("fs__list_directory", {}).text
    assert "notes/\n  a.txt" in files.call("fs__directory_tree", {}).text
    assert (
        files.call("fs__read_text_file", {"path": "notes/a.txt", "head": 2}).text == "alpha\nbeta"
    )
    assert files.call("fs__read_text_file", {"path": "notes/a.txt", "tail": 1}).text == "gamma"
    both = files.call("fs__read_multiple_files", {"paths": ["notes/a.txt", "nope.txt"]}).text
    assert "alpha" in both and "'nope.txt' does not exist" in both
    assert files.call("fs__search_files", {"pattern": "*.csv"}).text == "data.csv"
    hits = files.call("fs__search_files", {"content": "^be"}).text
    assert hits == "notes/a.txt:2: beta"
    info = json.loads(files.call("fs__get_file_info", {"path": "data.csv"}).text)
    assert info["type"] == "file" and info["size"] == (workspace / "data.csv").stat().st_size
    assert files.call("fs__create_directory", {"path": "out/deep"}).error is None
    files.call("fs__write_file", {"path": "out/deep/r.md", "content": "# Résumé\n"})
    assert (workspace / "out/deep/r.md").read_text() == "# Résumé\n"
    diff = files.call(
        "fs__edit_file",
        {"path": "notes/a.txt", "edits": [{"old_text": "beta", "new_text": "BETA"}]},
    ).text
    assert "-beta\n+BETA" in diff
    assert (workspace / "notes/a.txt").read_text() == "alpha\nBETA\ngamma\n"
    files.call("fs__move_file", {"source": "out/deep/r.md", "destination": "r.md"})
    assert (workspace / "r.md").exists() and not (workspace / "out/deep/r.md").exists()


def test_an_ambiguous_or_missing_edit_changes_nothing(files, workspace):
    (workspace / "twice.txt").write_text("x x")
    edit = {"path": "twice.txt", "edits": [{"old_text": "x", "new_text": "y"}]}
    twice = files.call("fs__edit_file", edit)
    assert "occurs 2 times" in (twice.error or "")
    assert (workspace / "twice.txt").read_text() == "x x"
    edit = {"path": "twice.txt", "dry_run": True, "edits": [{"old_text": "x x", "new_text": "z"}]}
    dry = files.call("fs__edit_file", edit)
    assert "+z" in dry.text and (workspace / "twice.txt").read_text() == "x x"


def test_csv_profile(files):
    data = json.loads(files.call("fs__csv_profile", {"path": "data.csv"}).text)
    assert data["rows"] == 3
    columns = {c["name"]: c for c in data["columns"]}
    assert columns["id"] == {"name": "id", "type": "int", "nulls": 0, "min": 1.0, "max": 3.0,
                             "mean": 2.0, "examples": ["1", "2", "3"]}  # fmt: skip
    assert columns["price"]["type"] == "float" and columns["price"]["nulls"] == 1
    assert columns["price"]["mean"] == 6.25
    assert columns["active"]["type"] == "bool"
    assert columns["day"]["type"] == "date"
    assert columns["name"]["type"] == "string" and columns["name"]["nulls"] == 1
    assert data["sample_rows"][0] == ["1", "2.5", "true", "2026-01-02", "pen"]


def attacks(tmp_path: Path, workspace: Path) -> list[tuple[str, dict, str]]:
    os.symlink(tmp_path / "outside", workspace / "linkdir")
    os.symlink(tmp_path / "outside" / "secret.txt", workspace / "linkfile")
    os.symlink(tmp_path / "outside" / "new.txt", workspace / "dangling")
    return [
        ("fs__read_text_file", {"path": "../outside/secret.txt"}, "outside the workspace"),
        ("fs__read_text_file", {"path": "../../../../etc/passwd"}, "outside the workspace"),
        ("fs__read_text_file", {"path": "/etc/passwd"}, "outside the workspace"),
        ("fs__list_directory", {"path": str(tmp_path / "ws_evil")}, "outside the workspace"),
        ("fs__read_text_file", {"path": "../ws_evil/x.txt"}, "outside the workspace"),
        ("fs__list_directory", {"path": "linkdir"}, "leads outside"),
        ("fs__read_text_file", {"path": "linkdir/secret.txt"}, "leads outside"),
        ("fs__read_text_file", {"path": "linkfile"}, "leads outside"),
        ("fs__write_file", {"path": "linkfile", "content": "pwned"}, "leads outside"),
        ("fs__write_file", {"path": "dangling", "content": "pwned"}, "leads outside"),
        ("fs__write_file", {"path": "linkdir/new.txt", "content": "pwned"}, "leads outside"),
        ("fs__read_text_file", {"path": "notes/a.txt\x00.png"}, "NUL"),
        ("fs__read_text_file", {"path": "a/" * 2500}, "too long"),
        ("fs__move_file", {"source": "notes/a.txt", "destination": "../stolen.txt"}, "outside"),
        ("fs__create_directory", {"path": "../made"}, "outside the workspace"),
    ]


def test_every_escape_is_refused_and_nothing_outside_changes(files, workspace, tmp_path):
    for tool, arguments, message in attacks(tmp_path, workspace):
        outcome = files.call(tool, arguments)
        assert outcome.error is not None and message in outcome.error, (tool, arguments, outcome)
    assert (tmp_path / "outside" / "secret.txt").read_text() == "top secret"
    assert not (tmp_path / "outside" / "new.txt").exists()
    assert not (tmp_path / "stolen.txt").exists() and not (tmp_path / "made").exists()
    assert (workspace / "notes/a.txt").exists()


def test_a_huge_sparse_file_is_paged(files, workspace):
    with (workspace / "big.bin").open("wb") as handle:
        handle.truncate(1 << 30)
    outcome = files.call("fs__read_text_file", {"path": "big.bin"})
    assert len(outcome.text) < 70_000
    assert "more bytes: read on with offset=65536" in outcome.text
    second = files.call("fs__read_text_file", {"path": "big.bin", "offset": 65536, "limit": 10})
    assert second.error is None and "offset=65546" in second.text


def test_over_streamable_http(workspace):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, *SERVE, str(workspace), "--http", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        hub = ToolHub([ServerSpec("fs", "streamable-http", url=f"http://127.0.0.1:{port}/mcp")])
        try:
            assert "alpha" in hub.call("fs__read_text_file", {"path": "notes/a.txt"}).text
        finally:
            hub.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
