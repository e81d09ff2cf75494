"""The record of a run on disk: `<out>/<run-id>/` with run.json, trajectory.jsonl, the
screenshots the model saw, and result.json.

Each step is appended and flushed as soon as it ends, so a crash or Ctrl-C loses nothing that
happened before it.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.actions import to_dict
from agent.imaging import EncodedImage
from agent.records import NullObserver, RunResult, StepRecord
from agent.turn import ToolCall


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class Recorder(NullObserver):
    def __init__(self, out: Path | str, run_id: str | None = None) -> None:
        self.run_id = run_id or new_run_id()
        self.dir = Path(out) / self.run_id
        self.dir.mkdir(parents=True, exist_ok=False)
        self._trajectory = (self.dir / "trajectory.jsonl").open("a", encoding="utf-8")
        self._started = time.time()
        self._resumed = False

    @classmethod
    def resume(cls, run_dir: Path | str) -> Recorder:
        """Append to an existing run: its steps stay, new ones follow, result.json is rewritten."""
        run_dir = Path(run_dir)
        recorder = cls.__new__(cls)
        recorder.run_id, recorder.dir = run_dir.name, run_dir
        recorder._trajectory = (run_dir / "trajectory.jsonl").open("a", encoding="utf-8")
        recorder._started = time.time()
        recorder._resumed = True
        return recorder

    def on_start(self, task: str, info: dict[str, Any]) -> None:
        header = self.dir / "run.json"
        if self._resumed:
            data = json.loads(header.read_text())
            data.setdefault("resumed_at", []).append(self._started)
        else:
            data = {"task": task, "started_at": self._started, **info}
        _write_json(header, data)

    def on_step(self, record: StepRecord) -> None:
        screenshot = None
        if record.image is not None:
            screenshot = f"step-{record.index:04d}.{record.image.format}"
            (self.dir / screenshot).write_bytes(record.image.data)
        turn = record.turn
        line = {
            "step": record.index,
            "started_at": record.started_at,
            "ended_at": time.time(),
            "screenshot": screenshot,
            "observation": _observation(record),
            "request": record.request,
            "reasoning": turn.reasoning,
            "reply": turn.text,
            "content": turn.content,
            "said": record.said,
            "tool_calls": [_call(c) for c in turn.tool_calls],
            "calls_from_text": turn.calls_from_text,
            "finish_reason": turn.finish_reason,
            "actions": [
                {
                    "call_id": c.call.id,
                    "call": {"name": c.call.name, "arguments": c.call.arguments},
                    "action": to_dict(c.action) if c.action else None,
                    "tool": None if c.action else c.call.name,
                    "result": c.result,
                    "error": c.error,
                    "images": self._images(record.index, n, c.images),
                    "note": c.note,
                    "act_seconds": round(c.act_seconds, 4),
                    "settle_seconds": round(c.settle_seconds, 4),
                }
                for n, c in enumerate(record.calls, 1)
            ],
            "error": record.error,
            "usage": asdict(turn.usage),
            "attempts": turn.attempts,
            "timings": {k: round(v, 4) for k, v in record.timings.items()},
        }
        self._trajectory.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._trajectory.flush()
        os.fsync(self._trajectory.fileno())

    def _images(self, step: int, call: int, images: tuple[EncodedImage, ...]) -> list[str]:
        names = []
        for n, image in enumerate(images, 1):
            name = f"step-{step:04d}-call{call}-image{n}.{image.format}"
            (self.dir / name).write_bytes(image.data)
            names.append(name)
        return names

    def on_end(self, result: RunResult) -> None:
        self._trajectory.close()
        data = asdict(result)
        data["run_dir"] = str(self.dir)
        data["ended_at"] = time.time()
        _write_json(self.dir / "result.json", data)


def _observation(record: StepRecord) -> dict[str, Any] | None:
    obs = record.observation
    if obs is None:
        return None
    return {
        "screen_size": list(obs.size),
        "image_size": list(record.image.size) if record.image else None,
        "pointer": list(obs.pointer) if obs.pointer else None,
        "focused": obs.focused,
        "timestamp": obs.timestamp,
    }


def _call(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "name": call.name,
        "arguments": call.arguments,
        "raw_arguments": call.raw_arguments,
        "error": call.error,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_trajectory(run_dir: Path | str) -> list[dict[str, Any]]:
    """The recorded steps of a run, in order."""
    path = Path(run_dir) / "trajectory.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
