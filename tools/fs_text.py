"""Reading text files a page at a time: head, tail, byte pages and line search, each bounded.

No reply holds more than `PAGE` bytes of a file, whatever its size, so a 1 GB file costs one
page of memory. Pages end on whole UTF-8 characters, and a reply that stops early says the
offset to read on from. A file with NUL bytes in the part read is taken to be binary and refused.
The caller opens the file (through the sandbox) and passes the handle and the name to show.
A search spends a `Budget` of bytes and seconds, so no file and no pattern can hold a call.
"""

from __future__ import annotations

import codecs
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

PAGE = 64 * 1024  # bytes of a file in one reply, at most
_SNIFF = 8 * 1024  # bytes looked at to tell text from binary when searching
_LINE_SHOWN = 200  # characters of a matching line shown


class NotText(ValueError):
    """The file is binary (or not a regular file); the message says which."""


@dataclass
class Budget:
    """How much one call may read, and for how long."""

    bytes: int
    seconds: float
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def spend(self, count: int) -> None:
        self.bytes -= count

    @property
    def spent(self) -> bool:
        return self.bytes <= 0 or time.monotonic() > self.deadline


def read_page(handle: BinaryIO, name: str, offset: int = 0, limit: int = PAGE) -> str:
    """`limit` bytes (at most PAGE) from byte `offset`, cut back to whole characters."""
    limit = max(1, min(limit, PAGE))
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if not 0 <= offset <= size:
            raise ValueError(f"offset {offset} is outside the file ({size} bytes)")
        handle.seek(offset)
        data = handle.read(limit)
    _refuse_binary(name, data, offset, size)
    start = _skip_continuation(data) if offset else 0
    text, used = _whole_characters(data[start:], final=offset + len(data) >= size)
    end = offset + start + used
    if end < size:
        text += f"\n[... {size - end} more bytes of {size}: read on with offset={end}]"
    return text


def read_head(handle: BinaryIO, name: str, lines: int) -> str:
    """The first `lines` lines, stopping at PAGE bytes."""
    taken: list[bytes] = []
    read = 0
    with handle:
        size = os.fstat(handle.fileno()).st_size
        while len(taken) < lines and read < PAGE:
            line = handle.readline(PAGE - read)
            if not line:
                break
            taken.append(line)
            read += len(line)
    data = b"".join(taken)
    _refuse_binary(name, data, 0, size)
    text, used = _whole_characters(data, final=read >= size)
    text = text.removesuffix("\n")
    if read < size and (len(taken) < lines or not data.endswith(b"\n")):
        text += (
            f"\n[... stopped at the {PAGE // 1024} KiB cap in line {len(taken)}: "
            f"read on with offset={used}]"
        )
    return text


def read_tail(handle: BinaryIO, name: str, lines: int) -> str:
    """The last `lines` lines, looking at the last PAGE bytes at most."""
    with handle:
        size = os.fstat(handle.fileno()).st_size
        start = max(0, size - PAGE)
        handle.seek(start)
        data = handle.read(PAGE)
    _refuse_binary(name, data, start, size)
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    if start > 0 and len(parts) > 1:
        parts.pop(0)  # the line the page starts in the middle of
    text = b"\n".join(parts[-lines:]).decode(errors="replace")
    if len(parts) < lines and start > 0:
        text = f"[only the last {PAGE // 1024} KiB read: {len(parts)} lines]\n" + text
    return text


def grep(
    handle: BinaryIO, matches: Callable[[str], bool], name: str, most: int, budget: Budget
) -> list[str]:
    """`name:line: text` for up to `most` matching lines, until the budget is spent; [] for a
    binary or unreadable file."""
    hits: list[str] = []
    try:
        with handle:
            if b"\x00" in handle.read(_SNIFF):
                return []
            handle.seek(0)
            for number, line in enumerate(_lines(handle), 1):
                budget.spend(len(line))
                if budget.spent:
                    break
                shown = line.rstrip("\r\n")
                if matches(shown):
                    cut = "..." if len(shown) > _LINE_SHOWN else ""
                    hits.append(f"{name}:{number}: {shown[:_LINE_SHOWN]}{cut}")
                    if len(hits) >= most:
                        break
    except OSError:
        return []
    return hits


def _lines(handle: BinaryIO) -> Iterator[str]:
    """Lines of at most PAGE bytes each (a longer line comes in pieces)."""
    for raw in iter(lambda: handle.readline(PAGE), b""):
        yield raw.decode(errors="replace")


def _refuse_binary(name: str, data: bytes, offset: int, size: int) -> None:
    where = data.find(b"\x00")
    if where >= 0:
        raise NotText(
            f"{name!r} is not a text file (a NUL byte at offset {offset + where}; "
            f"{size} bytes in all): get_file_info tells its size and type"
        )


def _skip_continuation(data: bytes) -> int:
    """How many leading bytes continue a character that began before the page (at most 3)."""
    count = 0
    while count < min(3, len(data)) and data[count] & 0xC0 == 0x80:
        count += 1
    return count


def _whole_characters(data: bytes, final: bool) -> tuple[str, int]:
    """Decoded text and how many bytes it used: a character cut by the page end is left over."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = decoder.decode(data, final=final)
    pending = len(decoder.getstate()[0])
    return text, len(data) - pending
