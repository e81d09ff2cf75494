"""Who is connecting: the uid that owns the peer end of a loopback TCP connection.

On Linux, /proc/net/tcp and /proc/net/tcp6 list every socket with its local and remote address
(hex, the address in the kernel's byte order, the port big-endian) and the uid that owns it. The
peer of an accepted loopback connection is the row whose local address is the peer's and whose
remote address is ours. Connections from other hosts are not loopback; they reach the phone only
when it was told to listen on a non-loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct


def _hex_address(host: str, port: int) -> str:
    address = ipaddress.ip_address(host)
    if address.version == 4:
        packed = struct.pack("<I", int.from_bytes(address.packed, "big"))
        return f"{packed.hex().upper()}:{port:04X}"
    words = struct.unpack("<4I", address.packed)
    return "".join(f"{struct.pack('>I', w).hex().upper()}" for w in words) + f":{port:04X}"


def peer_uid(sock: socket.socket) -> int | None:
    """The uid owning the other end of `sock` (a loopback connection), or None if not found."""
    peer_host, peer_port = sock.getpeername()[:2]
    our_host, our_port = sock.getsockname()[:2]
    wanted = (_hex_address(peer_host, peer_port), _hex_address(our_host, our_port))
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows, None)
                for row in rows:
                    fields = row.split()
                    if len(fields) > 7 and (fields[1], fields[2]) == wanted:
                        return int(fields[7])
        except OSError:
            continue
    return None


def peer_allowed(sock: socket.socket) -> bool:
    """Whether to serve this connection: from loopback only a socket of our own uid."""
    try:
        host = sock.getpeername()[0]
    except OSError:
        return False
    address = ipaddress.ip_address(host)
    mapped = getattr(address, "ipv4_mapped", None)
    if not (address.is_loopback or (mapped is not None and mapped.is_loopback)):
        return True
    return peer_uid(sock) == os.getuid()
