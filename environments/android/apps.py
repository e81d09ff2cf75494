"""Apps by the names people use: "Settings", "Contacts", or a package id.

A name is resolved in this order: an installed package id; the table below of common apps
(first installed candidate wins, so AOSP and Google builds both work); an installed package
whose last part is the name ("notes" -> com.example.notes); the label of an icon on the home
screen (found in the UI tree and tapped, as a user would).
"""

from __future__ import annotations

import re

from adbutils import AdbDevice

from agent.errors import InvalidAction

COMMON_APPS: dict[str, tuple[str, ...]] = {
    "settings": ("com.android.settings",),
    "contacts": ("com.android.contacts", "com.google.android.contacts"),
    "phone": ("com.android.dialer", "com.google.android.dialer"),
    "messages": ("com.android.messaging", "com.google.android.apps.messaging"),
    "chrome": ("com.android.chrome",),
    "browser": ("com.android.chrome", "org.chromium.webview_shell", "com.android.browser"),
    "camera": ("com.android.camera2", "com.google.android.GoogleCamera"),
    "clock": ("com.android.deskclock", "com.google.android.deskclock"),
    "calculator": ("com.android.calculator2", "com.google.android.calculator"),
    "calendar": ("com.android.calendar", "com.google.android.calendar"),
    "files": ("com.android.documentsui", "com.google.android.documentsui"),
    "photos": ("com.google.android.apps.photos", "com.android.gallery3d"),
    "gallery": ("com.android.gallery3d", "com.google.android.apps.photos"),
    "gmail": ("com.google.android.gm",),
    "maps": ("com.google.android.apps.maps",),
    "play store": ("com.android.vending",),
    "youtube": ("com.google.android.youtube",),
    "notes": ("com.example.notes", "com.google.android.keep"),
    "keep": ("com.google.android.keep",),
}
_PACKAGE = re.compile(r"[A-Za-z][\w]*(\.[A-Za-z][\w]*)+")


def installed_packages(device: AdbDevice) -> list[str]:
    output = device.shell("pm list packages")
    return [line.removeprefix("package:").strip() for line in output.splitlines() if line]


def resolve_package(name: str, packages: list[str]) -> str | None:
    """The package `name` stands for among `packages`, or None (then try the home screen)."""
    if _PACKAGE.fullmatch(name) and name in packages:
        return name
    key = " ".join(name.casefold().split())
    for candidate in COMMON_APPS.get(key, ()):
        if candidate in packages:
            return candidate
    squashed = key.replace(" ", "")
    matches = [p for p in packages if p.rsplit(".", 1)[-1].casefold() == squashed]
    return matches[0] if len(matches) == 1 else None


def launch(device: AdbDevice, package: str) -> None:
    output = device.shell(["monkey", "-p", package, "-c", "android.intent.category.LAUNCHER", "1"])
    if "No activities found" in output or "Error" in output:
        raise InvalidAction(f"{package} has no launcher activity to open: {output.strip()}")
