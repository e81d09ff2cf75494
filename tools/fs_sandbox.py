"""Keeping every path inside the workspace, as the reference filesystem server does.

NUL bytes are refused; paths are normalised; a path is inside only if it equals the root or
starts with the root plus a separator (so `/ws_evil` is not inside `/ws`); symlinks are resolved
and checked again; a path that does not exist yet is checked through the real path of its
nearest existing parent; and writes go to a new temporary file that replaces the target, so a
write never follows a symlink.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

_PATH_MAX, _NAME_MAX = 4096, 255


class OutsideWorkspace(ValueError):
    """A path the model may not touch; the message says which and why."""


class Sandbox:
    def __init__(self, root: Path | str) -> None:
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise OutsideWorkspace(f"the workspace {root} is not a directory")

    def _inside(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root.rstrip(os.sep) + os.sep)

    def resolve(self, path: str) -> Path:
        """The absolute path for `path` (relative to the root, or absolute inside it)."""
        if "\x00" in path:
            raise OutsideWorkspace("paths may not contain NUL bytes")
        joined = path if os.path.isabs(path) else os.path.join(self.root, path)
        normal = os.path.normpath(joined)
        if not self._inside(normal):
            raise OutsideWorkspace(f"{path!r} is outside the workspace {self.root}")
        if len(normal) >= _PATH_MAX or any(len(part) > _NAME_MAX for part in normal.split(os.sep)):
            raise OutsideWorkspace(f"the path is too long ({len(path)} characters)")
        try:
            if os.path.lexists(normal):
                real = os.path.realpath(normal)
                if not self._inside(real):
                    raise OutsideWorkspace(
                        f"{path!r} is a link that leads outside the workspace {self.root}"
                    )
                return Path(normal)
            parent = os.path.dirname(normal)
            while not os.path.lexists(parent):
                parent = os.path.dirname(parent)
            if not self._inside(os.path.realpath(parent)):
                raise OutsideWorkspace(
                    f"{path!r} would be created through a link that leads outside {self.root}"
                )
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise OutsideWorkspace(f"the path is too long ({len(path)} characters)") from None
            raise
        return Path(normal)

    def relative(self, path: Path) -> str:
        return os.path.relpath(path, self.root)

    def write(self, path: Path, data: bytes) -> None:
        """Write through a fresh temporary file renamed over the target: a symlink at `path` is
        replaced, never followed."""
        folder = path.parent
        temporary = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(temporary, flags, 0o644)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
