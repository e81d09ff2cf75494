"""Re-implementations of the vLLM output parsers a Qwen deployment uses.

Part of the scripted stand-in for a vLLM OpenAI server (`agent.scripted`). Mirrored from
vLLM's source (vllm-project/vllm, 2026):
- qwen3 reasoning parser: strips `<think>` and splits at `</think>` without trimming, so with
  thinking on the reasoning keeps its newlines and content starts with "\\n\\n"; no `</think>`
  with thinking on (output cut by max_tokens) means everything is reasoning and content null;
- hermes tool parser: `json.loads` of every `<tool_call>` body; any failure leaves the whole
  text in content; arguments are re-dumped with `json.dumps(..., ensure_ascii=False)`; content
  is the text before the first `<tool_call>`, or null. While streaming it cuts the name (regex)
  and the raw argument text (bracket matching) out of the text without validating the JSON;
- qwen3_coder tool parser: nothing is parsed unless `<function=` occurs (so hermes JSON stays
  content); parameter values are converted by the type the request's tool schema declares,
  undeclared parameters stay strings;
- tool_choice "required" / named: guided decoding makes the model write plain JSON.
Simplification: a turn with empty reasoning stands for a model that wrote no think block, and
its text is content (current vLLM files such output under reasoning when thinking is on; use
`ScriptedTurn(truncated=True)` for a missing `</think>`).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from agent.scripted.request import RequestPlan, VLLMConfig


@dataclass(frozen=True)
class Generation:
    text: str  # the raw model output
    finish: str  # "stop" | "length"
    tokens: int


@dataclass(frozen=True)
class ParsedCall:
    name: str
    arguments: str  # a JSON string, as in `tool_calls[].function.arguments`


@dataclass(frozen=True)
class ParsedOutput:
    reasoning: str | None
    content: str | None
    calls: tuple[ParsedCall, ...] = ()


def parse_output(
    gen: Generation, plan: RequestPlan, config: VLLMConfig, *, streaming: bool = False
) -> ParsedOutput:
    """Split the raw text into reasoning, content and tool calls as vLLM would."""
    reasoning, content = _split_reasoning(gen, plan, config)
    if plan.tool_mode == "text":
        return ParsedOutput(reasoning, content)
    if plan.tool_mode != "parse":
        return ParsedOutput(reasoning, "", _guided_calls(content or "", plan))
    parser = _hermes_calls if config.tool_parser == "hermes" else _xml_calls
    before, calls = parser(content or "", plan.tools, streaming)
    if not calls:
        return ParsedOutput(reasoning, content)
    return ParsedOutput(reasoning, before or None, calls)


def _split_reasoning(
    gen: Generation, plan: RequestPlan, config: VLLMConfig
) -> tuple[str | None, str | None]:
    if config.reasoning_parser is None:
        return None, gen.text
    before, tag, after = gen.text.partition("<think>")
    text = after if tag else before
    if "</think>" in text:
        reasoning, _, content = text.partition("</think>")
    elif plan.thinking and gen.finish == "length":
        reasoning, content = text, ""
    else:
        reasoning, content = "", text
    return (reasoning or None) if plan.include_reasoning else None, content or None


_HERMES_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*)", re.DOTALL)
_HERMES_NAME_RE = re.compile(r'"name"\s*:\s*"([^"]+)"')
_HERMES_ARGS_RE = re.compile(r'"arguments"\s*:\s*')


def _hermes_calls(
    text: str, tools: tuple[dict[str, Any], ...], streaming: bool
) -> tuple[str, tuple[ParsedCall, ...]]:
    start = text.find("<tool_call>")
    if start < 0:
        return text, ()
    if streaming:
        return text[:start], _hermes_stream_calls(text)
    try:
        found = [json.loads(closed or open_) for closed, open_ in _HERMES_RE.findall(text)]
        calls = tuple(
            ParsedCall(call["name"], json.dumps(call["arguments"], ensure_ascii=False))
            for call in found
        )
    except (ValueError, KeyError, TypeError):
        return text, ()
    return text[:start], calls


def _hermes_stream_calls(text: str) -> tuple[ParsedCall, ...]:
    """The streaming hermes parser: name by regex, arguments by bracket matching, no JSON."""
    calls = []
    for closed, open_ in _HERMES_RE.findall(text):
        body = (closed or open_).strip()
        name = _HERMES_NAME_RE.search(body)
        if name is None:
            break
        calls.append(ParsedCall(name.group(1), _hermes_raw_arguments(body)))
    return tuple(calls)


def _hermes_raw_arguments(body: str) -> str:
    match = _HERMES_ARGS_RE.search(body)
    if match is None:
        return ""
    raw = body[match.end() :]
    if not raw or raw[0] not in "{[":
        raw = raw.rstrip()
        return raw[:-1].rstrip() if raw.endswith("}") else raw
    return raw[: _balanced_end(raw)]


def _balanced_end(raw: str) -> int:
    """Index just past the bracket that closes raw[0], ignoring brackets inside strings."""
    opening, closing = raw[0], "}" if raw[0] == "{" else "]"
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(raw):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in (opening, closing):
            depth += 1 if char == opening else -1
            if depth == 0:
                return index + 1
    return len(raw)


_XML_BLOCK_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*?)$", re.DOTALL)
_XML_FUNCTION_RE = re.compile(r"<function=(.*?)</function>|<function=(.*)$", re.DOTALL)
_XML_PARAMETER_RE = re.compile(
    r"<parameter=(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|$)", re.DOTALL
)
_STRING_TYPES = ("string", "str", "text", "varchar", "char", "enum")


def _xml_calls(
    text: str, tools: tuple[dict[str, Any], ...], streaming: bool
) -> tuple[str, tuple[ParsedCall, ...]]:
    if "<function=" not in text:
        return text, ()
    blocks = [closed or open_ for closed, open_ in _XML_BLOCK_RE.findall(text)] or [text]
    calls = []
    for block in blocks:
        for closed, open_ in _XML_FUNCTION_RE.findall(block):
            call = _xml_call(closed or open_, tools)
            if call is not None:
                calls.append(call)
    start = text.find("<tool_call>")
    return text[: start if start >= 0 else text.find("<function=")], tuple(calls)


def _xml_call(text: str, tools: tuple[dict[str, Any], ...]) -> ParsedCall | None:
    name, found, parameters = text.partition(">")
    if not found or not name or any(char in "{}<>\"' \t\n\r" for char in name):
        return None
    schema = _tool_properties(tools, name)
    arguments = {}
    for match in _XML_PARAMETER_RE.findall(parameters):
        key, _, value = match.partition(">")
        value = value.removeprefix("\n").removesuffix("\n")
        arguments[key] = _convert_parameter(value, schema.get(key))
    return ParsedCall(name, json.dumps(arguments, ensure_ascii=False))


def _tool_properties(tools: tuple[dict[str, Any], ...], name: str) -> dict[str, Any]:
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and function.get("name") == name:
            return (function.get("parameters") or {}).get("properties") or {}
    return {}


def _schema_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"]).strip().lower()
    for option in schema.get("anyOf") or ():
        if isinstance(option, dict) and option.get("type") not in (None, "null"):
            return str(option["type"]).strip().lower()
    return "string"


def _convert_parameter(value: str, schema: Any) -> Any:
    """qwen3_coder: the parameter text converted by the type its schema declares."""
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
        except ValueError:
            pass
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def _guided_calls(content: str, plan: RequestPlan) -> tuple[ParsedCall, ...]:
    if plan.tool_mode == "named":
        return (ParsedCall(plan.named or "", content),)
    try:
        return tuple(
            ParsedCall(call["name"], json.dumps(call["parameters"], ensure_ascii=False))
            for call in json.loads(content)
        )
    except (ValueError, KeyError, TypeError):
        return ()
