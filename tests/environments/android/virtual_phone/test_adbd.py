"""The wire protocol: the real adb server (and the `adb` command and adbutils through it) talk
to the virtual phone as to a network device."""

from __future__ import annotations

import io
import os
import struct
import subprocess

import adbutils
import pytest

from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings
from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import VirtualPhoneServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def device(adb_server, virtual_phone) -> adbutils.AdbDevice:
    return adbutils.AdbClient("127.0.0.1", adb_server.port).device(virtual_phone.address)


def test_the_adb_server_lists_it_as_a_device_with_its_banner(adb_server, virtual_phone):
    listing = adb_server.adb("devices", "-l").stdout
    line = next(line for line in listing.splitlines() if line.startswith(virtual_phone.address))
    assert line.split()[1:4] == ["device", "product:qwen_vphone", "model:Virtual_Phone"]
    features = adb_server.adb("-s", virtual_phone.address, "features").stdout.split()
    assert "shell_v2" in features


def test_shell_streams_exit_codes_and_stderr(adb_server, virtual_phone, device):
    assert device.shell("echo hello world") == "hello world"
    v2 = device.shell2("no-such-tool --x", v2=True)
    assert (v2.returncode, v2.stdout, v2.stderr) == (
        127, "", "/system/bin/sh: no-such-tool: not found\n"
    )  # fmt: skip
    v1 = device.shell2("no-such-tool")  # shell: without v2 merges stderr, as adbd does
    assert v1.returncode == 127 and "not found" in v1.output
    cli = adb_server.adb("-s", virtual_phone.address, "shell", "getprop ro.product.model")
    assert (cli.returncode, cli.stdout) == (0, "Virtual Phone\n")
    failed = adb_server.adb("-s", virtual_phone.address, "shell", "no-such-tool")
    assert failed.returncode == 127 and "not found" in failed.stderr


def test_exec_out_moves_a_whole_raw_frame(adb_server, virtual_phone):
    argv = ["adb", "-P", str(adb_server.port), "-s", virtual_phone.address, "exec-out", "screencap"]
    frame = subprocess.run(argv, capture_output=True, timeout=30, check=True).stdout
    assert len(frame) == 16 + 1080 * 2400 * 4
    assert struct.unpack_from("<4I", frame) == (1080, 2400, 1, 0)


def test_push_and_pull_through_sync(tmp_path, adb_server, virtual_phone, device):
    payload = os.urandom(300_000)  # several 64 KiB DATA chunks each way
    device.sync.push(io.BytesIO(payload), "/sdcard/Download/blob.bin")
    assert device.sync.read_bytes("/sdcard/Download/blob.bin") == payload
    assert device.sync.stat("/sdcard/Download/blob.bin").size == len(payload)
    assert "blob.bin" in [entry.path for entry in device.sync.list("/sdcard/Download")]
    source = tmp_path / "note.txt"
    source.write_text("Grüße\n")
    pushed = adb_server.adb("-s", virtual_phone.address, "push", str(source), "/sdcard/note.txt")
    assert pushed.returncode == 0, pushed.stderr
    back = tmp_path / "back.txt"
    pulled = adb_server.adb("-s", virtual_phone.address, "pull", "/sdcard/note.txt", str(back))
    assert pulled.returncode == 0 and back.read_text() == "Grüße\n"
    missing = adb_server.adb("-s", virtual_phone.address, "pull", "/sdcard/nope", str(tmp_path))
    assert missing.returncode != 0 and "does not exist" in missing.stdout + missing.stderr
    refused = adb_server.adb("-s", virtual_phone.address, "push", str(source), "/system/x")
    assert refused.returncode != 0


def test_a_service_the_phone_lacks_is_refused(adb_server, virtual_phone):
    done = adb_server.adb("-s", virtual_phone.address, "reverse", "--list")
    assert done.returncode != 0


def test_a_phone_that_comes_back_is_reconnected(adb_server):
    phone = Phone()
    server = VirtualPhoneServer(phone).start()
    port = server.port
    assert "connected" in adb_server.adb("connect", server.address).stdout
    settings = AndroidSettings(
        adb=AdbSettings(serial=server.address, port=adb_server.port), reconnect_wait=0.3
    )
    env = AndroidEnvironment(settings)
    env.observe()
    server.close()
    with VirtualPhoneServer(phone, port=port) as back:
        assert env.observe().size == (1080, 2400)
        assert env.shell("echo still here").strip() == "still here"
        adb_server.adb("disconnect", back.address)
