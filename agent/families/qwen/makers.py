"""Qwen's GUI conversations as the makers ran them: the default rendering of the Qwen family.

Three formats, each rebuilt from the makers' code (the texts are package data in `makers/`):
- computer_use for Qwen3-VL / Qwen3.5: OSWorld's Qwen3-VL agent (mm_agents/qwen3vl_agent.py):
  the tool schema and a "Response format" section (one `Action:` line, then one `<tool_call>`)
  in the system prompt; the instruction and the text list of previous actions in the first
  user turn of the window; the last `history` steps as screenshot + assistant text; the
  current screenshot last. Steps before the window keep only their `Action:` line.
- computer_use for Qwen2.5-VL: OSWorld's Qwen2.5-VL agent (mm_agents/qwen25vl_agent.py), the
  same conversation with Qwen2.5-VL's own action set and no response-format section; a step
  without an `Action:` line is listed as "Performing click action" (its pyautogui function).
- mobile_use for Qwen3-VL / Qwen3.5: the Qwen3-VL mobile notebook (cookbooks/mobile_agent.ipynb):
  one system and one user turn per step, "The user query: ..." and "Task progress ...: Step 1:
  ...; " before the current screenshot; no assistant turns.
No tools go in the request: the schema is in the system prompt, so the server's tool-call
parser never sees the call and cannot swallow it; the reply's text is read by the family.
A dropped window start moves `chunk` steps at a time (1 is the makers' sliding window; more
keeps the prompt prefix stable for the server's prefix cache between moves).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from agent.families.base import AssistantEntry, Entry, UserEntry
from agent.imaging import EncodedImage

GUI_TOOLS = ("computer_use", "mobile_use")
MakersFormat = Literal["osworld-qwen3vl", "osworld-qwen25vl", "qwen3vl-mobile"]

# OSWorld's parser names a step without an `Action:` line after its first pyautogui call.
_PYAUTOGUI = {
    "left_click": "click",
    "right_click": "rightClick",
    "middle_click": "middleClick",
    "double_click": "doubleClick",
    "type": "typewrite",
    "scroll": "scroll",
    "mouse_move": "moveTo",
    "left_click_drag": "dragTo",
}


@cache
def text(name: str) -> str:
    """A makers' text from package data, byte for byte (not stripped)."""
    return (resources.files("agent.families.qwen") / "makers" / name).read_text(encoding="utf-8")


@cache
def tool_definition(name: str) -> dict[str, Any]:
    """The makers' tool definition (`makers/NAME_tool.json`), key order kept."""
    data: dict[str, Any] = json.loads(text(f"{name}_tool.json"))
    return data


def system_prompt(fmt: MakersFormat, screen: str, extra_tools: list[dict[str, Any]]) -> str:
    """The system prompt: the makers' tool JSON (one line per tool, `json.dumps` defaults as the
    makers write it) inside their template. `screen` fills the resolution sentence where the
    makers' description has one ("1000x1000" on the relative grid, else WxH)."""
    base = "qwen3vl_mobile" if fmt == "qwen3vl-mobile" else fmt.replace("-", "_")
    tool = json.loads(json.dumps(tool_definition(base)))
    function = tool["function"]
    function["description"] = function["description"].replace("{screen}", screen)
    lines = [json.dumps(tool), *(json.dumps(t) for t in extra_tools)]
    return text(f"{base}_system.txt").replace("{tools}", "\n".join(lines))


