"""The filesystem server against a second process that swaps a workspace folder for a symbolic
link to an outside folder, over and over, while the server works: nothing outside changes, no
outside content comes back, whatever the timing.

Layout: base/ws/sub/ (a real folder, holding secret.txt = "inside") and base/outside/ (holding
secret.txt = the secret and only-outside.txt). The swapper renames ws/sub aside, puts a link to
base/outside in its place, and puts the folder back, in a tight loop, for a bounded time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.fs_server import Session, stdio_server

SECRET = "the outside secret"
SECONDS = 6.0  # how long the calls go on under the swapping

SWAPPER = """
import os, sys, time
ws, outside, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sub, aside = os.path.join(ws, "sub"), os.path.join(ws, ".sub-aside")
made = 0


def put(make):
    # make sub; a sub the server made in the gap is kept, renamed
    global made
    while True:
        try:
            return make()
        except OSError:
            made += 1
            os.rename(sub, os.path.join(ws, f".made-in-the-gap-{made}"))


end = time.monotonic() + seconds
while time.monotonic() < end:
    os.rename(sub, aside)
    put(lambda: os.symlink(outside, sub))
    os.unlink(sub)
    put(lambda: os.rename(aside, sub))
"""


def _outside(base: Path) -> dict[str, str]:
    seen = {}
    for folder, dirs, files in os.walk(base / "outside"):
        for name in dirs:
            seen[os.path.join(folder, name)] = "<dir>"
        for name in files:
            seen[os.path.join(folder, name)] = Path(folder, name).read_text()
    return seen


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "ws" / "sub").mkdir(parents=True)
    (tmp_path / "ws" / "sub" / "secret.txt").write_text("inside")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(SECRET)
    (tmp_path / "outside" / "only-outside.txt").write_text(SECRET)
    return tmp_path


@pytest.fixture
def server(base: Path) -> Iterator[Session]:
    with stdio_server(base / "ws") as session:
        yield session


def _calls(i: int) -> list[tuple[str, dict[str, object]]]:
    return [
        ("write_file", {"path": f"sub/w{i}.txt", "content": "written"}),
        ("create_directory", {"path": f"sub/d{i}/deeper"}),
        ("move_file", {"source": f"m{i}.txt", "destination": f"sub/m{i}.txt"}),
        ("read_text_file", {"path": "sub/secret.txt"}),
        ("list_directory", {"path": "sub"}),
        ("search_files", {"path": "sub", "content": "secret"}),
        ("directory_tree", {"path": "sub"}),
        ("get_file_info", {"path": "sub/secret.txt"}),
        ("edit_file", {"path": "sub/secret.txt", "edits": [{"old_text": "x", "new_text": "y"}]}),
    ]


def test_a_folder_swapped_for_a_link_during_the_calls_never_leads_outside(server, base):
    before = _outside(base)
    ws = base / "ws"
    for i in range(2000):
        (ws / f"m{i}.txt").write_text("mine")
    swapper = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(ws), str(base / "outside"), str(SECONDS)]
    )
    replies, i = [], 0
    try:
        end = time.monotonic() + SECONDS
        while time.monotonic() < end and i < 2000:
            for tool, arguments in _calls(i):
                result = server.call(tool, **arguments)
                body = "".join(getattr(part, "text", "") for part in result.content)
                replies.append((tool, body + str(result.structured_content or "")))
            i += 1
    finally:
        swapper.wait(timeout=SECONDS + 10)
    assert swapper.returncode == 0
    assert i > 20, f"only {i} rounds of calls ran"
    leaked = [(tool, body[:200]) for tool, body in replies if SECRET in body or "only-out" in body]
    assert not leaked, leaked
    assert _outside(base) == before
    assert (ws / "sub" / "secret.txt").read_text() == "inside"
    names = [path.name for path in ws.rglob("m*.txt")]
    assert len(names) == len(set(names)) == 2000  # every file still in the workspace
