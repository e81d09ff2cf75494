"""The phone's file system: a dictionary of paths, plus files whose bytes are an app's live state.

Only what the shell and `adb push/pull` see is modelled: directories, regular files, their mode
and mtime. `/sdcard` (also reachable as `/storage/emulated/0` and `/storage/self/primary`) and
`/data/local/tmp` are writable, as for the shell user on a real device; the rest is read-only.

A *mounted* file is backed by two functions instead of stored bytes: reading it serializes the
app's current state and writing it replaces that state. That is how evaluators read what an app
holds and how task setups seed it (`adb push contacts.json ...`), always in agreement with the
screen.
"""

from __future__ import annotations

import errno
import posixpath
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_ALIASES = ("/storage/emulated/0", "/storage/self/primary", "/mnt/sdcard")
WRITABLE = ("/sdcard", "/data/local/tmp")
BASE_DIRS = (
    "/sdcard/Alarms",
    "/sdcard/DCIM",
    "/sdcard/Documents",
    "/sdcard/Download",
    "/sdcard/Movies",
    "/sdcard/Music",
    "/sdcard/Pictures",
    "/sdcard/Android/data",
    "/data/local/tmp",
    "/system/bin",
    "/storage/emulated",
    "/proc",
    "/dev",
    "/vendor",
)


@dataclass
class Entry:
    is_dir: bool
    data: bytes = b""
    mode: int = 0o644
    mtime: int = field(default_factory=lambda: int(time.time()))


@dataclass(frozen=True)
class Mount:
    """A file whose content is an app's state (see the module docstring)."""

    read: Callable[[], bytes]
    write: Callable[[bytes], None]


def normalize(path: str, cwd: str = "/") -> str:
    """An absolute, normalized path with the external-storage aliases folded into /sdcard."""
    path = posixpath.normpath(posixpath.join(cwd, path)) if path else cwd
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    for alias in _ALIASES:
        if path == alias or path.startswith(alias + "/"):
            return "/sdcard" + path[len(alias) :]
    return path


def os_error(code: int, path: str) -> OSError:
    """An OSError whose strerror is the message a device's tools would print."""
    messages = {
        errno.ENOENT: "No such file or directory",
        errno.EACCES: "Permission denied",
        errno.EISDIR: "Is a directory",
        errno.ENOTDIR: "Not a directory",
        errno.ENOTEMPTY: "Directory not empty",
        errno.EEXIST: "File exists",
        errno.EINVAL: "Invalid argument",
    }
    return OSError(code, messages.get(code, "I/O error"), path)


class VirtualFS:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {"/": Entry(True, mode=0o755)}
        self._mounts: dict[str, Mount] = {}
        for directory in BASE_DIRS:
            self._makedirs(directory, 0o771 if directory.startswith("/sdcard") else 0o755)

    def _makedirs(self, path: str, mode: int = 0o771) -> None:
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            current = "/" + "/".join(parts[:depth])
            self._entries.setdefault(current, Entry(True, mode=mode))

    def mount(self, path: str, mount: Mount) -> None:
        path = normalize(path)
        self._makedirs(posixpath.dirname(path))
        self._mounts[path] = mount

    @staticmethod
    def writable(path: str) -> bool:
        return any(path == root or path.startswith(root + "/") for root in WRITABLE)

    # Queries -------------------------------------------------------------------------------

    def is_dir(self, path: str) -> bool:
        entry = self._entries.get(normalize(path))
        return entry is not None and entry.is_dir

    def exists(self, path: str) -> bool:
        path = normalize(path)
        return path in self._entries or path in self._mounts

    def stat(self, path: str) -> tuple[int, int, int] | None:
        path = normalize(path)
        if path in self._mounts:
            return stat.S_IFREG | 0o660, len(self._mounts[path].read()), int(time.time())
        entry = self._entries.get(path)
        if entry is None:
            return None
        kind = stat.S_IFDIR if entry.is_dir else stat.S_IFREG
        return kind | entry.mode, 4096 if entry.is_dir else len(entry.data), entry.mtime

    def listdir(self, path: str) -> list[tuple[str, int, int, int]] | None:
        path = normalize(path)
        if not self.is_dir(path):
            return None
        prefix = path.rstrip("/") + "/"
        names = {
            child[len(prefix) :]
            for child in (*self._entries, *self._mounts)
            if child.startswith(prefix) and child != path and "/" not in child[len(prefix) :]
        }
        listing = []
        for name in sorted(names):
            info = self.stat(prefix + name)
            if info is not None:
                listing.append((name, *info))
        return listing

    def read(self, path: str) -> bytes | None:
        path = normalize(path)
        if path in self._mounts:
            return self._mounts[path].read()
        entry = self._entries.get(path)
        return None if entry is None or entry.is_dir else entry.data

    # Changes -------------------------------------------------------------------------------

    def write(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create or replace a file; OSError as a device would refuse it."""
        path = normalize(path)
        if path in self._mounts:
            self._mounts[path].write(data)
            return
        parent = self._entries.get(posixpath.dirname(path))
        if parent is None or not parent.is_dir:
            raise os_error(errno.ENOENT, path)
        if not self.writable(path):
            raise os_error(errno.EACCES, path)
        existing = self._entries.get(path)
        if existing is not None and existing.is_dir:
            raise os_error(errno.EISDIR, path)
        self._entries[path] = Entry(False, bytes(data), mode & 0o7777)

    def mkdir(self, path: str, parents: bool = False) -> None:
        path = normalize(path)
        if self.exists(path):
            if parents and self.is_dir(path):
                return
            raise os_error(errno.EEXIST, path)
        if not self.writable(path):
            raise os_error(errno.EACCES, path)
        if parents:
            self._makedirs(path)
            return
        if not self.is_dir(posixpath.dirname(path)):
            raise os_error(errno.ENOENT, path)
        self._entries[path] = Entry(True, mode=0o771)

    def remove(self, path: str, recursive: bool = False) -> None:
        """Delete a file, or a directory tree with `recursive`; app state files stay."""
        path = normalize(path)
        if path in self._mounts or not self.writable(path) or path in WRITABLE:
            raise os_error(errno.EACCES if self.exists(path) else errno.ENOENT, path)
        entry = self._entries.get(path)
        if entry is None:
            raise os_error(errno.ENOENT, path)
        if not entry.is_dir:
            del self._entries[path]
            return
        if not recursive:
            raise os_error(errno.EISDIR, path)
        prefix = path + "/"
        kept = {m for m in self._mounts if m.startswith(prefix)}
        for name in [p for p in self._entries if p == path or p.startswith(prefix)]:
            if not any(m == name or m.startswith(name + "/") for m in kept):
                del self._entries[name]
