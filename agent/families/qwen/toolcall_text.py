"""Tool calls written as text, for servers started without a tool-call parser.

Two forms exist: hermes JSON (Qwen2.5-VL, Qwen3-VL) and qwen3_coder XML (Qwen3.5). Both are
recognised in any reply, so a server whose parser does not match the model still works.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.families.qwen.qwen3_coder import coder_calls_checked
from agent.turn import ToolCall, decode_arguments, new_call_id

_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)
_HERMES_START = re.compile(r"<tool_call>\s*\{")
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def split_text_calls(
    text: str, schemas: dict[str, dict[str, Any]] | None = None
) -> tuple[str, list[ToolCall]]:
    """Split a reply into the text before its first tool call and the calls it contains.

    A reply whose first call is hermes JSON is read as hermes; any other is read exactly as
    vLLM's qwen3_coder parser reads it (`qwen3_coder`), so text inside a value can never turn
    into another call or parameter than the server would see. `schemas` maps tool names to
    their JSON-schema parameters, used to convert qwen3_coder's string values.
    """
    starts = [i for i in (text.find("<tool_call>"), text.find("<function=")) if i >= 0]
    if not starts:
        return text, []
    first = min(starts)
    head = text[:first]
    if _HERMES_START.match(text, first):
        bodies = [m.group(1) for m in _TOOL_CALL.finditer(text, first)]
        return head.strip(), [_json_call(body) for body in bodies if body.strip()]
    return head.strip(), _xml_calls(text[first:], schemas or {})


def _json_call(body: str) -> ToolCall:
    match = _JSON_OBJECT.search(body)
    raw = match.group(0) if match else body.strip()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return ToolCall(new_call_id(), "", None, raw, f"the tool call is not valid JSON ({reason})")
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return ToolCall(new_call_id(), "", None, raw, 'a tool call needs "name" and "arguments"')
    arguments, error = decode_arguments(data.get("arguments", data.get("parameters")))
    shown = json.dumps(arguments) if arguments is not None else raw
    return ToolCall(new_call_id(), data["name"], arguments, shown, error)


def _xml_calls(text: str, schemas: dict[str, dict[str, Any]]) -> list[ToolCall]:
    tools = tuple({"function": {"name": n, "parameters": p}} for n, p in schemas.items())
    _, found = coder_calls_checked(text, tools, after_reasoning=False)
    calls = []
    for name, raw, twice in found:
        arguments, error = decode_arguments(raw)
        if twice:
            arguments = None
            error = (
                f"the parameter{'s' if len(twice) > 1 else ''} {', '.join(twice)} "
                "appear more than once; give each parameter once"
            )
        calls.append(ToolCall(new_call_id(), name, arguments, raw, error))
    return calls
