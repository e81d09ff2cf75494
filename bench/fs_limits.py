"""The filesystem server's per-call limits, measured: how long search_files and csv_profile take
on a 1.5 GB file (text, then holes) with the default caps (256 MiB, 20 s), and how long the
calls that used to stall take (a 1,100-part path, a 64k-digit CSV cell, the regex `(a+)+$`).

    .venv/bin/python bench/fs_limits.py [--gb 1.5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.hub import Approval, ToolHub  # noqa: E402
from tools.mcp_config import ServerSpec  # noqa: E402


def timed(hub: ToolHub, tool: str, arguments: dict[str, object]) -> tuple[float, str]:
    started = time.perf_counter()
    outcome = hub.call(f"files__{tool}", arguments)
    text = (outcome.error or outcome.text).replace("\n", " ")
    return time.perf_counter() - started, text[-90:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=1.5)
    args = parser.parse_args()
    size = int(args.gb * (1 << 30))
    with tempfile.TemporaryDirectory() as folder:
        ws = Path(folder)
        with (ws / "huge.log").open("wb") as handle:
            handle.write(b"needle\n" + (b"x" * 99 + b"\n") * 100)
            handle.truncate(size)
        with (ws / "huge.csv").open("wb") as handle:
            handle.write(b"id,day,amount\n" + b"7,2026-01-01,2.5\n" * 20_000_000)
            handle.truncate(max(size, handle.tell()))
        (ws / "digits.csv").write_text("id,value\n1," + "9" * 65536 + "x\n")
        (ws / "a.txt").write_text("a" * 30000 + "!\n")
        argv = ("-m", "tools.filesystem", "--root", str(ws))
        spec = ServerSpec("files", "stdio", command=sys.executable, args=argv, cwd=str(ROOT))
        hub = ToolHub([spec], Approval("auto"), call_timeout=120)
        try:
            cases = [
                ("search_files", {"content": "needle"}),
                ("search_files", {"content": "nothing", "regex": True}),
                ("csv_profile", {"path": "huge.csv"}),
                ("csv_profile", {"path": "digits.csv"}),
                ("search_files", {"pattern": "a.txt", "content": "(a+)+$", "regex": True}),
                ("create_directory", {"path": "/".join(["a"] * 1100)}),
            ]
            for tool, arguments in cases:
                seconds, tail = timed(hub, tool, arguments)
                print(f"{tool:17} {str(arguments)[:60]:62} {seconds:7.2f} s  ...{tail}")
        finally:
            hub.close()


if __name__ == "__main__":
    main()
