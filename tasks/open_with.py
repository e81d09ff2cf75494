"""Which app opens a file: the `open` setup step (OSWorld's "open") on this machine.

OSWorld's VM opens a path with the desktop's default app (xdg-open). Our desktop has no file
associations, and guessing through xdg-open would start whatever happens to be installed, so
the table is small and explicit:

    .txt .md .py          mousepad
    .csv .xlsx .gnumeric  gnumeric
    .html .htm            chromium (the flags of tasks/suites/desktop/browser-*.yaml)
    a directory           pcmanfm
"""

from __future__ import annotations

from pathlib import Path

_EDITOR = ("mousepad",)
_SPREADSHEET = ("gnumeric",)
_BROWSER = ("chromium", "--no-sandbox", "--no-first-run", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--password-store=basic")  # fmt: skip
APPS: dict[str, tuple[str, ...]] = {
    ".txt": _EDITOR, ".md": _EDITOR, ".py": _EDITOR,
    ".csv": _SPREADSHEET, ".xlsx": _SPREADSHEET, ".gnumeric": _SPREADSHEET,
    ".html": _BROWSER, ".htm": _BROWSER,
}  # fmt: skip


def can_open(path: str) -> bool:
    """Whether `open` can handle this path, judged by its name alone (it may not exist yet):
    a known extension, or no extension at all (a directory)."""
    suffix = Path(path).suffix.lower()
    return suffix in APPS or not suffix


def open_argv(path: Path, profile: Path) -> list[str]:
    """The command that shows `path`; `profile` keeps the browser's settings out of the user's
    own (Chromium refuses to share a profile between instances)."""
    if path.is_dir():
        return ["pcmanfm", str(path)]
    app = APPS.get(path.suffix.lower())
    if app is None:
        raise ValueError(f"no app here opens {path.name!r}; known: {', '.join(sorted(APPS))}")
    if app is _BROWSER:
        return [*app, f"--user-data-dir={profile}", path.resolve().as_uri()]
    return [*app, str(path)]
