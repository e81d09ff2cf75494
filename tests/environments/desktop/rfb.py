"""A minimal RFB (VNC) client for tests: handshake (VNC password authentication), one raw
framebuffer read, pointer events."""

from __future__ import annotations

import socket
import struct

VNC_AUTH = 2


def vnc_response(password: str, challenge: bytes) -> bytes:
    """The challenge encrypted with DES under the password, each key byte's bits reversed, as
    RFB's VNC authentication asks (RFC 6143, 7.2.2)."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    key = bytes(int(f"{byte:08b}"[::-1], 2) for byte in password.encode()[:8].ljust(8, b"\0"))
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # one DES key, thrice
    return encryptor.update(challenge) + encryptor.finalize()


def offered_security(port: int) -> tuple[socket.socket, bytes]:
    """Connect, agree on RFB 3.8, and return the socket and the security types offered."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    version = _read(sock, 12)
    assert version.startswith(b"RFB 003."), version
    sock.sendall(b"RFB 003.008\n")
    (count,) = _read(sock, 1)
    return sock, _read(sock, count)


def authenticate(sock: socket.socket, password: str) -> bool:
    """VNC authentication with `password`: True if the server accepted it."""
    sock.sendall(bytes([VNC_AUTH]))
    sock.sendall(vnc_response(password, _read(sock, 16)))
    (result,) = struct.unpack(">I", _read(sock, 4))
    return result == 0


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the VNC server closed the connection")
        data += chunk
    return data


class RFBClient:
    def __init__(self, port: int, password: str) -> None:
        self.sock, types = offered_security(port)
        assert VNC_AUTH in types, f"no VNC authentication offered: {types!r}"
        assert authenticate(self.sock, password), "the VNC password was refused"
        self.sock.sendall(b"\x01")  # shared
        self.width, self.height = struct.unpack(">HH", self._read(4))
        self.pixel_format = self._read(16)
        (name_length,) = struct.unpack(">I", self._read(4))
        self.name = self._read(name_length).decode()
        # ask for 32-bit little-endian true colour, red at bit 16: bytes are B, G, R, X
        self.sock.sendall(
            b"\x00\x00\x00\x00"
            + struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        )
        self.sock.sendall(struct.pack(">BxHi", 2, 1, 0))  # encodings: raw only

    def _read(self, size: int) -> bytes:
        return _read(self.sock, size)

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        self.sock.sendall(struct.pack(">BBHHHH", 3, 0, x, y, 1, 1))
        while True:
            (kind,) = self._read(1)
            if kind == 0:
                break
            if kind == 2:  # bell
                continue
            raise AssertionError(f"unexpected server message {kind}")
        self._read(1)
        (rectangles,) = struct.unpack(">H", self._read(2))
        pixel = None
        for _ in range(rectangles):
            rx, ry, width, height, encoding = struct.unpack(">HHHHi", self._read(12))
            assert encoding == 0, encoding
            data = self._read(width * height * 4)
            if (rx, ry) == (x, y):
                blue, green, red = data[0], data[1], data[2]
                pixel = (red, green, blue)
        assert pixel is not None
        return pixel

    def point(self, x: int, y: int) -> None:
        self.sock.sendall(struct.pack(">BBHH", 5, 0, x, y))

    def close(self) -> None:
        self.sock.close()
