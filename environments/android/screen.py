"""Screenshots from a phone: raw `screencap` decoded on the host, `screencap -p` as fallback.

Raw frames skip the PNG encoding that costs a phone most of half a second; the host turns the
RGBA rows into an image in one pass. The header is three little-endian uint32 (width, height,
pixel format) on old builds and four (plus a colour space) on newer ones; which one it is
follows from the byte count. On a phone with several displays, screencap without `-d` prints
warning lines (three on Android 16) that the shell stream merges in front of the header; they
are skipped, however many there are, and the next frame is raw again. A display chosen with
`display` is passed as `-d` so that every frame comes from the same screen.
"""

from __future__ import annotations

import io
import struct

from adbutils import AdbDevice
from PIL import Image, UnidentifiedImageError

from agent.errors import EnvironmentFailure

# Android's PixelFormat ids that screencap writes, with PIL's raw decoder for each.
_FORMATS = {1: ("RGBX", 4), 2: ("RGBX", 4), 3: ("RGB", 3), 5: ("BGRX", 4)}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_RECV_CHUNK = 1 << 20
_PREAMBLE = 4096  # bytes of warning text that may stand before a frame


class ScreenCaptureError(EnvironmentFailure):
    """The phone answered screencap with something that is not a picture."""


def read_shell(device: AdbDevice, command: str) -> bytes:
    """The whole output of a shell command, read in large chunks (adbutils reads 4 KiB at a time
    into a growing bytes object, which is slow for a 10 MB frame)."""
    connection = device.open_shell(command)
    try:
        sock = connection.conn
        sock.settimeout(20)
        data = bytearray()
        while True:
            chunk = sock.recv(_RECV_CHUNK)
            if not chunk:
                return bytes(data)
            data += chunk
    finally:
        connection.close()


def decode_raw(data: bytes) -> Image.Image:
    """An RGB image from raw screencap output, after any lines of warnings; ValueError when
    it is not one."""
    start = 0
    while True:
        image = _decode_raw_frame(data, start)
        if image is not None:
            return image
        newline = data.find(b"\n", start, _PREAMBLE)
        if newline < 0:
            raise ValueError("not a raw screencap frame")
        start = newline + 1


def _decode_raw_frame(data: bytes, start: int) -> Image.Image | None:
    if len(data) < start + 12:
        return None
    width, height, pixel_format = struct.unpack_from("<3I", data, start)
    if pixel_format not in _FORMATS or not (0 < width <= 16384 and 0 < height <= 16384):
        return None
    mode, depth = _FORMATS[pixel_format]
    size = width * height * depth
    for header in (16, 12):
        if len(data) - start == header + size:
            pixels = memoryview(data)[start + header :]
            return Image.frombytes("RGB", (width, height), pixels, "raw", mode)
    return None


def decode_png(data: bytes) -> Image.Image:
    start = data.find(PNG_MAGIC, 0, 512)
    if start < 0:
        raise ValueError("not a PNG")
    try:
        image = Image.open(io.BytesIO(data[start:]))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"a broken PNG: {exc}") from exc
    return image.convert("RGB")


def _describe(data: bytes) -> str:
    preview = data[:48].decode("utf-8", "replace").strip() or repr(data[:16])
    return f"{len(data)} bytes starting {preview!r}"


class ScreenCapture:
    """Captures frames the fast way while it works, and remembers when it does not."""

    def __init__(
        self, device: AdbDevice, prefer_raw: bool = True, display: str | None = None
    ) -> None:
        self.device = device
        self.raw = prefer_raw
        self.last_bytes = 0
        self._command = f"screencap -d {display}" if display is not None else "screencap"

    def grab(self) -> bytes:
        """The frame's bytes as the phone sends them, undecoded (to compare frames)."""
        data = read_shell(self.device, self._command if self.raw else f"{self._command} -p")
        self.last_bytes = len(data)
        return data

    def capture(self) -> Image.Image:
        if self.raw:
            data = read_shell(self.device, self._command)
            self.last_bytes = len(data)
            try:
                return decode_raw(data)
            except ValueError:
                self.raw = False
        data = read_shell(self.device, f"{self._command} -p")
        self.last_bytes = len(data)
        try:
            return decode_png(data)
        except ValueError as exc:
            raise ScreenCaptureError(
                f"screencap on {self.device.serial} returned no picture ({exc}): got "
                f"{_describe(data)}; check that the screen is on and `adb shell screencap -p` works"
            ) from None
