"""Re-implementations of the vLLM 0.33 output parsers a Qwen deployment uses.

Part of the scripted stand-in for a vLLM OpenAI server (`agent.scripted`). Read from vLLM
0.33.0's source (vllm/parser/qwen3.py, vllm/parser/engine/, vllm/tool_parsers/hermes_tool_parser.py)
and checked by running those parsers on the same texts:
- qwen3 reasoning parser: with thinking on (the default when the request does not send
  `enable_thinking: false`) everything is reasoning until `</think>`, or until a `<tool_call>`,
  which ends the reasoning implicitly and is parsed as a call; no `</think>` and no call means
  all of it is reasoning and content is null, whether the model stopped or was cut. A leading
  `<think>` is dropped; nothing is trimmed. Thinking off: all text is content;
- hermes tool parser: `json.loads` of every `<tool_call>` body; any failure leaves the whole
  text in content (qwen3_coder XML stays there for the client to read); arguments are
  re-dumped with `json.dumps(..., ensure_ascii=False)`; content is the text before the first
  `<tool_call>`, unstripped, or null when blank. While streaming it cuts the name (regex) and
  the raw argument text (bracket matching) out of the text without validating the JSON;
- qwen3_coder tool parser: `agent.families.qwen.qwen3_coder`;
- tool_choice "required" / named: guided decoding makes the model write plain JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agent.families.qwen.qwen3_coder import coder_calls
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
    if config.tool_parser == "hermes":
        before, calls = _hermes_calls(content or "", plan.tools, streaming)
        if not calls:
            return ParsedOutput(reasoning, content)
        return ParsedOutput(reasoning, before if before.strip() else None, calls)
    after_reasoning = config.reasoning_parser is not None
    text, found = coder_calls(content or "", plan.tools, after_reasoning=after_reasoning)
    return ParsedOutput(reasoning, text, tuple(ParsedCall(n, a) for n, a in found))


def _split_reasoning(
    gen: Generation, plan: RequestPlan, config: VLLMConfig
) -> tuple[str | None, str | None]:
    if config.reasoning_parser is None or not plan.thinking:
        return None, gen.text or None
    text = gen.text.removeprefix("<think>")
    ends = [i for i in (text.find("</think>"), text.find("<tool_call>")) if i >= 0]
    if not ends:
        reasoning, content = text, None
    elif text.startswith("</think>", min(ends)):
        reasoning, content = text[: min(ends)], text[min(ends) + len("</think>") :]
    else:  # a tool call ends the reasoning implicitly and stays for the tool parser
        reasoning, content = text[: min(ends)], text[min(ends) :]
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
    except (ValueError, KeyError, TypeError, RecursionError):  # vLLM catches every Exception
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
