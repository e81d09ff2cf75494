"""Start time of a private desktop: from `DesktopEnvironment(...)` to a settled first screenshot,
median of N starts, the XFCE desktop side by side with the bare openbox one, interleaved in one
run. Each start runs in a child process of its own (pyautogui drives one display per process).

    .venv/bin/python bench/desktop_start.py [--runs 5] [--desktops xfce openbox]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from environments.base import ActionResult  # noqa: E402
from environments.desktop import DesktopEnvironment, DesktopSettings  # noqa: E402


def one_start(desktop: str) -> dict[str, float]:
    started = time.monotonic()
    with DesktopEnvironment(DesktopSettings(desktop=desktop)) as env:  # type: ignore[arg-type]
        ready = time.monotonic()
        env.settle(ActionResult())
        env.observe()
        shot = time.monotonic()
    return {"start": ready - started, "first_screenshot": shot - started}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--desktops", nargs="+", default=["xfce", "openbox"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_start(args.child)))
        return 0
    samples: dict[str, list[dict[str, float]]] = {d: [] for d in args.desktops}
    for _ in range(args.runs):
        for desktop in args.desktops:
            child = [sys.executable, "-P", __file__, "--child", desktop]
            done = subprocess.run(child, capture_output=True, text=True, check=True, cwd=ROOT)
            samples[desktop].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'desktop':<10} {'start s':>9} {'to settled screenshot s':>24}  (median of {args.runs})"
    )
    for desktop, runs in samples.items():
        start = statistics.median(r["start"] for r in runs)
        shot = statistics.median(r["first_screenshot"] for r in runs)
        print(f"{desktop:<10} {start:>9.2f} {shot:>24.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
