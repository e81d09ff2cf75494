"""Observe latency and bytes moved per frame on the virtual phone, side by side: raw `screencap`
decoded on the host (ours), `screencap -p` (PNG made on the phone), and adbutils' own
`screenshot()`. Then the cost per agent step (act, settle, observe) at a USB-like bandwidth,
settling on full frames against settling on the UI tree. The phone runs in a process of its own
behind a real adb server.

    .venv/bin/python bench/android_observe.py [--frames 20] [--steps 10] [--bandwidth 25]
        [--serial HOST:PORT --adb-port N]

The bandwidth (MB/s) is what the virtual phone's transport delivers in the per-step part:
25 MB/s by default, an assumed rate for adb over USB 2.0 (whose bus signals 60 MB/s; adb's bulk
transfers reach a fraction of that); it is not measured on hardware here. Pass a lower figure
(e.g. 4) for adb over Wi-Fi. With --serial (and the adb server's --adb-port), a real device is
measured instead, at whatever its link gives.
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

from agent import actions as A  # noqa: E402
from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings  # noqa: E402
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


def step_costs(serial: str, adb_port: int, steps: int, label: str) -> None:
    """Act, settle and observe `steps` times per way of settling, and print the cost per step."""
    actions = [A.OpenApp("Settings"), A.SystemButton("home"), A.OpenApp("Contacts")]
    print(f"per step ({label}): act + settle + observe, {steps} steps each")
    for settle_by in ("frames", "tree"):
        settings = AndroidSettings(
            adb=AdbSettings(serial=serial, port=adb_port), settle_by=settle_by
        )
        with AndroidEnvironment(settings) as env:
            env.observe()
            settle, observe, looks, moved = [], [], 0, 0
            for index in range(steps):
                result = env.execute(actions[index % len(actions)])
                settle.append(result.settle_seconds)
                looks, moved = looks + env.last_settle.looks, moved + env.last_settle.bytes
                started = time.perf_counter()
                env.observe()
                observe.append(time.perf_counter() - started)
            total = [s + o for s, o in zip(settle, observe, strict=True)]
            print(
                f"  settle on {settle_by:<6} settle {statistics.median(settle) * 1000:7.1f} ms   "
                f"observe {statistics.median(observe) * 1000:7.1f} ms   "
                f"both {statistics.median(total) * 1000:7.1f} ms (median)   "
                f"{looks / steps:4.1f} looks and {moved / steps / 1e6:6.2f} MB "
                "settling per step"
            )


def virtual_phone(server: PrivateAdbServer, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    phone = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "android",
            "virtual-phone",
            "--port",
            str(port),
            *options,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    print(server.adb("connect", f"127.0.0.1:{port}").stdout.strip())
    return phone, f"127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--bandwidth", type=float, default=25.0, help="MB/s (default 25: USB 2.0)")
    parser.add_argument("--serial", help="measure this device instead of the virtual phone")
    parser.add_argument("--adb-port", type=int, default=5037)
    args = parser.parse_args()
    if args.serial:
        bench(adbutils.AdbClient("127.0.0.1", args.adb_port).device(args.serial), args.frames)
        step_costs(args.serial, args.adb_port, args.steps, "this device's link")
        return 0
    server = PrivateAdbServer()
    phones = []
    try:
        phone, serial = virtual_phone(server)
        phones.append(phone)
        bench(adbutils.AdbClient("127.0.0.1", server.port).device(serial), args.frames)
        step_costs(serial, server.port, args.steps, "loopback")
        phone, serial = virtual_phone(server, "--bandwidth", str(args.bandwidth))
        phones.append(phone)
        step_costs(serial, server.port, args.steps, f"{args.bandwidth:g} MB/s")
    finally:
        for phone in phones:
            phone.terminate()
            phone.wait()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
