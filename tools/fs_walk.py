"""Walking a folder for the filesystem tools: name globs, exclusions, the indented tree.

Folders are walked by descriptor (`os.fwalk`, `openat` beneath the folder before), so a folder
swapped for a link during the walk is not entered. Links to folders are never followed; a link
shows its target. The callers check what a walk yields against the sandbox before reading it.
A content pattern is a regular expression for RE2, which runs in time linear in the text: a
pattern such as `(a+)+$` cannot stall a search (back-references and look-around, which need
backtracking, are refused with RE2's message).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import re2

from tools.fs_beneath import DIRECTORY


class BadPattern(ValueError):
    """A content pattern RE2 cannot compile; the message says why."""


def matcher(content: str, regex: bool, ignore_case: bool) -> Callable[[str], bool]:
    """A line test: `content` as a substring, or as a regular expression (RE2) if `regex`."""
    if regex:
        options = re2.Options()
        options.log_errors = False
        options.case_sensitive = not ignore_case
        try:
            compiled = re2.compile(content, options)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise BadPattern(f"bad regular expression {content[:80]!r}: {reason}") from None
        return lambda line: compiled.search(line) is not None
    if ignore_case:
        folded = content.casefold()
        return lambda line: folded in line.casefold()
    return lambda line: content in line


def _excluded(name: str, relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in patterns)


@dataclass(frozen=True)
class Found:
    """A file (or link) the walk found: its path relative to the top, and where it is."""

    relative: str
    folder_fd: int  # valid until the walk goes on
    name: str


def walk(top_fd: int, pattern: str, exclude: list[str]) -> Iterator[Found]:
    """The files (and links) under the folder `top_fd` matching `pattern`, folders in name
    order; links to folders are not followed."""
    for folder, dirs, names, fd in os.fwalk(".", dir_fd=top_fd):
        base = os.path.normpath(folder)
        dirs[:] = sorted(d for d in dirs if not _excluded(d, os.path.join(base, d), exclude))
        for name in sorted(names):
            relative = os.path.normpath(os.path.join(base, name))
            if _excluded(name, relative, exclude) or not _glob(pattern, name, relative):
                continue
            yield Found(relative, fd, name)


def _glob(pattern: str, name: str, relative: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatch(name, pattern)
    return fnmatch.fnmatch(relative, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatch(relative, pattern[3:])
    )


def tree(fd: int, depth: int, exclude: list[str], base: str = "", level: int = 0) -> Iterator[str]:
    """Lines of an indented tree below the folder `fd`, lazily, so a caller can stop at a cap."""
    try:
        with os.scandir(fd) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield f"{'  ' * level}[cannot read: {exc.strerror}]"
        return
    for entry in entries:
        relative = os.path.join(base, entry.name)
        if _excluded(entry.name, relative, exclude):
            continue
        indent = "  " * level
        kind = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(kind):
            yield f"{indent}{entry.name} -> {os.readlink(entry.name, dir_fd=fd)}"
        elif stat.S_ISDIR(kind):
            yield f"{indent}{entry.name}/"
            if level + 1 < depth:
                yield from _subtree(fd, entry.name, depth, exclude, relative, level + 1)
        else:
            yield f"{indent}{entry.name}"


def _subtree(
    fd: int, name: str, depth: int, exclude: list[str], base: str, level: int
) -> Iterator[str]:
    try:
        child = os.open(name, DIRECTORY, dir_fd=fd)
    except OSError as exc:  # gone, or swapped for a link since it was listed
        yield f"{'  ' * level}[cannot read: {exc.strerror}]"
        return
    try:
        yield from tree(child, depth, exclude, base, level)
    finally:
        os.close(child)


def entry_kind(entry: os.DirEntry[str]) -> str:
    """'links', 'directories', 'files' or 'others', without following a link."""
    if entry.is_symlink():
        return "links"
    if entry.is_dir(follow_symlinks=False):
        return "directories"
    return "files" if entry.is_file(follow_symlinks=False) else "others"
