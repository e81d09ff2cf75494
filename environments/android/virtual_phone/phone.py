"""A virtual Android phone: what the adbd transport serves behind `shell:` and `sync:`.

The transport (adbd.py) only calls `Phone.shell` with the text after `shell:` and the file
methods for `sync:`; everything else is the phone's own business. One lock serializes all of
it, so several adb connections can use one phone.

What it is
    A 1080x2400, 420 dpi Android 14 phone (`getprop`: ro.product.model=Virtual Phone,
    ro.build.version.sdk=34) with a launcher, a status bar, gesture navigation, and three apps:

    ===========  =======================  ==============================
    label        package                  launcher activity
    ===========  =======================  ==============================
    Settings     com.android.settings     .Settings
    Contacts     com.android.contacts     .activities.PeopleActivity
    Notes        com.example.notes        .MainActivity
    ===========  =======================  ==============================

    Home is com.android.launcher3/.uioverrides.QuickstepLauncher. The ADB Keyboard
    (com.android.adbkeyboard/.AdbIME) is installed unless `adb_keyboard=False`; the current IME
    starts as com.android.inputmethod.latin/.LatinIME. No on-screen keyboard is drawn. Where
    real phones differ, `quirks` (quirks.py) says how this one behaves; `log` keeps the last
    shell command lines it ran.

App labels
    Android has no shell command that prints an app's label. As on a real phone, the labels are
    on the home screen: each launcher icon is a TextView whose text and content-desc are the
    label, so a host can `input keyevent KEYCODE_HOME`, `uiautomator dump`, find "Contacts" and
    tap the centre of its bounds (or map it to a package through `pm list packages`).

App state as files (read them to evaluate, push them to set up a task)
    /sdcard/Android/data/com.android.contacts/files/contacts.json
        [{"name": str, "phone": str, "favorite": bool}, ...] sorted by name
    /sdcard/Android/data/com.example.notes/files/notes.json
        [{"title": str, "text": str, "modified": epoch seconds}, ...] newest first
    Reading always gives the current state; writing replaces the app's data (a malformed file
    is refused, so `adb push` fails). Settings live in the settings provider:
    `settings get global airplane_mode_on|wifi_on|bluetooth_on|zen_mode|low_power|mobile_data`,
    `settings get secure default_input_method|ui_night_mode|location_mode`,
    `settings get system user_rotation|accelerometer_rotation|screen_brightness`.
    `/sdcard` and `/data/local/tmp` are writable; `/storage/emulated/0` is `/sdcard`.

Shell
    /system/bin/sh semantics: quoting, `;` `&&` `||` `|`, `>` `>>` `2>` `2>&1` `<`
    redirections, `sh -c`. Unknown commands fail with `/system/bin/sh: NAME: not found` (127).
    Commands: input, screencap, uiautomator, wm, settings, content, getprop, ime, am, monkey, pm,
    cmd (package, activity, connectivity, wifi, bluetooth_manager, uimode, settings), svc,
    dumpsys (window, activity, display, input, package, battery, power, wifi, SurfaceFlinger),
    echo, cat, ls, rm, mkdir, touch, grep, head, tail, wc, date, sleep (returns at once),
    true, false, id, whoami, getenforce.
"""

from __future__ import annotations

import collections
import logging
import posixpath
import threading
import time

from environments.android.virtual_phone.commands import COMMANDS
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.quirks import Quirks
from environments.android.virtual_phone.result import ShellResult
from environments.android.virtual_phone.sh import SHELL, Shell

__all__ = ["Phone", "ShellResult"]

logger = logging.getLogger(__name__)

SERIAL_BANNER = (
    "device::ro.product.name=qwen_vphone;ro.product.model=Virtual Phone;ro.product.device=vphone;"
)


class Phone:
    def __init__(
        self,
        width: int = 1080,
        height: int = 2400,
        *,
        adb_keyboard: bool = True,
        legacy_screencap_header: bool = False,
        quirks: Quirks | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._handset = Handset(width, height, adb_keyboard, quirks)
        self._handset.legacy_screencap_header = legacy_screencap_header
        self._shell = Shell(self._run, lambda path: self._handset.fs.read(path), self._redirect)
        self._dirty = False
        self.serial_banner = SERIAL_BANNER
        self.log: collections.deque[str] = collections.deque(maxlen=1000)

    @property
    def quirks(self) -> Quirks:
        return self._handset.quirks

    @property
    def legacy_screencap_header(self) -> bool:
        """Raw screencap with the 12-byte header of Android builds before the colour space."""
        return self._handset.legacy_screencap_header

    @legacy_screencap_header.setter
    def legacy_screencap_header(self, value: bool) -> None:
        with self._lock:
            self._handset.legacy_screencap_header = value

    @property
    def adb_keyboard(self) -> bool:
        return self._handset.adb_keyboard

    # Shell ---------------------------------------------------------------------------------

    def shell(self, command: str) -> ShellResult:
        """Run one command line as /system/bin/sh on the device would."""
        if "uiautomator dump" in command and self.quirks.dump_seconds:
            time.sleep(self.quirks.dump_seconds)  # waiting for idle blocks only this command
        with self._lock:
            self.log.append(command)
            self._dirty = False
            result = self._shell.execute(command)
            if self._dirty:
                self._handset.changed()
            return result

    def _run(self, argv: list[str], stdin: bytes) -> ShellResult | None:
        name = posixpath.basename(argv[0]) if argv[0].startswith("/system/") else argv[0]
        if name == "sh":
            return self._sh(argv[1:], stdin)
        command = COMMANDS.get(name)
        if command is None:
            return None
        if not command.pure:
            self._dirty = True
        try:
            return command.run(self._handset, argv[1:], stdin)
        except Exception as exc:
            logger.exception("virtual phone: %s failed", argv)
            return ShellResult(b"", f"{name}: {type(exc).__name__}: {exc}\n".encode(), 1)

    def _sh(self, args: list[str], stdin: bytes) -> ShellResult:
        if args[:1] == ["-c"]:
            if len(args) < 2:
                return ShellResult(b"", f"{SHELL}: -c: option requires an argument\n".encode(), 2)
            return self._shell.execute(args[1])
        if args:
            script = self._handset.fs.read(args[0])
            if script is None:
                message = f"{SHELL}: {args[0]}: No such file or directory\n"
                return ShellResult(b"", message.encode(), 127)
            return self._shell.execute(script.decode("utf-8", "replace"))
        return self._shell.execute(stdin.decode("utf-8", "replace"))

    def _redirect(self, path: str, data: bytes, append: bool) -> None:
        if append:
            data = (self._handset.fs.read(path) or b"") + data
        self._handset.fs.write(path, data)

    # Files (the sync: service) -------------------------------------------------------------

    def stat(self, path: str) -> tuple[int, int, int] | None:
        """(st_mode with S_IFREG/S_IFDIR, size, mtime), or None if nothing is there."""
        with self._lock:
            return self._handset.fs.stat(path)

    def listdir(self, path: str) -> list[tuple[str, int, int, int]] | None:
        """(name, mode, size, mtime) of each entry, or None if `path` is not a directory."""
        with self._lock:
            return self._handset.fs.listdir(path)

    def read_file(self, path: str) -> bytes | None:
        with self._lock:
            return self._handset.fs.read(path)

    def write_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create or replace a file; OSError (with a device's message) when it may not be."""
        with self._lock:
            self._handset.fs.write(path, data, mode)

    def reset(self) -> None:
        """Factory state: settings, files, app data, screen, rotation and size overrides."""
        with self._lock:
            self._handset.factory_reset()
