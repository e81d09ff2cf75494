"""What every virtual app is: a package with a launcher activity, an icon, a screen and data.

An app keeps two kinds of state. Its *data* (contacts, notes) survives `am force-stop` and is
exposed as JSON files in the phone's file system; its *UI state* (which page, scroll offsets,
open menus) is lost when the process is stopped, as Android would destroy the activity.
"""

from __future__ import annotations

import errno
import json
from typing import Any

from environments.android.virtual_phone.files import Mount
from environments.android.virtual_phone.ui import Color, Node
from environments.android.virtual_phone.widgets import Context


class App:
    package: str = ""
    activity: str = ""  # relative to the package, as `am start -n PKG/.Activity` takes it
    label: str = ""
    color: Color = (95, 99, 104)
    glyph: str = ""
    third_party: bool = False

    @property
    def component(self) -> str:
        return f"{self.package}/{self.activity}"

    @property
    def activity_class(self) -> str:
        """The activity's full class name (what window titles show)."""
        if self.activity.startswith("."):
            return self.package + self.activity
        return self.activity

    def build(self, ctx: Context) -> list[Node]:
        """The views of the current page inside `ctx.area`; the last ones are on top."""
        raise NotImplementedError

    def back(self) -> bool:
        """Handle BACK inside the app; False when the app's first page should close."""
        return False

    def stop(self) -> None:
        """Forget UI state, as when the process dies; data stays."""

    def reset(self) -> None:
        """Factory data and a fresh UI."""
        self.stop()

    def files(self) -> dict[str, Mount]:
        """State files (path -> reader and writer) that mirror this app's data."""
        return {}


def data_dir(package: str) -> str:
    return f"/sdcard/Android/data/{package}/files"


def dump_json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def load_json_list(data: bytes, path: str) -> list[Any]:
    """A pushed state file's list, or the OSError `adb push` reports for a malformed one."""
    try:
        value = json.loads(data.decode("utf-8") or "[]")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OSError(errno.EINVAL, f"{path} is not JSON: {exc}") from exc
    if not isinstance(value, list):
        raise OSError(errno.EINVAL, f"{path} must hold a JSON list")
    return value