def schemas(fmt: MakersFormat, extra_tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tools as function schemas, to read the calls in the reply's text."""
    base = "qwen3vl_mobile" if fmt == "qwen3vl-mobile" else fmt.replace("-", "_")
    return [tool_definition(base), *extra_tools]


def action_line(said: str, calls: list[tuple[str, dict[str, Any] | None]]) -> str:
    """What OSWorld's parser records of a reply: its first `Action:` line, else "Performing F
    action" after the pyautogui function of the first call."""
    for line in said.split("\n"):
        line = line.strip()
        if line.lower().startswith("action:"):
            return line.split("Action:")[-1].strip()
    for name, arguments in calls:
        action = (arguments or {}).get("action") if name in GUI_TOOLS else ""
        if action == "key":
            keys = (arguments or {}).get("keys") or []
            return f"Performing {'hotkey' if len(keys) > 1 else 'press'} action"
        if action:
            return f"Performing {_PYAUTOGUI.get(str(action), action)} action"
    return ""


@dataclass(frozen=True)
class Step:
    """One past model turn: the screenshot it answered, what it said, the notes after it."""

    screenshot: EncodedImage | None
    said: str
    action: str
    notes: tuple[UserEntry, ...] = ()


@dataclass(frozen=True)
class Conversation:
    task: str
    steps: tuple[Step, ...]
    current: EncodedImage | None
    notes: tuple[UserEntry, ...]  # after the last step (feedback waiting for an answer)


def conversation(entries: list[Entry]) -> Conversation:
    """The entries the loop keeps, read as the makers' steps."""
    task = entries[0].text if entries and isinstance(entries[0], UserEntry) else ""
    steps: list[Step] = []
    image: EncodedImage | None = None
    notes: list[UserEntry] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, AssistantEntry):
            calls = [(c.name, c.arguments) for c in entry.tool_calls]
            # what another tool (an MCP tool) returned, and a screen action that failed or was
            # skipped, reach the model as user notes
            notes = [
                UserEntry(text=f"{call.name} returned:\n{result}")
                for call, result in zip(entry.tool_calls, entry.results, strict=False)
                if call.name not in GUI_TOOLS or result.startswith(("error", "not executed"))
            ]
            said = entry.content
            steps.append(Step(image, said, action_line(said, calls), tuple(notes)))
        elif entry.image is not None and (index == 0 or not entry.text):
            image = entry.image
        elif index > 0:
            notes.append(entry)
            if steps:
                last = steps[-1]
                steps[-1] = Step(last.screenshot, last.said, last.action, tuple(notes))
    return Conversation(task, tuple(steps), image, tuple(notes) if not steps else ())


def window_start(done: int, history: int, chunk: int) -> int:
    """The first step shown in full: the makers' `max(0, done - history)`, moved `chunk` at a
    time."""
    start = max(0, done - history)
    chunk = max(1, chunk)
    return -(-start // chunk) * chunk


def _image(image: EncodedImage) -> dict[str, Any]:
    return image.content_part()


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def _notes(notes: tuple[UserEntry, ...]) -> list[dict[str, Any]]:
    messages = []
    for note in notes:
        parts = [_text(note.text)] if note.text else []
        if note.image is not None:
            parts.append(_image(note.image))
        messages.append({"role": "user", "content": parts})
    return messages


def render_osworld(
    fmt: MakersFormat, system: str, entries: list[Entry], history: int, chunk: int
) -> list[dict[str, Any]]:
    """OSWorld's Qwen agents' messages for the next step."""
    talk = conversation(entries)
    done = len(talk.steps)
    start = window_start(done, history, chunk)
    previous = "\n".join(f"Step {i + 1}: {s.action}" for i, s in enumerate(talk.steps[:start]))
    instruction = text("osworld_instruction.txt").format(
        instruction=talk.task, previous=previous or "None"
    )
    messages: list[dict[str, Any]] = [{"role": "system", "content": [_text(system)]}]
    for offset, step in enumerate(talk.steps[start:]):
        parts = [_image(step.screenshot)] if step.screenshot is not None else []
        if offset == 0:
            parts.append(_text(instruction))
        messages.append({"role": "user", "content": parts})
        messages.append({"role": "assistant", "content": [_text(step.said)]})
        messages.extend(_notes(step.notes))
    current = [_image(talk.current)] if talk.current is not None else []
    if start == done:
        current.append(_text(instruction))
    messages.append({"role": "user", "content": current})
    messages.extend(_notes(talk.notes))
    return messages


def render_mobile(system: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """The Qwen3-VL mobile notebook's two messages for the next step."""
    talk = conversation(entries)
    history = "".join(
        f"Step {i + 1}: {s.action.replace(chr(10), '').replace(chr(34), '')}; "
        for i, s in enumerate(talk.steps)
    )
    query = text("qwen3vl_mobile_user.txt").format(instruction=talk.task, history=history)
    parts = [_text(query)]
    if talk.current is not None:
        parts.append(_image(talk.current))
    notes = talk.steps[-1].notes if talk.steps else talk.notes
    return [
        {"role": "system", "content": [_text(system)]},
        {"role": "user", "content": parts},
        *_notes(notes),
    ]
