"""Finding the phone: the adb server, the device's state, and errors that say what to do.

Everything goes through an adb server (adbutils speaks its smart-socket protocol). When the
server is not running it is started on the configured port with the adb binary that adbutils
finds (PATH or the one its wheel bundles).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass

import adbutils
from adbutils import AdbClient, AdbDevice

from agent.errors import EnvironmentFailure

DEFAULT_ADB_PORT = 5037
_STATE_HELP = {
    "unauthorized": "accept the 'Allow USB debugging?' prompt on the phone (or run "
    "`adb kill-server` and reconnect if no prompt shows)",
    "offline": "the device is not answering: reconnect it (`adb reconnect`, replug the cable, "
    "or `adb disconnect HOST:PORT && adb connect HOST:PORT`) or restart the emulator",
    "authorizing": "wait a moment: adb is still authorizing the device",
    "connecting": "wait a moment: adb is still connecting to the device",
    "no permissions": "the adb server may not open the USB device: fix the udev rules or run "
    "`adb kill-server` and start it as a user with access",
}


@dataclass(frozen=True)
class AdbSettings:
    """Which adb server and which device. `connect` is a HOST:PORT to `adb connect` first."""

    serial: str | None = None
    host: str = "127.0.0.1"
    port: int = int(os.environ.get("ANDROID_ADB_SERVER_PORT", DEFAULT_ADB_PORT))
    connect: str | None = None


def adb_client(settings: AdbSettings) -> AdbClient:
    """A client of a running adb server, starting the server on its port when none answers."""
    client = AdbClient(settings.host, settings.port)
    try:
        client.server_version()
        return client
    except adbutils.AdbError:
        pass
    if settings.host not in ("127.0.0.1", "localhost"):
        raise EnvironmentFailure(
            f"no adb server at {settings.host}:{settings.port}: start one there with "
            f"`adb -a -P {settings.port} server nodaemon` or point --adb-host at a running one"
        )
    try:
        subprocess.run(
            [adbutils.adb_path(), "-P", str(settings.port), "start-server"],
            capture_output=True,
            timeout=30,
            check=True,
        )
        client.server_version()
    except (OSError, subprocess.SubprocessError, adbutils.AdbError) as exc:
        raise EnvironmentFailure(
            f"cannot start an adb server on port {settings.port}: {exc}; install adb "
            "(`apt install adb` or Android platform-tools) or start it yourself with "
            f"`adb -P {settings.port} start-server`"
        ) from exc
    return client


def open_device(settings: AdbSettings) -> tuple[AdbClient, AdbDevice]:
    """The device to drive, in state `device`, or EnvironmentFailure naming the fix."""
    client = adb_client(settings)
    if settings.connect:
        _connect(client, settings.connect)
    devices = {info.serial: info.state for info in client.list()}
    serial = settings.serial or (settings.connect if settings.connect else None)
    if serial is None:
        if not devices:
            raise EnvironmentFailure(
                "no Android device: `adb devices` lists none. Start an emulator, plug in a "
                "phone with USB debugging on, or attach one with `adb connect HOST:PORT` "
                "(`agent android virtual-phone --connect` starts a virtual one)"
            )
        ready = [s for s, state in devices.items() if state == "device"]
        if len(devices) > 1 and len(ready) != 1:
            raise EnvironmentFailure(
                f"several Android devices ({', '.join(sorted(devices))}): choose one with "
                "--device SERIAL"
            )
        serial = ready[0] if ready else next(iter(devices))
    state = devices.get(serial)
    if state is None:
        listed = ", ".join(f"{s} ({st})" for s, st in sorted(devices.items())) or "none"
        raise EnvironmentFailure(
            f"no Android device {serial!r} (adb devices: {listed}): check the serial, or "
            f"attach it with `adb connect {serial}` if it is a network device"
        )
    if state != "device":
        help_text = _STATE_HELP.get(state, "check `adb devices` and reconnect it")
        raise EnvironmentFailure(f"Android device {serial} is {state}: {help_text}")
    return client, client.device(serial)


def _connect(client: AdbClient, address: str) -> None:
    """`adb connect`; a refused connection is an error, a device that answers badly shows up
    in `adb devices` with its state, which is reported instead."""
    try:
        answer = client.connect(address, timeout=5)
    except adbutils.AdbTimeout:
        return
    if "unable" in answer or ("connected" not in answer and "authenticate" not in answer):
        raise EnvironmentFailure(
            f"adb connect {address} failed: {answer.strip()}; is the device listening there "
            "(`adb tcpip 5555` on the phone, or `agent android virtual-phone` running)?"
        )


class PrivateAdbServer:
    """An adb server of our own on a free port, so that task suites and benchmarks never touch
    the user's server (5037) and parallel workers share nothing. Stopped by `close`."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        self._process = subprocess.Popen(
            [adbutils.adb_path(), "-P", str(self.port), "server", "nodaemon"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.close()
                    raise EnvironmentFailure(
                        f"the adb server did not start on port {self.port}: is adb installed "
                        "(`apt install adb`)?"
                    ) from None
                time.sleep(0.05)

    def adb(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """The `adb` command against this server."""
        return subprocess.run(
            [adbutils.adb_path(), "-P", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> PrivateAdbServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
