"""Run scripts for `python -m agent.scripted --script FILE|NAME`: the turn format, the example
scripts shipped under `agent/scripted/examples/`, and one-line errors for a bad file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from agent.scripted.request import ScriptedCall, ScriptedTurn

FORMAT = """\
A script is a JSON list of turns, served one per model request in order:

  [{"reasoning": "The editor icon is at the top left.",
    "calls": [{"name": "computer_use",
               "arguments": {"action": "double_click", "coordinate": [55, 231]}}]},
   {"calls": [{"name": "computer_use", "arguments": {"action": "answer", "text": "done"}}]}]

A turn's keys: "reasoning" (the thinking text), "content" (reply text), "calls" (tool calls,
each {"name", "arguments"}: computer_use on a desktop, mobile_use on a phone, an MCP tool by its
full name such as files__csv_profile), and rarely "truncated", "raw", "output". Coordinates
are on the model's grid (0-1000 for Qwen3-VL). `agent doctor`'s probes do not use up turns.

Examples, runnable by name: {names}
  python -m agent.scripted --script desktop-haiku &
  agent run "open the text editor and write a haiku" --model-url http://127.0.0.1:8000/v1"""


class ScriptError(ValueError):
    """A script that cannot be served; the message is one line naming the fix."""


def examples() -> dict[str, Path]:
    folder = resources.files("agent.scripted") / "examples"
    found = [p for p in folder.iterdir() if p.name.endswith(".json")]
    return {p.name.removesuffix(".json"): Path(str(p)) for p in found}


def help_text() -> str:
    return FORMAT.replace("{names}", ", ".join(sorted(examples())))


def resolve(given: str) -> Path:
    path = Path(given)
    if path.is_file():
        return path
    shipped = examples()
    if given in shipped:
        return shipped[given]
    raise ScriptError(
        f"no script {given!r}: give a JSON file, or an example name ({', '.join(sorted(shipped))})"
    )


def load(given: str | Path) -> list[ScriptedTurn]:
    """The turns of a script file or example name; ScriptError (one line) if it is not one."""
    path = resolve(str(given))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list) or not data:
        raise ScriptError(f"{path}: expected a non-empty JSON list of turns")
    return [_turn(item, path, n) for n, item in enumerate(data, 1)]


_KEYS = {"reasoning", "content", "calls", "truncated", "raw", "output"}


def _turn(data: object, path: Path, number: int) -> ScriptedTurn:
    where = f"{path}: turn {number}"
    if not isinstance(data, dict):
        raise ScriptError(f'{where} is not an object like {{"calls": [...]}}')
    unknown = set(data) - _KEYS
    if unknown:
        raise ScriptError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(_KEYS)})")
    calls = data.get("calls", [])
    if not isinstance(calls, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls
    ):
        raise ScriptError(f'{where}: "calls" is a list of {{"name": ..., "arguments": {{...}}}}')
    return ScriptedTurn(
        reasoning=str(data.get("reasoning", "")),
        content=str(data.get("content", "")),
        calls=tuple(ScriptedCall(c["name"], c.get("arguments", {})) for c in calls),
        truncated=bool(data.get("truncated", False)),
        raw=data.get("raw"),
        output=data.get("output"),
    )
