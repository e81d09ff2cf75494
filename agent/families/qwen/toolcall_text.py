"""Tool calls written as text, for servers started without a tool-call parser.

Two forms exist: hermes JSON (Qwen2.5-VL, Qwen3-VL) and qwen3_coder XML (Qwen3.5). Both are
recognised in any reply, so a server whose parser does not match the model still works.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.turn import ToolCall, decode_arguments, new_call_id

_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)
_FUNCTION = re.compile(r"<function=([^>\s]+)\s*>(.*?)(?:</function>|$)", re.DOTALL)
_PARAMETER = re.compile(
    r"<parameter=([^>\s]+)\s*>\n?(.*?)\n?(?:</parameter>|(?=<parameter=)|$)", re.DOTALL
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def split_text_calls(
    text: str, schemas: dict[str, dict[str, Any]] | None = None
) -> tuple[str, list[ToolCall]]:
    """Split a reply into the text before its first tool call and the calls it contains.

    `schemas` maps tool names to their JSON-schema parameters, used to convert qwen3_coder's
    string values (a coordinate declared as an array comes back as a list).
    """
    starts = [i for i in (text.find("<tool_call>"), text.find("<function=")) if i >= 0]
    if not starts:
        return text, []
    head = text[: min(starts)]
    bodies = [m.group(1) for m in _TOOL_CALL.finditer(text)] or [text[min(starts) :]]
    calls: list[ToolCall] = []
    for body in bodies:
        if "<function=" in body:
            calls.extend(_xml_calls(body, schemas or {}))
        elif body.strip():
            calls.append(_json_call(body))
    return head.strip(), calls


def _json_call(body: str) -> ToolCall:
    match = _JSON_OBJECT.search(body)
    raw = match.group(0) if match else body.strip()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return ToolCall(new_call_id(), "", None, raw, f"the tool call is not valid JSON ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return ToolCall(new_call_id(), "", None, raw, 'a tool call needs "name" and "arguments"')
    arguments, error = decode_arguments(data.get("arguments", data.get("parameters")))
    return ToolCall(
        new_call_id(), data["name"], arguments, json.dumps(data.get("arguments")), error
    )


def _xml_calls(body: str, schemas: dict[str, dict[str, Any]]) -> list[ToolCall]:
    calls = []
    for match in _FUNCTION.finditer(body):
        name, inner = match.group(1), match.group(2)
        properties = schemas.get(name, {}).get("properties", {})
        arguments = {
            key: _convert(value, properties.get(key, {}))
            for key, value in _PARAMETER.findall(inner)
        }
        calls.append(ToolCall(new_call_id(), name, arguments, json.dumps(arguments)))
    return calls


def _convert(value: str, schema: dict[str, Any]) -> Any:
    """Turn a qwen3_coder string value into the schema's type, as vLLM's parser does."""
    kind = schema.get("type")
    if kind == "string":
        return value
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        return value
    if kind in (None, "array", "object", "integer", "number", "boolean"):
        return decoded
    return value
