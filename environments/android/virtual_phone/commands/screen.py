"""`screencap` and `uiautomator dump`: the frame and the view tree, as the device tools give them.

Raw `screencap` is a little-endian header (width, height, pixel format 1 = RGBA_8888 and, unless
the phone plays an old build, a colour space) then the rows; `-p` (or a FILE ending in .png)
gives a PNG. `uiautomator dump` writes the XML into the file system and says so, with Android's
spelling ("hierchary"); dumping to /dev/tty prints it instead.
"""

from __future__ import annotations

from environments.android.virtual_phone.commands.base import Command, options
from environments.android.virtual_phone.commands.dumpsys import DISPLAY_ID
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok

DEFAULT_DUMP = "/sdcard/window_dump.xml"


def screencap(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    flags, values, rest = options(args, frozenset({"-d"}))
    display = values.get("-d", "0")
    if display not in ("0", DISPLAY_ID):
        return fail(f"Display Id '{display}' is not valid.\n")
    if "-h" in flags:
        return ok("usage: screencap [-hp] [-d display-id] [FILENAME]\n")
    png = "-p" in flags or (bool(rest) and rest[0].endswith(".png"))
    data = handset.screen.png() if png else handset.screen.raw()
    if not rest:
        return ok(data)
    try:
        handset.fs.write(rest[0], data)
    except OSError as exc:
        return fail(f"Error opening file: {rest[0]} ({exc.strerror})\n")
    return ok()


def uiautomator(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if not args or args[0] != "dump":
        return fail(
            "Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\n"
            "help: displays help message\n\ndump: creates an XML dump of current UI hierarchy\n"
        )
    _, _, rest = options(args[1:])
    path = rest[0] if rest else DEFAULT_DUMP
    xml = handset.screen.dump()
    if path in ("/dev/tty", "/dev/stdout"):
        return ok(f"{xml}UI hierchary dumped to: {path}\n")
    try:
        handset.fs.write(path, xml.encode())
    except OSError as exc:
        return fail(f"ERROR: could not write dump to {path}: {exc.strerror}\n")
    return ok(f"UI hierchary dumped to: {path}\n")


COMMANDS = {
    "screencap": Command(screencap, pure=True),
    "uiautomator": Command(uiautomator, pure=True),
}
