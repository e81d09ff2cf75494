"""Acting beneath the workspace root through directory descriptors, never through a path.

A path checked and then used by name can change in between: a second process swaps a folder
of the workspace for a symbolic link to somewhere else, and a write, mkdir, move or read that
follows the name lands outside. So every act here starts from a descriptor of the root and
opens each folder of the (already checked, link-free) path beneath the one before with
`O_NOFOLLOW`: a component that has become a link fails with `Swapped` instead of being
followed. The last component is then used relative to its folder's descriptor (`openat`,
`mkdirat`, `renameat2`, `fstatat`), so nothing is looked up by name from the root again.

`renameat2(RENAME_NOREPLACE)` makes a move fail rather than replace a destination that
appeared after the check; where the C library or file system lacks it, the move checks first.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import secrets
import stat
from collections.abc import Iterator, Sequence

DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_NOFOLLOW | os.O_CLOEXEC
_RENAME_NOREPLACE = 1


class Swapped(OSError):
    """A component of a checked path is now a symbolic link (or no folder): `where` names it."""

    def __init__(self, where: str, link: bool) -> None:
        what = "a symbolic link" if link else "not a folder"
        super().__init__(errno.ELOOP if link else errno.ENOTDIR, f"{where!r} is {what}")
        self.where, self.link = where, link


def open_folder(root_fd: int, parts: Sequence[str], create: bool = False) -> int:
    """A new descriptor of the folder `parts` below the root, each component opened beneath the
    one before without following a link; with `create`, missing folders are made on the way."""
    fd = os.dup(root_fd)
    try:
        for depth, name in enumerate(parts):
            child = _open_child(fd, name, create, parts[: depth + 1])
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_child(fd: int, name: str, create: bool, shown: Sequence[str]) -> int:
    try:
        return os.open(name, DIRECTORY, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=fd)
        return _open_child(fd, name, False, shown)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        link = stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
        raise Swapped(os.path.join(*shown), link) from None


@contextlib.contextmanager
def folder(root_fd: int, parts: Sequence[str], create: bool = False) -> Iterator[int]:
    """`open_folder` as a context: the descriptor is closed afterwards."""
    fd = open_folder(root_fd, parts, create)
    try:
        yield fd
    finally:
        os.close(fd)


def open_file(parent: int, name: str, flags: int, mode: int = 0o666) -> int:
    """`openat(parent, name)` that never follows a link at `name` (`Swapped` if one is there)."""
    try:
        return os.open(name, flags | _FILE, mode, dir_fd=parent)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Swapped(name, link=True) from None
        raise


def write_new_or_replace(parent: int, name: str, data: bytes) -> bool:
    """Create `name` in `parent` exclusively, or replace what is there by a file written aside
    and renamed over it (keeping a regular file's permissions): a link or a hard link at `name`
    is replaced, never written through. True if the file is new."""
    try:
        fd = open_file(parent, name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        _replace(parent, name, data)
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        os.unlink(name, dir_fd=parent)
        raise
    return True


def _replace(parent: int, name: str, data: bytes) -> None:
    old = os.stat(name, dir_fd=parent, follow_symlinks=False)
    if stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", name)
    mode = stat.S_IMODE(old.st_mode) if stat.S_ISREG(old.st_mode) else 0o644
    temporary = f".{name[:200]}.{secrets.token_hex(6)}.tmp"
    fd = open_file(parent, temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode)
        os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=parent)
        raise


def rename_no_replace(src_dir: int, src: str, dst_dir: int, dst: str) -> None:
    """Move `src` (the name itself: a link moves as a link) to `dst`, which must not exist."""
    libc = _libc()
    if libc is not None:
        done = libc.renameat2(src_dir, src.encode(), dst_dir, dst.encode(), _RENAME_NOREPLACE)
        if done == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), dst)
    if _exists(dst_dir, dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst, src_dir_fd=src_dir, dst_dir_fd=dst_dir)


def _exists(parent: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at, name = ctypes.c_int, ctypes.c_char_p
        libc.renameat2.argtypes = [at, name, at, name, ctypes.c_uint]
    except (OSError, AttributeError):
        return None
    return libc
