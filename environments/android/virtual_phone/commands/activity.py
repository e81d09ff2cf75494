"""`am` (start, force-stop, broadcast) and `monkey -p PKG`: starting and stopping apps, and the
ADB Keyboard's broadcasts.

The ADB Keyboard (com.android.adbkeyboard/.AdbIME) only receives its broadcasts while it is the
current input method, from a moment after it was selected (its receiver starts with its service),
and types into the focused field only; otherwise the broadcast is sent and completes with
nothing happening ("Broadcast completed: result=0"), as on a device.
"""

from __future__ import annotations

import base64
import binascii

from environments.android.virtual_phone import interaction
from environments.android.virtual_phone import keycodes as K
from environments.android.virtual_phone.commands.base import Command
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok
from environments.android.virtual_phone.system_ui import LAUNCHER

_VALUE_OPTIONS = frozenset({"-n", "-a", "-c", "-d", "-t", "-f", "--user", "-e", "--display"})
_EXTRA_OPTIONS = frozenset(
    {"--es", "--ei", "--el", "--ef", "--ez", "--eu", "--eia", "--esa", "--ela", "--ecn"}
)
_NO_VALUE_EXTRAS = frozenset({"--esn"})


def _intent(args: list[str]) -> tuple[set[str], dict[str, list[str]], dict[str, str], list[str]]:
    """Intent arguments: flags, options with values (-c may repeat), extras, operands."""
    flags: set[str] = set()
    values: dict[str, list[str]] = {}
    extras: dict[str, str] = {}
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _EXTRA_OPTIONS and index + 2 < len(args):
            extras[args[index + 1]] = args[index + 2]
            index += 3
        elif arg in _NO_VALUE_EXTRAS and index + 1 < len(args):
            extras[args[index + 1]] = ""
            index += 2
        elif arg in _VALUE_OPTIONS and index + 1 < len(args):
            values.setdefault(arg, []).append(args[index + 1])
            index += 2
        elif arg.startswith("-"):
            flags.add(arg)
            index += 1
        else:
            rest.append(arg)
            index += 1
    return flags, values, extras, rest


def _describe(values: dict[str, list[str]], extras: dict[str, str], flg: str = "") -> str:
    parts = []
    if "-a" in values:
        parts.append(f"act={values['-a'][-1]}")
    if "-c" in values:
        parts.append(f"cat=[{','.join(values['-c'])}]")
    if "-d" in values:
        parts.append(f"dat={values['-d'][-1]}")
    if flg:
        parts.append(f"flg={flg}")
    if "-n" in values:
        parts.append(f"cmp={values['-n'][-1]}")
    if extras:
        parts.append("(has extras)")
    return "Intent { " + " ".join(parts) + " }"


def _resolve(handset: Handset, values: dict[str, list[str]], rest: list[str]) -> str | None:
    """The package an intent starts ("" for the home screen), or None if nothing handles it."""
    categories = values.get("-c", [])
    action = values.get("-a", [""])[-1]
    if "-n" in values:
        package, _, activity = values["-n"][-1].partition("/")
        if package == LAUNCHER:
            return ""
        app = handset.find_app(package)
        if app is None or activity not in (app.activity, app.activity_class):
            return None
        return package
    if "android.intent.category.HOME" in categories:
        return ""
    if action.startswith("android.settings."):
        return "com.android.settings"
    if rest and handset.find_app(rest[-1]) is not None:
        return rest[-1]
    return None


