"""Continue an interrupted run: the conversation rebuilt from its trajectory on disk.

Only what the recorder wrote is used, so any run directory can be resumed, by a new process on
a new desktop; the apps' state on the old desktop is gone unless the run attached to a display
that is still there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.errors import AgentError
from agent.families.base import FORMAT_VERSION, AssistantEntry, Entry, Family, UserEntry
from agent.imaging import EncodedImage, ImageFormat
from agent.takeover import human_note
from agent.trajectory import read_trajectory
from agent.turn import ToolCall, Usage

if TYPE_CHECKING:
    from agent.builder import Resolution


@dataclass
class SavedRun:
    run_dir: Path
    task: str
    info: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        return sum(
            (
                Usage(s["usage"]["prompt_tokens"], s["usage"]["completion_tokens"])
                for s in self.steps
            ),
            Usage(),
        )


def load_run(run_dir: Path | str) -> SavedRun:
    run_dir = Path(run_dir)
    header = run_dir / "run.json"
    if not header.exists():
        raise AgentError(f"{run_dir} is not a run directory: it has no run.json")
    info = json.loads(header.read_text())
    steps = read_trajectory(run_dir) if (run_dir / "trajectory.jsonl").exists() else []
    return SavedRun(run_dir, info.pop("task"), info, steps)


# What the recorder wrote for the actions of a reply the run stopped in the middle of.
STOPPED_MARKS = ("not executed: the run was stopped", "not executed to the end: the run was")
RESUMED_NOTE = "the run was resumed on a fresh screen, where this reply's actions are undone"


def rebuild(saved: SavedRun, protocol: Family, fresh: bool = True) -> list[Entry]:
    """The entries the loop had after the last recorded step.

    A reply the run stopped in the middle of (Ctrl-C, SIGTERM, a crash) is kept as it was
    recorded, with what ran and what did not; on a `fresh` screen its results also say that
    nothing of it is left, so the model looks at the new screenshot before acting again."""
    entries: list[Entry] = []
    for number, step in enumerate(saved.steps, 1):
        if step["request"].get("human"):
            entries.append(UserEntry(text=human_note(step["request"]["reason"])))
            continue
        if step["screenshot"]:
            image = _image(saved.run_dir, step)
            introduced = any(isinstance(e, UserEntry) and e.image for e in entries)
            entries.append(
                UserEntry(image=image) if introduced else protocol.first_entry(saved.task, image)
            )
        if step["error"] and not step["actions"]:
            entries.append(AssistantEntry(content=step["reply"].strip()))
            entries.append(UserEntry(text=protocol.feedback(step["error"])))
            continue
        by_id = {c["id"]: c for c in step["tool_calls"]}
        calls = tuple(_call(a, by_id) for a in step["actions"])
        results = tuple(a["result"] for a in step["actions"])
        if (
            fresh
            and number == len(saved.steps)
            and any(r.startswith(STOPPED_MARKS) for r in results)
        ):
            results = tuple(f"{r} ({RESUMED_NOTE})" for r in results)
        said = step.get("said")
        entries.append(AssistantEntry(step["content"] if said is None else said, calls, results))
    return entries


def _call(action: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> ToolCall:
    """A recorded call: from the action's own record, else the turn's call of that id (records
    written before the action kept its call)."""
    call = action.get("call") or by_id[action["call_id"]]
    return ToolCall(action["call_id"], call["name"], call["arguments"])


def check_family(saved: SavedRun, resolution: Resolution, force: bool) -> None:
    """Refuse to continue a run recorded with another family (its history would be read in
    another format) unless forced."""
    recorded = saved.info.get("family")
    version = saved.info.get("format_version")
    if recorded is None and version is None:
        recorded, version = "qwen", 1  # runs recorded before families were named
    if force:
        return
    if recorded != resolution.spec.name:
        raise AgentError(
            f"{saved.run_dir} was recorded with the {recorded} family, this run would use "
            f"{resolution.spec.name}: pass --family {recorded} to continue it as it was, or "
            "--force-family to continue with the new one"
        )
    if version is not None and int(version) > FORMAT_VERSION:
        raise AgentError(
            f"{saved.run_dir} was recorded in format version {version}, newer than this "
            f"agent's {FORMAT_VERSION}: update the agent, or pass --force-family"
        )


def _image(run_dir: Path, step: dict[str, Any]) -> EncodedImage:
    path = run_dir / step["screenshot"]
    width, height = step["observation"]["image_size"]
    fmt: ImageFormat = "jpeg" if path.suffix in (".jpeg", ".jpg") else "png"
    return EncodedImage(path.read_bytes(), fmt, (width, height))
