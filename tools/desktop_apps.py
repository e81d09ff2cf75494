"""Installed desktop apps, read from their .desktop files (the freedesktop.org entries)."""

from __future__ import annotations

import configparser
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

APP_DIRS = (Path("/usr/share/applications"), Path("/usr/local/share/applications"))


@dataclass(frozen=True)
class DesktopApp:
    id: str
    name: str
    command: tuple[str, ...]
    categories: tuple[str, ...]


def installed_apps(extra_dirs: tuple[Path, ...] = ()) -> list[DesktopApp]:
    home = Path(os.environ.get("HOME", "~")).expanduser() / ".local/share/applications"
    found: dict[str, DesktopApp] = {}
    for folder in (*APP_DIRS, home, *extra_dirs):
        for path in sorted(folder.glob("*.desktop")) if folder.is_dir() else []:
            app = _read(path)
            if app is not None:
                found[app.id] = app
    return sorted(found.values(), key=lambda a: a.name.lower())


def _read(path: Path) -> DesktopApp | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    if "Desktop Entry" not in parser:
        return None
    entry = parser["Desktop Entry"]
    if entry.get("Type") != "Application" or entry.get("NoDisplay", "").lower() == "true":
        return None
    try:
        words = shlex.split(entry.get("Exec", ""))
    except ValueError:
        return None
    command = tuple(w for w in words if not (len(w) == 2 and w.startswith("%")))
    if not command or "Name" not in entry:
        return None
    categories = tuple(c for c in entry.get("Categories", "").split(";") if c)
    return DesktopApp(path.stem, entry["Name"], command, categories)


def find_app(apps: list[DesktopApp], name: str) -> DesktopApp:
    wanted = name.lower().removesuffix(".desktop")
    for app in apps:
        if wanted in (app.id.lower(), app.name.lower()) or app.id.lower().endswith("." + wanted):
            return app
    matches = [app for app in apps if wanted in app.name.lower()]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(app.name for app in (matches or apps)[:30])
    raise LookupError(f"no single app called {name!r}; apps: {names}")
