"""The device side of ADB's `sync:` service: stat, list, pull (RECV) and push (SEND).

Requests are a 4-byte id and a little-endian length, then that many bytes (a path). File data
moves in DATA chunks of at most 64 KiB closed by DONE, as adbd does; the phone's virtual file
system answers. Version-1 requests only (the phone does not advertise stat_v2 / ls_v2).
"""

from __future__ import annotations

import struct
from typing import Protocol

from environments.android.virtual_phone.phone import Phone

SYNC_DATA_MAX = 64 * 1024


class ByteStream(Protocol):
    def read(self, size: int) -> bytes: ...
    def write(self, data: bytes) -> None: ...


def _fail(stream: ByteStream, message: str) -> None:
    data = message.encode()
    stream.write(b"FAIL" + struct.pack("<I", len(data)) + data)


def _stat(stream: ByteStream, phone: Phone, path: str) -> None:
    mode, size, mtime = phone.stat(path) or (0, 0, 0)
    stream.write(b"STAT" + struct.pack("<3I", mode, size, mtime))


def _list(stream: ByteStream, phone: Phone, path: str) -> None:
    out = bytearray()
    for name, mode, size, mtime in phone.listdir(path) or []:
        encoded = name.encode()
        out += b"DENT" + struct.pack("<4I", mode, size, mtime, len(encoded)) + encoded
    out += b"DONE" + bytes(16)
    stream.write(bytes(out))


def _recv(stream: ByteStream, phone: Phone, path: str) -> None:
    data = phone.read_file(path)
    if data is None:
        _fail(stream, f"remote object '{path}' does not exist")
        return
    out = bytearray()
    for start in range(0, len(data), SYNC_DATA_MAX):
        chunk = data[start : start + SYNC_DATA_MAX]
        out += b"DATA" + struct.pack("<I", len(chunk)) + chunk
    out += b"DONE" + bytes(4)
    stream.write(bytes(out))


def _send(stream: ByteStream, phone: Phone, spec: str) -> None:
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, "33188"
    data = bytearray()
    while True:
        kind, length = struct.unpack("<4sI", stream.read(8))
        if kind == b"DATA":
            data += stream.read(length)
        elif kind == b"DONE":
            break
        else:
            _fail(stream, f"unexpected {kind!r} while receiving {path}")
            return
    try:
        phone.write_file(path, bytes(data), int(mode_text or "33188") & 0o7777)
    except OSError as exc:
        _fail(stream, f"couldn't create file: {exc.strerror or exc}")
        return
    stream.write(b"OKAY" + bytes(4))


_REQUESTS = {b"STAT": _stat, b"LIST": _list, b"RECV": _recv, b"SEND": _send}


def serve_sync(stream: ByteStream, phone: Phone) -> None:
    """Answer sync requests until the host sends QUIT or closes the stream."""
    while True:
        kind, length = struct.unpack("<4sI", stream.read(8))
        if kind == b"QUIT":
            return
        path = stream.read(length).decode("utf-8", "replace")
        handler = _REQUESTS.get(kind)
        if handler is None:
            _fail(stream, f"unknown sync request {kind!r}")
            return
        handler(stream, phone, path)
