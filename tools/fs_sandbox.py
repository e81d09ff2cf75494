"""Keeping every path inside the workspace, as the reference filesystem server does.

A path from the model is checked in this order, and refused with `OutsideWorkspace` (whose
message names the path and says why) at the first failure:

1. no NUL byte, at most 4096 characters, no name longer than 255;
2. normalised (`a/../b` is `b`) and, when relative, joined to the root;
3. inside only if it equals the root or starts with the root plus a separator, so `/ws_evil`
   is not inside `/ws` (CVE-2025-53110);
4. symlinks resolved and the real path checked again (CVE-2025-53109); a path that does not
   exist yet is checked through the real path of its nearest existing parent, so a dangling
   link or a linked folder cannot carry a new file outside.

The tools then work on the real path. Writes never follow a symlink: a new file is created
exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`), and an existing one is replaced by a fresh
temporary file in the same folder renamed over it, so a link put there after the check is
replaced, not written through.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

PATH_MAX, NAME_MAX = 4096, 255
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class OutsideWorkspace(ValueError):
    """A path the sandbox refuses (outside, through a link, NUL byte, too long); the message
    names the path and says why."""


def within(path: str, root: str) -> bool:
    """True if the absolute, normalised `path` is `root` or below it (separator-terminated)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Sandbox:
    """A workspace root and the checks every path goes through."""

    def __init__(self, root: Path | str) -> None:
        given = os.path.normpath(os.path.abspath(os.fspath(root)))
        self.root = os.path.realpath(given)
        if not os.path.isdir(self.root):
            raise OutsideWorkspace(f"the workspace {root} is not a directory")
        # An absolute path may name the root as given (say through a linked /tmp) or as it is.
        self._spellings = tuple(dict.fromkeys((self.root, given)))

    def inside(self, real_path: str) -> bool:
        """True if a real (symlink-free) path is inside the workspace."""
        return within(real_path, self.root)

    def resolve(self, path: str) -> Path:
        """The real absolute path that `path` (relative to the root, or absolute inside it)
        names, once every check above has passed; it need not exist yet."""
        _check_text(path)
        normal = os.path.normpath(os.path.join(self.root, path))
        if not any(within(normal, root) for root in self._spellings):
            raise OutsideWorkspace(f"outside the workspace {self.root}: {path!r}")
        if len(normal) > PATH_MAX:
            raise OutsideWorkspace(f"path too long: {len(normal)} characters, at most {PATH_MAX}")
        try:
            return Path(self._real(normal, path))
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise OutsideWorkspace(f"path too long: {path[:80]!r}...") from None
            raise OutsideWorkspace(f"cannot check {path!r}: {exc.strerror}") from None

    def _real(self, normal: str, shown: str) -> str:
        if os.path.lexists(normal):
            real = os.path.realpath(normal)
            if os.path.islink(real):  # realpath stops where links go round in a loop
                raise OutsideWorkspace(f"{shown!r} is a symbolic link loop")
            if not self.inside(real):
                raise OutsideWorkspace(
                    f"outside the workspace {self.root}: {shown!r} leads through a symbolic "
                    f"link to {real}"
                )
            return real
        parent, missing = normal, []
        while not os.path.lexists(parent):
            parent, name = os.path.split(parent)
            missing.append(name)
        real_parent = os.path.realpath(parent)
        if not self.inside(real_parent):
            raise OutsideWorkspace(
                f"outside the workspace {self.root}: {shown!r} would be created through a "
                f"symbolic link to {real_parent}"
            )
        return os.path.join(real_parent, *reversed(missing))

    def relative(self, path: Path | str) -> str:
        """How a real path inside the workspace is shown to the model."""
        return os.path.relpath(path, self.root)

    def write(self, path: Path, data: bytes) -> bool:
        """Write `data` to the resolved `path` without following a symlink there. Returns True
        if the file is new, False if an existing one was replaced (keeping its permissions)."""
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
        except FileExistsError:
            _replace(path, data)
            return False
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return True


def _check_text(path: str) -> None:
    if "\x00" in path:
        raise OutsideWorkspace(f"refused a path with a NUL byte: {path!r}")
    if len(path) > PATH_MAX:
        raise OutsideWorkspace(f"path too long: {len(path)} characters, at most {PATH_MAX}")
    longest = max((len(name) for name in path.split(os.sep)), default=0)
    if longest > NAME_MAX:
        raise OutsideWorkspace(
            f"path too long: a name of {longest} characters, at most {NAME_MAX}: {path[:80]!r}"
        )


def _replace(path: Path, data: bytes) -> None:
    """Replace what is at `path` by a new file: written aside, then renamed over it."""
    old = os.lstat(path)
    if stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    mode = stat.S_IMODE(old.st_mode) if stat.S_ISREG(old.st_mode) else 0o644
    temporary = path.with_name(f".{path.name[:200]}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
