"""Watching the private display over VNC: a real RFB client sees the real pixels, with the
password; another local user (real, where the machine can switch to one) gets nothing."""

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent import actions as A
from environments.desktop.vnc import VncServer
from tests.environments.desktop.helpers import pointer
from tests.environments.desktop.rfb import RFBClient, authenticate, offered_security


@pytest.mark.parametrize("view_only", [True, False])
def test_a_vnc_client_sees_the_display_and_only_drives_it_when_allowed(desktop, apps, view_only):
    apps(["xterm", "-title", "vnc-red", "-bg", "red", "-geometry", "40x10+100+100"])
    window = desktop.wait_for_window("vnc-red")
    desktop.execute(A.Move(5, 5))
    server = VncServer(desktop.display, view_only=view_only)
    client = RFBClient(server.port, server.password)
    try:
        assert (client.width, client.height) == (1280, 800)
        assert client.pixel(*window.center) == (255, 0, 0)
        assert client.pixel(*window.center) == desktop.screenshot().getpixel(window.center)
        client.point(700, 500)
        time.sleep(0.5)
        assert pointer(desktop) == ((5, 5) if view_only else (700, 500))
    finally:
        client.close()
        desktop.display.stop(server.process)  # x11vnc sometimes ignores SIGTERM for seconds


def test_the_server_listens_on_loopback_only(desktop):
    server = VncServer(desktop.display)
    try:
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
        lines = [line for line in listening.splitlines() if f":{server.port} " in line]
        assert lines and all("127.0.0.1" in line or "[::1]" in line for line in lines)
    finally:
        desktop.display.stop(server.process)


def test_only_password_authentication_is_offered_and_a_wrong_one_is_refused(desktop):
    server = VncServer(desktop.display)
    try:
        sock, types = offered_security(server.port)
        assert list(types) == [2]  # VNC authentication; no "None"
        assert not authenticate(sock, "guessed1")
        sock.close()
        sock, _ = offered_security(server.port)
        assert authenticate(sock, server.password)
        sock.close()
        assert server.password not in " ".join(server.process.args)  # not on the command line
    finally:
        desktop.display.stop(server.process)


def test_a_password_file_is_private_and_the_temporary_one_is_gone(desktop, tmp_path):
    kept = tmp_path / "vnc-password"
    server = VncServer(desktop.display, password_file=kept)
    try:
        assert kept.read_text() == server.password + "\n"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert RFBClient(server.port, server.password).width == 1280
    finally:
        desktop.display.stop(server.process)
    server = VncServer(desktop.display)
    try:
        secret = next(a for a in server.process.args if str(a).startswith("rm:"))
        assert not Path(secret[3:]).exists() and not Path(secret[3:]).parent.exists()
    finally:
        desktop.display.stop(server.process)


PROBE = """
import socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
sock.recv(12)
sock.sendall(b"RFB 003.008\\n")
count = sock.recv(1)[0]
types = list(sock.recv(count))
sock.sendall(bytes([types[0]]))
if types[0] == 2:
    sock.recv(16)
    sock.sendall(bytes(16))
result = int.from_bytes(sock.recv(4), "big")
print(types, result)
"""


def test_another_local_user_cannot_watch(desktop):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("switching to another local user needs root and setpriv")
    server = VncServer(desktop.display, view_only=False)
    try:
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        probe = subprocess.run(
            [*as_nobody, sys.executable, "-P", "-c", PROBE, str(server.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        desktop.display.stop(server.process)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split("]")[0] == "[2" and probe.stdout.split()[-1] == "1"
