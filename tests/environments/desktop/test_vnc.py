"""Watching the private display over VNC: a real RFB client sees the real pixels."""

import subprocess
import time

import pytest

from agent import actions as A
from environments.desktop.vnc import VncServer
from tests.environments.desktop.helpers import pointer
from tests.environments.desktop.rfb import RFBClient


@pytest.mark.parametrize("view_only", [True, False])
def test_a_vnc_client_sees_the_display_and_only_drives_it_when_allowed(desktop, apps, view_only):
    apps(["xterm", "-title", "vnc-red", "-bg", "red", "-geometry", "40x10+100+100"])
    window = desktop.wait_for_window("vnc-red")
    desktop.execute(A.Move(5, 5))
    server = VncServer(desktop.display, view_only=view_only)
    client = RFBClient(server.port)
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
