"""`input`: Android's InputShellCommand — text, keyevent, tap, swipe, keycombination, ...

`input text` types ASCII only: like a device (whose key character map has no keys for other
characters) it fails with Java's exception on stderr for anything else, which is why hosts use
the ADB Keyboard broadcast for Unicode.
"""

from __future__ import annotations

from environments.android.virtual_phone import interaction
from environments.android.virtual_phone import keycodes as K
from environments.android.virtual_phone.commands.base import Command
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok

SOURCES = frozenset(
    {
        "dpad", "keyboard", "mouse", "touchpad", "gamepad", "touchnavigation", "joystick",
        "touchscreen", "stylus", "trackball", "rotaryencoder",
    }
)  # fmt: skip

USAGE = """Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]

The sources are:
      dpad
      keyboard
      mouse
      touchpad
      gamepad
      touchnavigation
      joystick
      touchscreen
      stylus
      trackball

-d: specify the display ID.
      (Default: -1 for key event, 0 for motion event if not specified.)
The commands and default sources are:
      text <string> (Default: keyboard)
      keyevent [--longpress|--duration <duration to hold key down in ms>] [--doubletap] \
[--async] [--delay <duration between keycodes in ms>] <key code number or name> ... \
(Default: keyboard)
      tap <x> <y> (Default: touchscreen)
      swipe <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)
      draganddrop <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)
      press (Default: trackball)
      roll <dx> <dy> (Default: trackball)
      motionevent <DOWN|UP|MOVE|CANCEL> <x> <y> (Default: touchscreen)
      keycombination [-t duration(ms)] <key code 1> <key code 2> ... (Default: keyboard, \
the key order is important here.)
"""

DEFAULT_SWIPE_MS = 300
_TRACE = (
    "\tat com.android.server.input.InputShellCommand.onCommand(InputShellCommand.java:305)\n"
    "\tat com.android.modules.utils.BasicShellCommandHandler.exec"
    "(BasicShellCommandHandler.java:97)\n"
)


class UsageError(ValueError):
    pass


def _exception(command: str, error: str) -> ShellResult:
    return fail(f"Exception occurred while executing '{command}':\n{error}\n{_TRACE}")


def _numbers(args: list[str], low: int, high: int, command: str) -> list[float]:
    if not low <= len(args) <= high:
        raise UsageError(f"Error: Invalid arguments for command: {command}")
    try:
        return [float(arg) for arg in args]
    except ValueError as exc:
        raise UsageError(f"Error: Invalid arguments for command: {command}") from exc


def text(handset: Handset, args: list[str]) -> ShellResult:
    if not args:
        raise UsageError("Error: Invalid arguments for command: text")
    typed = " ".join(args).replace("%s", " ")
    if not typed.isascii():
        return _exception(
            "text", "java.lang.NullPointerException: Attempt to get length of null array"
        )
    interaction.type_text(handset, typed)
    return ok()


def keyevent(handset: Handset, args: list[str]) -> ShellResult:
    repeat = 1
    codes = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--delay", "--duration"):
            index += 2
            continue
        if arg == "--doubletap":
            repeat = 2
        elif not arg.startswith("--"):
            codes.append(K.parse_keycode(arg))
        index += 1
    if not codes:
        raise UsageError("Error: Invalid arguments for command: keyevent")
    for code in codes:
        for _ in range(repeat):
            if code != K.UNKNOWN:
                interaction.press(handset, code)
    return ok()


def keycombination(handset: Handset, args: list[str]) -> ShellResult:
    if args[:1] == ["-t"]:
        args = args[2:]
    codes = [K.parse_keycode(arg) for arg in args]
    if len(codes) < 2:
        raise UsageError("Error: Invalid arguments for command: keycombination")
    held = {code for code in codes if code in K.MODIFIERS}
    shift = bool(held & {K.SHIFT_LEFT, K.SHIFT_RIGHT})
    ctrl = bool(held & {K.CTRL_LEFT, K.CTRL_RIGHT})
    for code in codes:
        if code not in K.MODIFIERS and code != K.UNKNOWN:
            interaction.press(handset, code, shift=shift, ctrl=ctrl)
    return ok()


def motionevent(handset: Handset, args: list[str]) -> ShellResult:
    """DOWN, MOVE and UP as one swipe (the phone sees gestures, not single motion events)."""
    if len(args) != 3 or args[0].upper() not in ("DOWN", "MOVE", "UP", "CANCEL"):
        raise UsageError("Error: Invalid arguments for command: motionevent")
    action = args[0].upper()
    x, y = _numbers(args[1:], 2, 2, "motionevent")
    if action == "DOWN":
        handset.touch_down = (x, y)
    elif action == "UP" and handset.touch_down is not None:
        interaction.swipe(handset, *handset.touch_down, x, y, DEFAULT_SWIPE_MS)
        handset.touch_down = None
    elif action == "CANCEL":
        handset.touch_down = None
    return ok()


def tap(handset: Handset, args: list[str]) -> ShellResult:
    x, y = _numbers(args, 2, 2, "tap")
    interaction.tap(handset, x, y)
    return ok()


def swipe(handset: Handset, args: list[str]) -> ShellResult:
    values = _numbers(args, 4, 5, "swipe")
    ms = int(values[4]) if len(values) == 5 else DEFAULT_SWIPE_MS
    interaction.swipe(handset, *values[:4], ms)
    return ok()


def roll(_handset: Handset, args: list[str]) -> ShellResult:
    """Trackball motion: accepted, with nothing to move on a touch screen."""
    _numbers(args, 2, 2, "roll")
    return ok()


SUBCOMMANDS = {
    "text": text,
    "keyevent": keyevent,
    "keycombination": keycombination,
    "tap": tap,
    "swipe": swipe,
    "draganddrop": swipe,
    "motionevent": motionevent,
    "roll": roll,
    "press": lambda _handset, _args: ok(),
}


LEGACY_SDK = 29  # Android 10: `input` is the app_process tool, without keycombination


def run_input(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    """Newer builds (`cmd input`) exit 255 on a usage error; Android 10's `input` prints the
    error and the usage and exits 0."""
    legacy = handset.quirks.sdk <= LEGACY_SDK
    if args and args[0] in SOURCES:
        args = args[1:]
    if len(args) >= 2 and args[0] == "-d":
        args = args[2:]
    if not args:
        return fail(USAGE, 0 if legacy else 1)
    handler = SUBCOMMANDS.get(args[0])
    if legacy and args[0] in ("keycombination", "motionevent"):
        handler = None
    try:
        if handler is None:
            raise UsageError(f"Error: Unknown command: {args[0]}")
        return handler(handset, args[1:])
    except UsageError as exc:
        return fail(f"{exc}\n{USAGE}", 0 if legacy else 255 if handler is None else 1)


COMMANDS = {"input": Command(run_input)}