def am_start(handset: Handset, args: list[str]) -> ShellResult:
    flags, values, extras, rest = _intent(args)
    intent = _describe(values, extras)
    package = _resolve(handset, values, rest)
    if package is None:
        if "-n" in values:
            component = values["-n"][-1]
            owner, _, activity = component.partition("/")
            full = owner + activity if activity.startswith(".") else activity
            error = f"Error type 3\nError: Activity class {{{owner}/{full}}} does not exist.\n"
            return fail(error, 1, f"Starting: {intent}\n")
        unresolved = _describe(values, extras, "0x10000000")
        return fail(
            f"Error: Activity not started, unable to resolve {unresolved}\n",
            1,
            f"Starting: {intent}\n",
        )
    if package:
        handset.launch(package, fresh=True)
    else:
        handset.go_home()
    out = f"Starting: {intent}\n"
    if "-W" in flags:
        current, activity = handset.current()
        out += (
            f"Status: ok\nLaunchState: WARM\nActivity: {current}/{activity}\n"
            "TotalTime: 210\nWaitTime: 214\nComplete\n"
        )
    return ok(out)


def _adb_keyboard(handset: Handset, action: str, extras: dict[str, str]) -> None:
    if not handset.adb_keyboard or not handset.ime_listening() or handset.focus is None:
        return
    buffer = handset.focus
    if action == "ADB_INPUT_TEXT":
        interaction.type_text(handset, extras.get("msg", ""))
    elif action == "ADB_INPUT_B64":
        try:
            text = base64.b64decode(extras.get("msg", ""), validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        interaction.type_text(handset, text)
    elif action == "ADB_INPUT_CHARS":
        chars = [int(c) for c in extras.get("chars", "").split(",") if c.strip().isdigit()]
        interaction.type_text(handset, "".join(map(chr, chars)))
    elif action in ("ADB_INPUT_CODE", "ADB_EDITOR_CODE"):
        code = extras.get("code", "")
        if code.isdigit():
            interaction.press(handset, K.ENTER if action == "ADB_EDITOR_CODE" else int(code))
    elif action == "ADB_CLEAR_TEXT":
        buffer.clear()
        handset.changed()


_PROTECTED = frozenset(
    {"android.intent.action.AIRPLANE_MODE", "android.intent.action.BOOT_COMPLETED"}
)


def am_broadcast(handset: Handset, args: list[str]) -> ShellResult:
    _, values, extras, _ = _intent(args)
    action = values.get("-a", [""])[-1]
    if action in _PROTECTED:
        return fail(
            "Exception occurred while executing 'broadcast':\njava.lang.SecurityException: "
            f"Permission Denial: not allowed to send broadcast {action} from pid=4242, uid=2000\n",
            255,
        )
    _adb_keyboard(handset, action, extras)
    out = f"Broadcasting: {_describe(values, extras, '0x400000')}\nBroadcast completed: result=0\n"
    return ok(out)


def am(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if not args:
        return fail(
            "Activity manager (activity) commands:\n  help\n  start\n  force-stop\n  broadcast\n"
        )
    command, rest = args[0], args[1:]
    if command in ("start", "start-activity"):
        return am_start(handset, rest)
    if command == "broadcast":
        return am_broadcast(handset, rest)
    if command in ("force-stop", "kill", "stop-app"):
        if not rest:
            message = f'java.lang.IllegalArgumentException: Argument expected after "{command}"'
            return fail(f"Exception occurred while executing '{command}':\n{message}\n", 255)
        handset.force_stop(rest[-1])
        return ok()
    return fail(f"Unknown command: {command}\n", 255)


def monkey(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    echo = "".join(f"  bash arg: {arg}\n" for arg in args)
    echo += "args: [" + ", ".join(args) + "]\n" + "".join(f' arg: "{arg}"\n' for arg in args)
    packages = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-p"]
    count = args[-1] if args and args[-1].isdigit() else "0"
    launchable = [p for p in packages if handset.find_app(p) is not None]
    if packages and not launchable:
        return fail("** No activities found to run, monkey aborted.\n", 252, echo)
    echo += "".join(f'data="{p}"\n' for p in packages)
    if launchable and int(count) > 0:
        handset.launch(launchable[0])
    return ok(
        f"{echo}Events injected: {count}\n"
        "## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n"
    )


COMMANDS = {"am": Command(am), "monkey": Command(monkey)}
