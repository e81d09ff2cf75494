"""System services from the shell: `settings`, `wm`, `ime`, `svc`, `getprop` and `cmd SERVICE`.

All of them read and write the settings provider, so any of them agrees with the Settings app
and the status bar. `settings put global airplane_mode_on 1` only stores the value (on a device
the radios would not follow without a broadcast only the system may send); `cmd connectivity
airplane-mode enable` and the Settings switch also turn Wi-Fi and Bluetooth off and back on.
"""

from __future__ import annotations

import re

from environments.android.virtual_phone.commands.activity import am
from environments.android.virtual_phone.commands.base import Command
from environments.android.virtual_phone.commands.package import pm
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok
from environments.android.virtual_phone.system_settings import LATIN_IME, NAMESPACES

PROPERTIES = {
    "dev.bootcomplete": "1",
    "persist.sys.timezone": "UTC",
    "ro.build.characteristics": "default",
    "ro.build.display.id": "UQ1A.240105.004",
    "ro.build.fingerprint": (
        "qwen/qwen_vphone/vphone:14/UQ1A.240105.004/11206848:userdebug/test-keys"
    ),
    "ro.build.id": "UQ1A.240105.004",
    "ro.build.type": "userdebug",
    "ro.build.version.release": "14",
    "ro.build.version.sdk": "34",
    "ro.debuggable": "1",
    "ro.product.board": "vphone",
    "ro.product.brand": "qwen",
    "ro.product.cpu.abi": "x86_64",
    "ro.product.device": "vphone",
    "ro.product.locale": "en-US",
    "ro.product.manufacturer": "Qwen",
    "ro.product.model": "Virtual Phone",
    "ro.product.name": "qwen_vphone",
    "ro.secure": "1",
    "ro.serialno": "VPHONE0001",
    "ro.sf.lcd_density": "420",
    "sys.boot_completed": "1",
}

SETTINGS_USAGE = (
    "usage:  settings [--user <USER_ID> | current] get namespace key\n"
    "        settings [--user <USER_ID> | current] put namespace key value\n"
    "        settings [--user <USER_ID> | current] delete namespace key\n"
    "        settings [--user <USER_ID> | current] list namespace\n"
    "\n'namespace' is one of {system, secure, global}, case-insensitive\n"
)


_RELEASES = {29: "10", 30: "11", 31: "12", 32: "12", 33: "13", 34: "14", 35: "15", 36: "16"}


