"""The attack list against the filesystem MCP server: every escape refused with a clear message
and nothing outside the workspace read, written or created.

Layout (one stdio server for the module, the SDK's client):

    base/ws/               the workspace root
        notes/a.txt
        linkdir  -> base/outside          a linked folder that leads out
        linkfile -> base/outside/secret.txt
        dangling -> base/outside/created.txt (does not exist)
        loop     -> loop
    base/outside/secret.txt
    base/ws_evil/x.txt     the sibling whose name starts with the root's
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.fs_server import Session, peak_memory_mb, server_pids, stdio_server
from tools.fs_sandbox import OutsideWorkspace, Sandbox

SECRET = "top secret"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("attacks")
    root = base / "ws"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "a.txt").write_text("alpha\n")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text(SECRET)
    (base / "ws_evil").mkdir()
    (base / "ws_evil" / "x.txt").write_text("evil")
    os.symlink(base / "outside", root / "linkdir")
    os.symlink(base / "outside" / "secret.txt", root / "linkfile")
    os.symlink(base / "outside" / "created.txt", root / "dangling")
    os.symlink("loop", root / "loop")
    return base


@pytest.fixture(scope="module")
def server(base: Path) -> Iterator[Session]:
    with stdio_server(base / "ws") as session:
        yield session


def _outside(base: Path) -> dict[str, str]:
    """Everything outside the workspace: path -> content (or '<dir>')."""
    seen = {}
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if Path(folder, d) != base / "ws"]
        for name in dirs:
            seen[os.path.join(folder, name)] = "<dir>"
        for name in files:
            seen[os.path.join(folder, name)] = Path(folder, name).read_text()
    return seen


@pytest.fixture
def untouched(base: Path) -> Iterator[None]:
    """Fails the test if anything outside the workspace was created, changed or removed."""
    before = _outside(base)
    yield
    assert _outside(base) == before


OUT = "outside the workspace"
LINK = "symbolic link"

ATTACKS = [
    # climbing out
    ("read_text_file", {"path": "../outside/secret.txt"}, OUT),
    ("read_text_file", {"path": "../../etc/passwd"}, OUT),
    ("read_text_file", {"path": "../../../../../../../../../../etc/passwd"}, OUT),
    ("read_text_file", {"path": "notes/../../outside/secret.txt"}, OUT),
    ("read_text_file", {"path": "/etc/passwd"}, OUT),
    ("list_directory", {"path": "/"}, OUT),
    ("list_directory", {"path": ".."}, OUT),
    ("directory_tree", {"path": "../outside"}, OUT),
    ("search_files", {"path": "..", "content": SECRET}, OUT),
    ("get_file_info", {"path": "../outside/secret.txt"}, OUT),
    ("csv_profile", {"path": "../outside/secret.txt"}, OUT),
    # the sibling prefix: <root>_evil is not inside <root>
    ("read_text_file", {"path": "{base}/ws_evil/x.txt"}, OUT),
    ("list_directory", {"path": "{base}/ws_evil"}, OUT),
    ("read_text_file", {"path": "../ws_evil/x.txt"}, OUT),
    ("write_file", {"path": "{base}/ws_evil/y.txt", "content": "pwned"}, OUT),
    # absolute paths outside
    ("read_text_file", {"path": "{base}/outside/secret.txt"}, OUT),
    ("write_file", {"path": "{base}/outside/new.txt", "content": "pwned"}, OUT),
    # a linked folder and a linked file that lead out
    ("list_directory", {"path": "linkdir"}, LINK),
    ("directory_tree", {"path": "linkdir"}, LINK),
    ("search_files", {"path": "linkdir"}, LINK),
    ("read_text_file", {"path": "linkdir/secret.txt"}, LINK),
    ("read_text_file", {"path": "linkfile"}, LINK),
    ("read_text_file", {"path": "linkfile", "tail": 1}, LINK),
    ("get_file_info", {"path": "linkfile"}, LINK),
    ("csv_profile", {"path": "linkfile"}, LINK),
    # writing through an existing link, a dangling link and a linked folder
    ("write_file", {"path": "linkfile", "content": "pwned"}, LINK),
    ("write_file", {"path": "dangling", "content": "pwned"}, LINK),
    ("write_file", {"path": "linkdir/new.txt", "content": "pwned"}, LINK),
    ("write_file", {"path": "linkdir/deep/new.txt", "content": "pwned"}, LINK),
    ("edit_file", {"path": "linkfile", "edits": [{"old_text": "top", "new_text": "x"}]}, LINK),
    ("create_directory", {"path": "linkdir/made"}, LINK),
    ("create_directory", {"path": "../made"}, OUT),
    ("move_file", {"source": "notes/a.txt", "destination": "../stolen.txt"}, OUT),
    ("move_file", {"source": "notes/a.txt", "destination": "linkdir/stolen.txt"}, LINK),
    ("move_file", {"source": "linkfile", "destination": "notes/got.txt"}, LINK),
    ("move_file", {"source": "../outside/secret.txt", "destination": "got.txt"}, OUT),
    # NUL bytes
    ("read_text_file", {"path": "notes/a.txt\x00.png"}, "NUL byte"),
    ("write_file", {"path": "notes/b.txt\x00", "content": "x"}, "NUL byte"),
    # very long paths
    ("read_text_file", {"path": "a/" * 2500}, "path too long"),
    ("read_text_file", {"path": "x" * 5000}, "path too long"),
    ("write_file", {"path": "n" * 300, "content": "x"}, "path too long"),
    ("create_directory", {"path": "/".join(["d" * 200] * 25)}, "path too long"),
    # a link to itself
    ("read_text_file", {"path": "loop"}, "symbolic link loop"),
    ("write_file", {"path": "loop", "content": "x"}, "symbolic link loop"),
]


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    ATTACKS,
    ids=[f"{tool}-{i}" for i, (tool, _, _) in enumerate(ATTACKS)],
)
def test_the_escape_is_refused_and_nothing_outside_changes(
    server, base, untouched, tool, arguments, message
):
    arguments = {k: v.format(base=base) if isinstance(v, str) else v for k, v in arguments.items()}
    started = time.monotonic()
    refusal = server.error(tool, **arguments)
    assert message.lower() in refusal.lower(), refusal
    assert SECRET not in refusal and len(refusal) < 500
    assert time.monotonic() - started < 5
    assert (base / "ws" / "notes" / "a.txt").read_text() == "alpha\n"


def test_refusals_name_the_path_and_the_reason(server, base):
    climbed = server.error("read_text_file", path="../outside/secret.txt")
    assert climbed.endswith(f"outside the workspace {base / 'ws'}: '../outside/secret.txt'")
    linked = server.error("read_text_file", path="linkfile")
    assert f"'linkfile' leads through a symbolic link to {base / 'outside' / 'secret.txt'}" in (
        linked
    )
    created = server.error("write_file", path="linkdir/new.txt", content="x")
    assert f"'linkdir/new.txt' would be created through a symbolic link to {base / 'outside'}" in (
        created
    )


def test_links_that_lead_out_are_shown_but_never_read(server, base, untouched):
    listing = server.text("list_directory")
    assert f"[LINK] linkfile -> {base / 'outside' / 'secret.txt'} (outside: refused)" in listing
    assert server.text("search_files", content=SECRET) == "no matches"
    names = server.text("search_files", pattern="link*")
    assert "linkfile" not in names and "linkdir" not in names
    both = server.text("read_multiple_files", paths=["linkfile", "notes/a.txt"])
    assert SECRET not in both and "symbolic link" in both and "alpha" in both
    tree = server.text("directory_tree", depth=5)
    assert f"linkdir -> {base / 'outside'}" in tree and "\n  secret.txt" not in tree


def test_a_link_inside_the_workspace_still_works(server, base, untouched):
    root = base / "ws"
    (root / "inner").mkdir()
    (root / "inner" / "target.txt").write_text("inside\n")
    os.symlink(root / "inner", root / "innerdir")
    os.symlink("inner/target.txt", root / "innerfile")
    assert server.text("read_text_file", path="innerdir/target.txt") == "inside\n"
    server.text("write_file", path="innerfile", content="changed\n")
    assert (root / "inner" / "target.txt").read_text() == "changed\n"
    assert os.readlink(root / "innerfile") == "inner/target.txt"


def test_a_1_gib_sparse_file_costs_one_page(server, base, untouched):
    root = base / "ws"
    with (root / "huge.bin").open("wb") as handle:
        handle.truncate(1 << 30)
    started = time.monotonic()
    for arguments in ({}, {"head": 10**9}, {"tail": 10**9}, {"offset": 1 << 29}):
        refusal = server.error("read_text_file", path="huge.bin", **arguments)
        assert "not a text file" in refusal and "1073741824 bytes" in refusal
        assert len(refusal) < 500
    assert "not a CSV file" in server.error("csv_profile", path="huge.bin")
    assert server.text("search_files", content="x") == "no matches"
    info = server.call("get_file_info", path="huge.bin").structured_content
    assert info["size"] == 1 << 30
    assert time.monotonic() - started < 5
    (pid,) = server_pids(root)
    assert peak_memory_mb(pid) < 150
    (root / "huge.bin").unlink()


def test_a_1_gib_sparse_text_file_is_paged(server, base, untouched):
    root = base / "ws"
    with (root / "huge.txt").open("wb") as handle:  # text for a page and a bit, then holes
        handle.write(b"x" * (64 * 1024 + 10))
        handle.truncate(1 << 30)
    started = time.monotonic()
    page = server.text("read_text_file", path="huge.txt")
    assert page.startswith("x" * 1000) and len(page) < 64 * 1024 + 100
    assert page.endswith(f"more bytes of {1 << 30}: read on with offset={64 * 1024}]")
    assert "stopped at the 64 KiB cap" in server.text("read_text_file", path="huge.txt", head=5)
    assert time.monotonic() - started < 5
    (pid,) = server_pids(root)
    assert peak_memory_mb(pid) < 150
    (root / "huge.txt").unlink()


def test_a_write_never_follows_a_link_put_there_after_the_check(tmp_path):
    """The race the rename closes: the path checked was a plain file name, and by the time of
    the write a link to a file outside is there. The link is replaced; the target is kept."""
    root, outside = tmp_path / "ws", tmp_path / "outside.txt"
    root.mkdir()
    outside.write_text(SECRET)
    box = Sandbox(root)
    target = box.resolve("report.txt")
    os.symlink(outside, target)  # swapped in after the check
    assert box.write(target, b"report") is False
    assert outside.read_text() == SECRET
    assert not target.is_symlink() and target.read_text() == "report"
    dangling = box.resolve("new.txt")
    os.symlink(tmp_path / "created.txt", dangling)
    box.write(dangling, b"new")
    assert not (tmp_path / "created.txt").exists() and dangling.read_text() == "new"


@pytest.mark.parametrize(
    ("path", "inside"),
    [("a", True), (".", True), ("", True), ("a/../b", True), ("{root}", True),
     ("{root}/a", True), ("{root}_evil", False), ("{root}_evil/a", False), ("{root}/../ws", True),
     ("{root}/../ws_evil", False), ("..", False), ("/", False)],
)  # fmt: skip
def test_the_prefix_check_ends_at_a_separator(tmp_path, path, inside):
    root = tmp_path / "ws"
    root.mkdir()
    box = Sandbox(root)
    path = path.format(root=root)
    if inside:
        assert box.resolve(path).is_relative_to(root)
    else:
        with pytest.raises(OutsideWorkspace, match="outside the workspace"):
            box.resolve(path)


def test_a_root_reached_through_a_link_accepts_both_spellings(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "alias")
    box = Sandbox(tmp_path / "alias")
    assert box.root == str(tmp_path / "real")
    assert box.resolve(str(tmp_path / "alias" / "f.txt")) == tmp_path / "real" / "f.txt"
    assert box.resolve(str(tmp_path / "real" / "f.txt")) == tmp_path / "real" / "f.txt"
    with pytest.raises(OutsideWorkspace):
        box.resolve(str(tmp_path / "alias_evil"))
