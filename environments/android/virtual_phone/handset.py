"""The phone's state as a whole: display, settings, files, apps, which window is in front, focus.

Shell commands and touches change it; `version` counts the changes so the screen can keep the
last frame (and view tree) until something happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from environments.android.virtual_phone.apps.base import App
from environments.android.virtual_phone.apps.contacts import ContactsApp
from environments.android.virtual_phone.apps.notes import NotesApp
from environments.android.virtual_phone.apps.settings import SettingsApp
from environments.android.virtual_phone.files import Mount, VirtualFS
from environments.android.virtual_phone.quirks import Quirks
from environments.android.virtual_phone.screen import Screen
from environments.android.virtual_phone.system_settings import ADB_IME, LATIN_IME, SystemSettings
from environments.android.virtual_phone.system_ui import LAUNCHER, LAUNCHER_ACTIVITY
from environments.android.virtual_phone.text_buffer import TextBuffer
from environments.android.virtual_phone.theme import DARK, LIGHT, Look

PHYSICAL_DENSITY = 420


class Handset:
    def __init__(
        self, width: int, height: int, adb_keyboard: bool = True, quirks: Quirks | None = None
    ) -> None:
        self.physical = (width, height)
        self.adb_keyboard = adb_keyboard
        self.quirks = quirks or Quirks()
        self.dump_failures = self.quirks.dump_failures
        self.legacy_screencap_header = False
        self.version = 0
        self.screen = Screen(self)
        self.factory_reset()

    def factory_reset(self) -> None:
        self.settings = SystemSettings()
        self.fs = VirtualFS()
        self.apps: dict[str, App] = {
            app.package: app for app in (SettingsApp(self.settings), ContactsApp(), NotesApp())
        }
        for app in self.apps.values():
            for path, mount in app.files().items():
                self.fs.mount(path, Mount(mount.read, self._changing(mount.write)))
        self.size_override: tuple[int, int] | None = None
        self.density_override: int | None = None
        self.foreground: str | None = None
        self.recents_open = False
        self.recents: list[str] = []
        self.focus: TextBuffer | None = None
        self.touch_down: tuple[float, float] | None = None  # `input motionevent DOWN` so far
        self.enabled_imes = {LATIN_IME}
        if self.adb_keyboard and self.quirks.adb_keyboard_enabled:
            self.enabled_imes.add(ADB_IME)
        self.ime_ready_at = 0.0  # when the ADB Keyboard's receiver starts listening
        self.focus_null = 0  # `dumpsys window` calls left that show mCurrentFocus=null
        self.changed()

    def _changing(self, write: Callable[[bytes], None]) -> Callable[[bytes], None]:
        """A state-file writer that also marks the screen as changed."""

        def wrapped(data: bytes) -> None:
            write(data)
            self.focus = None
            self.changed()

        return wrapped

    def changed(self) -> None:
        self.version += 1

    # Display -------------------------------------------------------------------------------

    @property
    def rotation(self) -> int:
        return self.settings.rotation

    @property
    def natural_size(self) -> tuple[int, int]:
        """The portrait size in force (`wm size`: the override if any)."""
        return self.size_override or self.physical

    @property
    def density(self) -> int:
        return self.density_override or PHYSICAL_DENSITY

    @property
    def size(self) -> tuple[int, int]:
        """The screen as it is drawn and touched, turned with the rotation."""
        width, height = self.natural_size
        return (height, width) if self.rotation % 2 else (width, height)

    def look(self) -> Look:
        width, height = self.size
        return Look(DARK if self.settings.dark else LIGHT, width, height, self.density)

    # Apps and windows ----------------------------------------------------------------------

    def launchable(self) -> list[App]:
        return list(self.apps.values())

    def find_app(self, package: str) -> App | None:
        return self.apps.get(package)

    def current(self) -> tuple[str, str]:
        """(package, activity relative name) of the focused window."""
        app = self.apps.get(self.foreground or "")
        if app is None or self.recents_open:
            return LAUNCHER, LAUNCHER_ACTIVITY
        return app.package, app.activity

    def launch(self, package: str, fresh: bool = False) -> None:
        """Bring an app to the front (resuming where it was, or on its first page)."""
        app = self.apps[package]
        if fresh:
            app.stop()
        if self.foreground != package:
            self.focus_null = self.quirks.focus_null
        self.foreground, self.recents_open, self.focus = package, False, None
        self.recents = [package, *(p for p in self.recents if p != package)]
        self.changed()

    def go_home(self) -> None:
        self.foreground, self.recents_open, self.focus = None, False, None
        self.changed()

    def back(self) -> None:
        if self.recents_open:
            self.recents_open = False
        elif self.foreground is not None:
            app = self.apps[self.foreground]
            if not app.back():
                app.stop()
                self.foreground = None
        self.focus = None
        self.changed()

    def toggle_recents(self) -> None:
        if not self.recents_open:
            self.recents_open, self.focus = True, None
        else:
            previous = next((p for p in self.recents if p != self.foreground), None)
            if previous is None and self.foreground is None:
                self.recents_open = False
            else:
                self.launch(previous or self.foreground or "")
        self.changed()

    def clear_recents(self) -> None:
        for package in self.recents:
            self.apps[package].stop()
        self.recents, self.foreground, self.recents_open = [], None, False
        self.changed()

    def force_stop(self, package: str) -> None:
        app = self.apps.get(package)
        if app is None:
            return
        app.stop()
        self.recents = [p for p in self.recents if p != package]
        if self.foreground == package:
            self.foreground, self.focus = None, None
        self.changed()

    # Keyboard focus and input methods ------------------------------------------------------

    def set_focus(self, buffer: TextBuffer | None) -> None:
        self.focus = buffer
        self.changed()

    def input_methods(self) -> list[str]:
        """Every installed input method (`ime list -a`)."""
        return [ADB_IME, LATIN_IME] if self.adb_keyboard else [LATIN_IME]

    def select_ime(self, method: str) -> None:
        """Make `method` the current input method; the ADB Keyboard's receiver starts later."""
        if method == ADB_IME and self.settings.ime != ADB_IME:
            self.ime_ready_at = time.monotonic() + self.quirks.ime_receiver_delay
        self.settings.put("secure", "default_input_method", method)
        self.changed()

    def ime_listening(self) -> bool:
        return self.settings.ime == ADB_IME and time.monotonic() >= self.ime_ready_at

    def validate_focus(self) -> None:
        """Drop the focus when its field is no longer on screen (its page was left)."""
        if self.focus is None:
            return
        fields = {id(node.field) for node in self.screen.nodes() if node.field is not None}
        if id(self.focus) not in fields:
            self.focus = None
            self.changed()