def getprop(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    sdk = handset.quirks.sdk
    properties = {
        **PROPERTIES,
        "ro.build.version.sdk": str(sdk),
        "ro.build.version.release": _RELEASES.get(sdk, str(sdk)),
    }
    if args:
        return ok(properties.get(args[0], args[1] if len(args) > 1 else "") + "\n")
    return ok("".join(f"[{k}]: [{v}]\n" for k, v in sorted(properties.items())))


def settings(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if args[:1] == ["--user"]:
        args = args[2:]
    if len(args) < 2 or args[1].lower() not in NAMESPACES:
        return fail(SETTINGS_USAGE)
    verb, namespace, rest = args[0], args[1].lower(), args[2:]
    store = handset.settings
    if verb == "get" and rest:
        value = store.get(namespace, rest[0])
        return ok(f"{'null' if value is None else value}\n")
    if verb == "put" and len(rest) >= 2:
        store.put(namespace, rest[0], rest[1])
        handset.changed()
        return ok()
    if verb == "delete" and rest:
        deleted = store.delete(namespace, rest[0])
        handset.changed()
        return ok(f"Deleted {int(deleted)} rows\n")
    if verb == "list" and not rest:
        return ok("".join(f"{k}={v}\n" for k, v in sorted(store.values[namespace].items())))
    return fail(SETTINGS_USAGE)


def wm(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if args[:1] == ["size"]:
        return _wm_size(handset, args[1:])
    if args[:1] == ["density"]:
        return _wm_density(handset, args[1:])
    if args[:1] == ["user-rotation"] and len(args) >= 2:
        mode = args[1]
        handset.settings.put("system", "accelerometer_rotation", "1" if mode == "free" else "0")
        if mode == "lock" and len(args) > 2 and args[2] in "0123":
            handset.settings.put("system", "user_rotation", args[2])
        handset.changed()
        return ok()
    return fail(
        "Window manager (window) commands:\n  size [reset|WxH]\n  density [reset|DENSITY]\n"
    )


def _wm_size(handset: Handset, args: list[str]) -> ShellResult:
    if not args:
        width, height = handset.physical
        out = f"Physical size: {width}x{height}\n"
        if handset.size_override:
            out += "Override size: {}x{}\n".format(*handset.size_override)
        return ok(out)
    match = re.fullmatch(r"(\d+)x(\d+)", args[0])
    if args[0] == "reset":
        handset.size_override = None
    elif match and all(0 < int(v) <= 8192 for v in match.groups()):
        handset.size_override = (int(match.group(1)), int(match.group(2)))
    else:
        return fail(f"Error: bad size {args[0]}\n", 255)
    handset.changed()
    return ok()


def _wm_density(handset: Handset, args: list[str]) -> ShellResult:
    if not args:
        out = "Physical density: 420\n"
        if handset.density_override:
            out += f"Override density: {handset.density_override}\n"
        return ok(out)
    if args[0] == "reset":
        handset.density_override = None
    elif args[0].isdigit() and 72 <= int(args[0]) <= 1000:
        handset.density_override = int(args[0])
    else:
        return fail(f"Error: bad density {args[0]}\n", 255)
    handset.changed()
    return ok()


def ime(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    """`ime list` shows enabled methods only unless given -a, as IMMS does; a method installed
    with `adb install` is not enabled until `ime enable`."""
    installed = handset.input_methods()
    verb, rest = (args[0], args[1:]) if args else ("", [])
    if verb == "list":
        flags = {f"-{c}" for arg in rest if arg.startswith("-") for c in arg[1:]}
        shown = [m for m in installed if "-a" in flags or m in handset.enabled_imes]
        if "-s" in flags:
            return ok("".join(f"{m}\n" for m in shown))
        return ok("".join(f"{m}:\n  mId={m} mSettingsActivityName=null\n" for m in shown))
    if verb in ("enable", "disable", "set") and rest:
        method = rest[-1]
        if method not in installed or (verb == "set" and method not in handset.enabled_imes):
            action = {"set": "selected", "enable": "enabled", "disable": "disabled"}[verb]
            return fail(f"Unknown input method {method} cannot be {action} for user #0\n")
        if verb == "set":
            handset.select_ime(method)
            return ok(f"Input method {method} selected for user #0\n")
        if verb == "enable":
            state = "already enabled" if method in handset.enabled_imes else "now enabled"
            handset.enabled_imes.add(method)
        else:
            state = "now disabled" if method in handset.enabled_imes else "already disabled"
            handset.enabled_imes.discard(method)
            if handset.settings.ime == method:
                handset.select_ime(LATIN_IME)
        return ok(f"Input method {method}: {state}\n")
    if verb == "reset":
        handset.enabled_imes = {LATIN_IME}
        handset.select_ime(LATIN_IME)
        return ok(f"Reset current and enabled IMEs for user #0\n  Selected: {LATIN_IME}\n")
    return fail(
        "ime <command>:\n  list [-a] [-s]\n  enable ID\n  disable ID\n  set ID\n  reset\n", 255
    )


def _radio(handset: Handset, key: str, verb: str) -> ShellResult | None:
    if verb not in ("enable", "disable", "enabled", "disabled"):
        return None
    handset.settings.put("global", key, "1" if verb.startswith("enable") else "0")
    handset.changed()
    return ok()


def svc(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    keys = {"wifi": "wifi_on", "bluetooth": "bluetooth_on", "data": "mobile_data"}
    if len(args) == 2 and args[0] in keys:
        result = _radio(handset, keys[args[0]], args[1])
        if result is not None:
            return result
    usage = "wifi enable|disable\n    bluetooth enable|disable\n    data enable|disable\n"
    return fail(f"Available commands:\n    {usage}")


def _connectivity(handset: Handset, args: list[str]) -> ShellResult:
    if args[:1] != ["airplane-mode"]:
        return fail(f"Unknown command: {' '.join(args)}\n", 255)
    if len(args) == 1:
        return ok("enabled\n" if handset.settings.airplane else "disabled\n")
    if args[1] not in ("enable", "disable"):
        return fail(f"Invalid argument: {args[1]}\n", 255)
    handset.settings.set_airplane(args[1] == "enable")
    handset.changed()
    return ok()


def _wifi(handset: Handset, args: list[str]) -> ShellResult:
    if args == ["status"]:
        return ok(f"Wifi is {'enabled' if handset.settings.wifi else 'disabled'}\n")
    if len(args) == 2 and args[0] == "set-wifi-enabled":
        return _radio(handset, "wifi_on", args[1]) or fail(f"Invalid argument: {args[1]}\n", 255)
    return fail(f"Unknown command: {' '.join(args)}\n", 255)


def _bluetooth(handset: Handset, args: list[str]) -> ShellResult:
    result = _radio(handset, "bluetooth_on", args[0]) if len(args) == 1 else None
    return result or fail(f"Unknown command: {' '.join(args)}\n", 255)


def _uimode(handset: Handset, args: list[str]) -> ShellResult:
    if args[:1] != ["night"]:
        return fail(f"Unknown command: {' '.join(args)}\n", 255)
    if len(args) > 1 and args[1] in ("yes", "no"):
        handset.settings.set_flag("secure", "ui_night_mode", args[1] == "yes")
        handset.changed()
    return ok(f"Night mode: {'yes' if handset.settings.dark else 'no'}\n")


SERVICES = {
    "package": pm,
    "activity": lambda handset, args: am(handset, args, b""),
    "settings": lambda handset, args: settings(handset, args, b""),
    "connectivity": _connectivity,
    "wifi": _wifi,
    "bluetooth_manager": _bluetooth,
    "uimode": _uimode,
}


def cmd(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    if not args:
        return fail("cmd: No service specified; use -l to list all running services\n", 20)
    service = SERVICES.get(args[0])
    if service is None:
        return fail(f"cmd: Can't find service: {args[0]}\n", 20)
    return service(handset, args[1:])


COMMANDS = {
    "getprop": Command(getprop, pure=True),
    "settings": Command(settings, pure=True),
    "wm": Command(wm, pure=True),
    "ime": Command(ime, pure=True),
    "svc": Command(svc, pure=True),
    "cmd": Command(cmd, pure=True),
}
