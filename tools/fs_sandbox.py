"""Keeping every path inside the workspace, as the reference filesystem server does.

A path from the model is checked in this order, and refused with `OutsideWorkspace` (whose
message names the path and says why) at the first failure:

1. no NUL byte, at most 4096 characters and 256 parts, no name longer than 255;
2. normalised (`a/../b` is `b`) and, when relative, joined to the root;
3. inside only if it equals the root or starts with the root plus a separator, so `/ws_evil`
   is not inside `/ws` (CVE-2025-53110);
4. symlinks resolved and the real path checked again (CVE-2025-53109); a path that does not
   exist yet is checked through the real path of its nearest existing parent, so a dangling
   link or a linked folder cannot carry a new file outside.

The tools then act on the real path through `tools.fs_beneath`: from a descriptor of the root,
one folder at a time, never following a link, so a folder swapped for a link after the check
cannot carry the act outside (`OutsideWorkspace` says it changed). Writes never follow a link:
a new file is created exclusively, an existing one is replaced by a file written aside and
renamed over it, so a link or hard link there is replaced, not written through; a write is
capped at `max_write` bytes. A regular file with more than one hard link is not read: its
other name may be a file outside the workspace, and nothing here can tell.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tools import fs_beneath
from tools.fs_beneath import Swapped

PATH_MAX, NAME_MAX = 4096, 255
MAX_PARTS = 256  # folders in one path
MAX_WRITE = 16 << 20  # bytes of one write, unless the server is told otherwise


class OutsideWorkspace(ValueError):
    """A path the sandbox refuses (outside, through a link, NUL byte, too long); the message
    names the path and says why."""


def within(path: str, root: str) -> bool:
    """True if the absolute, normalised `path` is `root` or below it (separator-terminated)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Sandbox:
    """A workspace root and the checks every path goes through."""

    def __init__(self, root: Path | str, max_write: int = MAX_WRITE) -> None:
        given = os.path.normpath(os.path.abspath(os.fspath(root)))
        self.root = os.path.realpath(given)
        self.max_write = max_write
        try:
            self._root_fd = os.open(self.root, fs_beneath.DIRECTORY)
        except OSError:
            raise OutsideWorkspace(f"the workspace {root} is not a directory") from None
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

    def close(self) -> None:
        os.close(self._root_fd)

    def parts(self, real: Path | str) -> tuple[str, ...]:
        """The names from the root down to a real path inside it."""
        relative = os.path.relpath(real, self.root)
        return () if relative == "." else tuple(relative.split(os.sep))

    @contextlib.contextmanager
    def folder(self, real: Path | str, create: bool = False) -> Iterator[int]:
        """A descriptor of the folder at `real`, reached beneath the root without following a
        link; with `create`, missing folders are made on the way."""
        with _swaps(real), fs_beneath.folder(self._root_fd, self.parts(real), create) as fd:
            yield fd

    @contextlib.contextmanager
    def parent(self, real: Path | str) -> Iterator[tuple[int, str]]:
        """A descriptor of the folder holding `real`, and its name there."""
        *above, name = self.parts(real) or ("",)
        if not name:
            raise OutsideWorkspace("the workspace root itself cannot be used here")
        with _swaps(real), fs_beneath.folder(self._root_fd, above) as fd:
            yield fd, name

    def lstat(self, real: Path | str) -> os.stat_result | None:
        """What is at `real` (a link is not followed), or None if nothing is."""
        if not self.parts(real):
            return os.fstat(self._root_fd)
        try:
            with self.parent(real) as (fd, name):
                return os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def open_read(self, real: Path | str) -> BinaryIO:
        """The regular file at `real`, open for reading (non-blocking, so a FIFO put there
        cannot hang the call); a file with other hard links is refused."""
        shown = self.relative(real)
        with self.parent(real) as (parent, name), _swaps(real):
            fd = fs_beneath.open_file(parent, name, os.O_RDONLY | os.O_NONBLOCK)
        handle = os.fdopen(fd, "rb")
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            handle.close()
            if stat.S_ISREG(info.st_mode):
                raise OutsideWorkspace(
                    f"{shown!r} has {info.st_nlink} hard links: another of its names may be a "
                    "file outside the workspace, so it is not read"
                )
            raise NotRegular(f"{shown!r} is not a regular file")
        return handle

    def write(self, path: Path, data: bytes) -> bool:
        """Write `data` to the resolved `path` without following a link there. Returns True
        if the file is new, False if an existing one was replaced (keeping its permissions)."""
        if len(data) > self.max_write:
            raise OutsideWorkspace(
                f"refused a write of {len(data)} bytes: at most {self.max_write} bytes a write "
                "(the server's --max-write-bytes)"
            )
        with self.parent(path) as (fd, name), _swaps(path):
            return fs_beneath.write_new_or_replace(fd, name, data)

    def mkdir(self, real: Path) -> None:
        """Make the folder at `real` and any missing parents, one beneath the other."""
        with self.folder(real, create=True):
            pass

    def rename(self, origin: Path | str, target: Path | str) -> None:
        """Move the name `origin` (a link moves as a link) to `target`, which must not exist."""
        with self.parent(origin) as (src, old), self.parent(target) as (dst, new), _swaps(target):
            fs_beneath.rename_no_replace(src, old, dst, new)


class NotRegular(ValueError):
    """The path is a folder, device or FIFO where a regular file is needed."""


@contextlib.contextmanager
def _swaps(real: Path | str) -> Iterator[None]:
    """A `Swapped` component as a refusal that names the path."""
    try:
        yield
    except Swapped as exc:
        if not exc.link:
            raise NotADirectoryError(errno.ENOTDIR, f"{exc.where} is not a folder") from None
        raise OutsideWorkspace(
            f"refused {os.fspath(real)!r}: {exc.where!r} is a symbolic link now (the workspace "
            "changed during the call); nothing was done through it"
        ) from None


def _check_text(path: str) -> None:
    if "\x00" in path:
        raise OutsideWorkspace(f"refused a path with a NUL byte: {path!r}")
    if len(path) > PATH_MAX:
        raise OutsideWorkspace(f"path too long: {len(path)} characters, at most {PATH_MAX}")
    names = path.split(os.sep)
    if len(names) > MAX_PARTS:
        raise OutsideWorkspace(f"path too deep: {len(names)} parts, at most {MAX_PARTS}")
    longest = max((len(name) for name in names), default=0)
    if longest > NAME_MAX:
        raise OutsideWorkspace(
            f"path too long: a name of {longest} characters, at most {NAME_MAX}: {path[:80]!r}"
        )
