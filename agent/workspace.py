"""The run's workspace: the one folder the built-in file tools read (and, when approved, write).

Without `--workspace`, a run offers the file tools on the folder a user most likely means: a
`workspace/` folder of the working directory if there is one, else the working directory itself.
Never the home folder or the file-system root by surprise: started there, a run offers no file
tools unless `--workspace` names a folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path | None
    why: str  # how the folder was chosen (or why there is none), for the run's note


def choose(given: Path | None, cwd: Path, home: Path) -> Workspace:
    """The workspace of a run started in `cwd` by a user whose home is `home`."""
    if given is not None:
        return Workspace(given, "--workspace")
    inner = cwd / "workspace"
    if inner.is_dir():
        return Workspace(inner, "the working directory's workspace/ folder")
    here = cwd.resolve()
    if here in (home.resolve(), Path(here.anchor)):
        return Workspace(None, f"{here} is your home or the root; pass --workspace DIR for files")
    return Workspace(cwd, "the working directory")


def note(root: Path, writable: bool) -> str:
    """What the model is told beside its task, so it knows the file tools are there."""
    access = (
        "read and write the files in it"
        if writable
        else ("read the files in it (writing is not allowed in this run)")
    )
    return (
        f"The folder {root.resolve()} is your workspace: the `files` tools {access}, with paths "
        "relative to it. Use them for files; use the screen for the rest."
    )
