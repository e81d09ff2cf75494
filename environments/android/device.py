"""Finding the phone: the adb server, the device's state, and errors that say what to do.

Everything goes through an adb server (adbutils speaks its smart-socket protocol). When the
server is not running it is started on the configured port with the adb binary that adbutils
finds (PATH or the one its wheel bundles).
"""

from __future__ import annotations

import os
import subprocess
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
        answer = client.connect(settings.connect, timeout=10)
        if "connected" not in answer or "unable" in answer or "failed" in answer:
            raise EnvironmentFailure(
                f"adb connect {settings.connect} failed: {answer.strip()}; is the device "
                "listening there (`adb tcpip 5555` on the phone, or the virtual phone running)?"
            )
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
