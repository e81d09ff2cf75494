"""The adbd side of ADB's transport protocol, so that the real adb server can attach the phone.

`adb connect 127.0.0.1:PORT` makes the adb server open a TCP connection here and speak the
protocol a device's adbd speaks: 24-byte message headers (command, arg0, arg1, length,
checksum, magic), a CNXN handshake, then streams that each carry one service (`shell:`,
`shell,v2:`, `exec:`, `sync:`). Everything above it (the adb server, adbutils, the `adb` command)
is real; only the phone behind these streams is simulated.

Flow control is the classic one: every WRTE waits for the peer's OKAY before the next is sent,
and every WRTE received is acknowledged with OKAY. With `quirks.bandwidth` the phone sends no
faster than that many bytes per second, as a USB or Wi-Fi link would.

Only the user running the phone may attach it: a connection from loopback is served only when
the kernel's socket table (/proc/net/tcp, tcp6) says the peer socket belongs to the same uid, so
another local user cannot drive the phone through its port.

No AUTH is asked for, unless the phone plays a device whose user never accepts the debugging
prompt (`state="unauthorized"`); with `state="offline"` it never answers the handshake, like a
hung adbd.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from environments.android.virtual_phone.peers import peer_allowed
from environments.android.virtual_phone.phone import Phone
from environments.android.virtual_phone.sync import serve_sync

A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_WRTE = 0x45545257
A_CLSE = 0x45534C43
A_AUTH = 0x48545541
AUTH_TOKEN = 1
A_VERSION = 0x01000001
MAX_PAYLOAD = 1024 * 1024
FEATURES = ("shell_v2", "cmd", "fixed_push_mkdir")
_HEADER = struct.Struct("<6I")
_ACK_TIMEOUT = 30.0


@dataclass(frozen=True)
class Message:
    command: int
    arg0: int
    arg1: int
    data: bytes = b""

    def pack(self) -> bytes:
        # Since protocol version 0x01000001 the checksum is not checked; summing a megabyte of
        # screencap in Python would cost more than moving it, so only the handshake has one.
        checksum = sum(self.data) & 0xFFFFFFFF if self.command == A_CNXN else 0
        header = _HEADER.pack(
            self.command,
            self.arg0,
            self.arg1,
            len(self.data),
            checksum,
            self.command ^ 0xFFFFFFFF,
        )
        return header + self.data


class StreamClosed(Exception):
    """The host closed the stream (or the connection) while the service was using it."""


def _read_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("the adb server closed the connection")
        chunks += chunk
    return bytes(chunks)


def read_message(sock: socket.socket) -> Message:
    command, arg0, arg1, length, _checksum, magic = _HEADER.unpack(_read_exact(sock, 24))
    if magic != command ^ 0xFFFFFFFF:
        raise ConnectionError(f"bad message header magic for command {command:#x}")
    return Message(command, arg0, arg1, _read_exact(sock, length) if length else b"")


class Stream:
    """One service stream: a byte pipe to the host with ADB's one-write-in-flight rule."""

    def __init__(self, connection: Connection, local_id: int, remote_id: int) -> None:
        self._connection = connection
        self.local_id = local_id
        self.remote_id = remote_id
        self._incoming: queue.Queue[bytes | None] = queue.Queue()
        self._buffer = bytearray()
        self._acked = threading.Semaphore(0)
        self.closed = threading.Event()

    def write(self, data: bytes) -> None:
        """Send `data`, each chunk acknowledged by the host before the next is sent."""
        limit = self._connection.max_payload
        bandwidth = self._connection.bandwidth
        for start in range(0, len(data), limit):
            if self.closed.is_set():
                raise StreamClosed
            chunk = data[start : start + limit]
            if bandwidth:
                time.sleep(len(chunk) / bandwidth)
            self._connection.send(Message(A_WRTE, self.local_id, self.remote_id, chunk))
            while not self._acked.acquire(timeout=0.5):
                if self.closed.is_set():
                    raise StreamClosed

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes written by the host, or StreamClosed."""
        while len(self._buffer) < size:
            chunk = self._incoming.get()
            if chunk is None:
                self._incoming.put(None)
                raise StreamClosed
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self._connection.send(Message(A_CLSE, self.local_id, self.remote_id))
            self._connection.forget(self)

    def _received(self, data: bytes) -> None:
        self._incoming.put(data)

    def _ack(self) -> None:
        self._acked.release()

    def _host_closed(self) -> None:
        self.closed.set()
        self._incoming.put(None)


Service = Callable[[Stream], None]


DeviceState = Literal["device", "unauthorized", "offline"]


class Connection:
    """One adb server's connection to the phone: the handshake, then streams until it hangs up."""

    def __init__(self, sock: socket.socket, phone: Phone, state: DeviceState = "device") -> None:
        self._sock = sock
        self._phone = phone
        self._state = state
        self._send_lock = threading.Lock()
        self._streams: dict[int, Stream] = {}
        self._ids = itertools.count(1)
        self.max_payload = MAX_PAYLOAD
        self.bandwidth = phone.quirks.bandwidth

    def send(self, message: Message) -> None:
        with self._send_lock, contextlib.suppress(OSError):
            self._sock.sendall(message.pack())

    def forget(self, stream: Stream) -> None:
        self._streams.pop(stream.local_id, None)

    def serve(self) -> None:
        try:
            while True:
                self._dispatch(read_message(self._sock))
        except (ConnectionError, OSError):
            pass
        finally:
            for stream in list(self._streams.values()):
                stream._host_closed()
            with contextlib.suppress(OSError):
                self._sock.close()

    def _dispatch(self, message: Message) -> None:
        if self._state == "offline":
            return
        if self._state == "unauthorized":
            if message.command in (A_CNXN, A_AUTH) and message.arg0 != 3:  # 3: a public key
                self.send(Message(A_AUTH, AUTH_TOKEN, 0, os.urandom(20)))
            return
        if message.command == A_CNXN:
            self.max_payload = min(MAX_PAYLOAD, message.arg1 or MAX_PAYLOAD)
            banner = f"{self._phone.serial_banner}features={','.join(FEATURES)}"
            self.send(Message(A_CNXN, A_VERSION, MAX_PAYLOAD, banner.encode()))
        elif message.command == A_OPEN:
            self._open(message.arg0, message.data.rstrip(b"\0").decode("utf-8", "replace"))
        elif message.command == A_WRTE:
            stream = self._streams.get(message.arg1)
            if stream is None:
                self.send(Message(A_CLSE, 0, message.arg0))
                return
            stream._received(message.data)
            self.send(Message(A_OKAY, stream.local_id, stream.remote_id))
        elif message.command == A_OKAY:
            stream = self._streams.get(message.arg1)
            if stream is not None:
                stream._ack()
        elif message.command == A_CLSE:
            stream = self._streams.pop(message.arg1, None)
            if stream is not None:
                stream._host_closed()

    def _open(self, remote_id: int, destination: str) -> None:
        service = self._service(destination)
        if service is None:
            self.send(Message(A_CLSE, 0, remote_id))
            return
        stream = Stream(self, next(self._ids), remote_id)
        self._streams[stream.local_id] = stream
        self.send(Message(A_OKAY, stream.local_id, remote_id))
        threading.Thread(target=self._run, args=(service, stream), daemon=True).start()

    def _run(self, service: Service, stream: Stream) -> None:
        with contextlib.suppress(StreamClosed):
            service(stream)
        stream.close()

    def _service(self, destination: str) -> Service | None:
        name, _, rest = destination.partition(":")
        kind, *options = name.split(",")
        if kind == "shell":
            return lambda stream: self._shell(stream, rest, v2="v2" in options)
        if kind == "exec":
            return lambda stream: self._shell(stream, rest, v2=False, merge=False)
        if kind == "sync":
            return lambda stream: serve_sync(stream, self._phone)
        return None

    def _shell(self, stream: Stream, command: str, v2: bool, merge: bool = True) -> None:
        result = self._phone.shell(command)
        if not v2:
            stream.write(result.merged if merge else result.stdout)
            return
        packets = b""
        for packet_id, data in ((1, result.stdout), (2, result.stderr)):
            if data:
                packets += struct.pack("<BI", packet_id, len(data)) + data
        stream.write(packets)
        stream.write(struct.pack("<BIB", 3, 1, result.exit_code & 0xFF))


class VirtualPhoneServer:
    """Listens for adb servers on a TCP port; every connection serves the same phone."""

    def __init__(
        self, phone: Phone, host: str = "127.0.0.1", port: int = 0, state: DeviceState = "device"
    ) -> None:
        self.phone = phone
        self.state = state
        self._listener = socket.create_server((host, port))
        self.host, self.port = self._listener.getsockname()[:2]
        self._connections: list[socket.socket] = []
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> VirtualPhoneServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if not peer_allowed(sock):
                with contextlib.suppress(OSError):
                    sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connections.append(sock)
            connection = Connection(sock, self.phone, self.state)
            threading.Thread(target=connection.serve, daemon=True).start()

    def close(self) -> None:
        """Stop listening and drop every connection, as a phone that is unplugged would."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        for sock in self._connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._connections.clear()

    def __enter__(self) -> VirtualPhoneServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
