"""Observe latency and bytes moved per frame on the virtual phone, side by side: raw `screencap`
decoded on the host (ours), `screencap -p` (PNG made on the phone), and adbutils' own
`screenshot()`. The phone runs in a process of its own behind a real adb server.

    .venv/bin/python bench/android_observe.py [--frames 20] [--serial HOST:PORT --adb-port N]

With --serial (and the adb server's --adb-port), a real device is measured instead.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import adbutils  # noqa: E402

from environments.android.device import PrivateAdbServer  # noqa: E402
from environments.android.screen import ScreenCapture  # noqa: E402
from tests.servers import free_port, wait_for_port  # noqa: E402


def measure(capture: Callable[[], object], frames: int) -> list[float]:
    capture()
    times = []
    for _ in range(frames):
        started = time.perf_counter()
        capture()
        times.append(time.perf_counter() - started)
    return times


def report(name: str, times: list[float], moved: int) -> None:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(
        f"{name:<34} median {statistics.median(times) * 1000:7.1f} ms   "
        f"p90 {p90 * 1000:7.1f} ms   {moved / 1e6:6.2f} MB/frame"
    )


def bench(device: adbutils.AdbDevice, frames: int) -> None:
    raw, png = ScreenCapture(device, prefer_raw=True), ScreenCapture(device, prefer_raw=False)
    size = raw.capture().size
    print(f"device {device.serial}, screen {size[0]}x{size[1]}, {frames} frames each")
    ways = (
        ("raw screencap, decoded on the host", raw.capture, lambda: raw.last_bytes),
        ("screencap -p (PNG on the phone)", png.capture, lambda: png.last_bytes),
        ("adbutils screenshot() (PNG)", device.screenshot, lambda: png.last_bytes),
    )
    medians = []
    for name, capture, moved in ways:
        times = measure(capture, frames)
        medians.append(statistics.median(times))
        report(name, times, moved())
    print(f"screencap -p / raw: {medians[1] / medians[0]:.2f}x slower")
    print(f"adbutils screenshot() / raw: {medians[2] / medians[0]:.2f}x slower")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--serial", help="measure this device instead of the virtual phone")
    parser.add_argument("--adb-port", type=int, default=5037)
    args = parser.parse_args()
    if args.serial:
        bench(adbutils.AdbClient("127.0.0.1", args.adb_port).device(args.serial), args.frames)
        return 0
    server, port = PrivateAdbServer(), free_port()
    phone = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "android", "virtual-phone", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        print(server.adb("connect", f"127.0.0.1:{port}").stdout.strip())
        bench(adbutils.AdbClient("127.0.0.1", server.port).device(f"127.0.0.1:{port}"), args.frames)
    finally:
        phone.terminate()
        phone.wait()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
