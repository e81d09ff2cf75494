"""vLLM 0.33's qwen3_coder tool parser (its Qwen3 parser engine), non-streaming, re-implemented.

The one copy of that parser: the scripted stand-in (`agent.scripted`) plays the server with it,
and the Qwen family reads calls left in the text with it (`toolcall_text`), so the client
understands a reply exactly as the server would. What it does, read
from vllm/parser/qwen3.py and vllm/parser/engine/parser_engine.py of vLLM 0.33.0 and checked
by running them:
- a call starts at `<tool_call>` or at a bare `<function=`; inside `<tool_call>` only
  `<function=NAME>` counts, so any other text there (hermes JSON) is swallowed: no call, and
  nothing of it reaches the content;
- a `<tool_call>` cut before `<function=` gives no call at all; a call cut after
  `<function=NAME` (closed or not) gives that name with `{}` arguments;
- a parameter counts only when `</parameter>` or the next `<parameter=` ends it: one left open
  before `</function>` (or cut by the length limit) is dropped; one newline is trimmed at each
  end of a value; declared parameters are converted by the schema type, others stay strings;
- the content is the text before the first call, stripped, or null when blank; text after a
  call is dropped; when a call was begun, blank content is null; a stray `</think>` after the
  reasoning is dropped.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

Call = tuple[str, str]  # name, arguments as a JSON string
CheckedCall = tuple[str, str, tuple[str, ...]]  # name, arguments, parameters given twice
_CALL_START = re.compile(r"<tool_call>|<function=")
_PARAM = re.compile(
    r"<\s*parameter\s*=\s*([^>]*)>(.*?)(?:<\s*/\s*parameter\s*>|(?=<\s*parameter\s*=))",
    re.DOTALL,
)
_STRING_TYPES = ("string", "str", "text", "varchar", "char", "enum")


def coder_calls(
    text: str, tools: tuple[dict[str, Any], ...], *, after_reasoning: bool = True
) -> tuple[str | None, tuple[Call, ...]]:
    """(content, calls) as vLLM 0.33's qwen3_coder parser returns them for `text`, the text
    after the reasoning (`after_reasoning`: the server also runs the qwen3 reasoning parser)."""
    content, calls = coder_calls_checked(text, tools, after_reasoning=after_reasoning)
    return content, tuple((name, arguments) for name, arguments, _ in calls)


def coder_calls_checked(
    text: str, tools: tuple[dict[str, Any], ...], *, after_reasoning: bool = True
) -> tuple[str | None, tuple[CheckedCall, ...]]:
    """`coder_calls` with, for each call, the parameters it gives more than once (vLLM keeps
    the last one silently; a client refuses such a call)."""
    if after_reasoning:
        text = text.replace("</think>", "")
    first = _CALL_START.search(text)
    if first is None:
        return text or None, ()
    calls: list[CheckedCall] = []
    rest = text[first.start() :]
    while rest:
        rest, call = _one_call(rest, tools)
        if call is not None:
            calls.append(call)
        nxt = _CALL_START.search(rest)
        rest = rest[nxt.start() :] if nxt else ""
    content = text[: first.start()]
    if calls or not content.strip():
        return content.strip() or None, tuple(calls)
    return content, ()


def _one_call(text: str, tools: tuple[dict[str, Any], ...]) -> tuple[str, CheckedCall | None]:
    """Read the call at the start of `text`; return what follows it and the call, if any."""
    if text.startswith("<tool_call>"):
        body = text[len("<tool_call>") :]
        func = body.find("<function=")
        end = body.find("</tool_call>")
        if func < 0 or 0 <= end < func:  # no function inside: swallowed
            return (body[end + len("</tool_call>") :] if end >= 0 else ""), None
        text = body[func:]
    text = text[len("<function=") :]
    name_end = _first(text, (">", "</function>", "</tool_call>", "<tool_call>", "<function="))
    name = text[:name_end].strip()
    if name_end >= len(text) or text[name_end] != ">":
        rest = text[name_end:]
        return _after_function(rest), ((name, "{}", ()) if name else None)
    text = text[name_end + 1 :]
    args_end = _first(text, ("</function>", "<function="))
    raw, rest = text[:args_end], text[args_end:]
    return _after_function(rest), (name, *_arguments(raw, name, tools)) if name else None


def _after_function(rest: str) -> str:
    rest = rest.removeprefix("</function>")
    stripped = rest.lstrip()
    return stripped.removeprefix("</tool_call>") if stripped.startswith("</tool_call>") else rest


def _first(text: str, marks: tuple[str, ...]) -> int:
    found = [i for i in (text.find(mark) for mark in marks) if i >= 0]
    return min(found) if found else len(text)


def _trim(value: str) -> str:
    return value.removeprefix("\n").removesuffix("\n")


def _arguments(
    raw: str, name: str, tools: tuple[dict[str, Any], ...]
) -> tuple[str, tuple[str, ...]]:
    if not raw.strip():
        return "{}", ()
    schema = tool_properties(tools, name)
    found = _PARAM.findall(raw)
    keys = [key for key, _ in found]
    twice = tuple(sorted({key for key in keys if keys.count(key) > 1}))
    values = {key: _trim(value) for key, value in found}
    converted = {key: convert_parameter(value, schema.get(key)) for key, value in values.items()}
    try:
        return json.dumps(converted, ensure_ascii=False), twice
    except (RecursionError, ValueError):  # nested too deep, or NaN from a literal
        return json.dumps({k: v for k, v in values.items()}, ensure_ascii=False), twice


def tool_properties(tools: tuple[dict[str, Any], ...], name: str) -> dict[str, Any]:
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and function.get("name") == name:
            return (function.get("parameters") or {}).get("properties") or {}
    return {}


def _schema_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        kind = schema["type"]
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        return str(kind).strip().lower()
    for option in schema.get("anyOf") or ():
        if isinstance(option, dict) and option.get("type") not in (None, "null"):
            return str(option["type"]).strip().lower()
    return "string"


def convert_parameter(value: str, schema: Any) -> Any:
    """A parameter's text converted by the type its schema declares (strings stay strings)."""
    if not isinstance(schema, dict):
        return value
    kind = _schema_type(schema)
    if kind in _STRING_TYPES:
        return value
    if value.lower() in ("null", "none"):
        return None
    if kind.startswith(("int", "uint", "long", "short", "unsigned")):
        return int(value) if re.fullmatch(r"\s*[-+]?\d+\s*", value) else value
    if kind.startswith(("num", "float")):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if kind in ("boolean", "bool", "binary"):
        return value.lower() == "true"
    container = kind in ("object", "array", "arr") or kind.startswith(("dict", "list"))
    return _literal(value, container)


def _literal(value: str, container: bool) -> Any:
    if container:
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            pass
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value
