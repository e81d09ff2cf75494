"""MCP overhead: a read-only call through our hub to our stdio filesystem server and to the
reference npm server, side by side; csv_profile on a 100 MB CSV, its time and peak memory.

    .venv/bin/python bench/mcp_overhead.py [--calls 200] [--csv-mb 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.hub import Approval, ToolHub  # noqa: E402
from tools.mcp_config import ServerSpec  # noqa: E402

REFERENCE = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "mcp-server-filesystem"


def latency(spec: ServerSpec, path: str, calls: int) -> list[float]:
    hub = ToolHub([spec], Approval("auto"))
    try:
        name = f"{spec.name}__read_text_file"
        hub.call(name, {"path": path})
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            outcome = hub.call(name, {"path": path})
            times.append(time.perf_counter() - started)
            assert outcome.error is None, outcome.error
        return times
    finally:
        hub.close()


def csv_profile(megabytes: int, folder: Path) -> tuple[float, float]:
    path = folder / "big.csv"
    row = "2026-01-01,12345,678.9,some text here,true\n"
    chunk = row * (1024 * 1024 // len(row))
    with path.open("w") as handle:  # in 1 MB pieces: a child's peak RSS counts its parent's
        handle.write("day,id,amount,note,flag\n")
        for _ in range(megabytes):
            handle.write(chunk)
    code = (
        "import sys, time, resource; from pathlib import Path; "
        "from tools.csv_profile import profile; t = time.perf_counter(); "
        f"p = profile(Path({str(path)!r})); print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, p['rows'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    return float(out[0]), int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--csv-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a.txt").write_text("hello\n" * 100)
        serve = ("-m", "agent.cli", "mcp", "serve", "filesystem", "--root", tmp)
        ours = ServerSpec("ours", "stdio", command=sys.executable, args=serve)
        rows = [("our filesystem server", latency(ours, "a.txt", args.calls))]
        if REFERENCE.exists():
            reference = ServerSpec("ref", "stdio", command=str(REFERENCE), args=(tmp,))
            rows.append(
                ("reference npm server", latency(reference, str(folder / "a.txt"), args.calls))
            )
        print(f"read_text_file round trip through the hub, {args.calls} calls (ms)")
        for name, times in rows:
            ms = sorted(t * 1000 for t in times)
            p95 = ms[int(len(ms) * 0.95)]
            print(f"  {name:<22} median {statistics.median(ms):6.2f}   p95 {p95:6.2f}")
        if len(rows) == 2:
            ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
            print(f"  ours / reference: {ratio:.2f}x")
        seconds, peak = csv_profile(args.csv_mb, folder)
        print(f"csv_profile on a {args.csv_mb} MB CSV: {seconds:.1f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
