"""A minimal RFB (VNC) client for tests: handshake, one raw framebuffer read, pointer events."""

from __future__ import annotations

import socket
import struct


class RFBClient:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        version = self._read(12)
        assert version.startswith(b"RFB 003."), version
        self.sock.sendall(b"RFB 003.008\n")
        (count,) = self._read(1)
        types = self._read(count)
        assert 1 in types, f"no 'None' security offered: {types!r}"
        self.sock.sendall(b"\x01")
        (result,) = struct.unpack(">I", self._read(4))
        assert result == 0, "security handshake failed"
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
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the VNC server closed the connection")
            data += chunk
        return data

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
