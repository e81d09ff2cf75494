"""The virtual phone serves only its own user: another local user connecting to its port gets
no handshake (run as `nobody` through setpriv where the machine allows it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from environments.android.virtual_phone import Phone
from environments.android.virtual_phone.adbd import A_CNXN, MAX_PAYLOAD, Message, VirtualPhoneServer

pytestmark = pytest.mark.timeout(60)

# Connect, send adb's CNXN, print the command of the first message back (or "closed").
HANDSHAKE = """
import socket, struct, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
sock.sendall(bytes.fromhex(sys.argv[2]))
try:
    header = sock.recv(24)
except (ConnectionResetError, TimeoutError):
    header = b""
print(hex(struct.unpack("<I", header[:4])[0]) if len(header) >= 4 else "closed")
"""


def _cnxn() -> str:
    return Message(A_CNXN, 0x01000001, MAX_PAYLOAD, b"host::\0").pack().hex()


def _as(user: list[str], port: int) -> str:
    argv = [*user, sys.executable, "-P", "-c", HANDSHAKE, str(port), _cnxn()]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()


def _nobody() -> list[str]:
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another user (setpriv --reuid=nobody)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    check = subprocess.run([*nobody, sys.executable, "-P", "-c", "pass"], capture_output=True)
    if check.returncode != 0:
        pytest.skip(f"cannot run Python as nobody here: {check.stderr.decode().strip()}")
    return nobody


def test_another_local_user_gets_no_handshake_and_we_do():
    nobody = _nobody()
    with VirtualPhoneServer(Phone()) as server:
        assert _as([], server.port) == hex(A_CNXN)
        assert _as(nobody, server.port) == "closed"
        assert _as([], server.port) == hex(A_CNXN)  # still serving its own user


def test_the_peer_check_reads_the_kernel_socket_table():
    from environments.android.virtual_phone.peers import peer_uid

    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        with client, accepted:
            assert peer_uid(accepted) == os.getuid()
