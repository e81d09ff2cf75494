"""`screencap` and `uiautomator dump`: the frame and the view tree, as the device tools give them.

Raw `screencap` is a little-endian header (width, height, pixel format 1 = RGBA_8888 and, unless
the phone plays an old build, a colour space) then the rows; `-p` (or a FILE ending in .png)
gives a PNG. `uiautomator dump` writes the XML into the file system and says so, with Android's
spelling ("hierchary"); dumping to /dev/tty prints it instead. A dump that fails (no idle state
on an animated screen) prints the error and still exits 0, as DumpCommand does. With several
displays, `screencap` without `-d` warns on stderr (merged in front of the frame over shell v1).
"""

from __future__ import annotations

from environments.android.virtual_phone.commands.base import Command, options
from environments.android.virtual_phone.commands.dumpsys import display_ids
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok

DEFAULT_DUMP = "/sdcard/window_dump.xml"
# What Android 16's screencap prints on stderr when a phone has several displays and no -d.
MULTIPLE_DISPLAYS = (
    "[Warning] Multiple displays were found, but no display id was specified! Defaulting to the "
    "first display found, however this default is not guaranteed to be consistent across "
    "captures. A display id should be specified.\n"
    "[Warning] A display ID can be specified with the [-d display-id] option.\n"
    '[Warning] See "dumpsys SurfaceFlinger --display-id" for valid display IDs.\n'
)


def screencap(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    flags, values, rest = options(args, frozenset({"-d"}))
    displays = display_ids(handset)
    display = values.get("-d")
    if display is not None and display not in displays and display != "0":
        return fail(f"Display Id '{display}' is not valid.\n")
    if "-h" in flags:
        return ok("usage: screencap [-hp] [-d display-id] [FILENAME]\n")
    png = "-p" in flags or (bool(rest) and rest[0].endswith(".png"))
    data = handset.screen.png() if png else handset.screen.raw()
    warning = MULTIPLE_DISPLAYS if display is None and len(displays) > 1 else ""
    if not rest:
        return ShellResult(data, warning.encode(), 0, warning.encode() + data if warning else None)
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
    if handset.dump_failures > 0:
        handset.dump_failures -= 1
        return ShellResult(b"", f"{handset.quirks.dump_failure}\n".encode(), 0)
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
