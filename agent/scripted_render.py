"""What vLLM's OpenAI server makes of one model turn: request checks, parsers, response bodies.

`agent.scripted_server` serves these over HTTP. The model's raw output is rendered from a
`ScriptedTurn` the way a Qwen model writes it (think block, free text, tool calls in hermes JSON
or qwen3_coder XML) and then goes through re-implementations of vLLM's `qwen3` reasoning parser
and `hermes` / `qwen3_coder` tool parsers, so a misconfiguration (no parser, the wrong parser)
gives what it gives on a real server.

Mirrored from vLLM's source (vllm-project/vllm, 2026):
- errors are `{"error": {"message", "type", "param", "code": <HTTP status>}}` with types
  BadRequestError / NotFoundError / InternalServerError (`create_error_response`);
- the qwen3 reasoning parser strips `<think>` and splits at `</think>` without trimming, so with
  thinking on the reasoning keeps its newlines and content starts with "\\n\\n"; no `</think>`
  with thinking on (output cut by max_tokens) means everything is reasoning and content null;
- hermes: `json.loads` of every `<tool_call>` body, any failure leaves the whole text in
  content; arguments are re-dumped with `json.dumps(..., ensure_ascii=False)`; in streaming the
  name and the raw argument text are cut out of the text without validating the JSON;
- qwen3_coder: nothing is parsed unless `<function=` occurs; parameter values are converted by
  the type the request's tool schema declares (undeclared parameters stay strings);
- tools present, no `tool_choice` -> "auto"; "auto" without a tool parser -> 400
  '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';
  "required" or a named function without a tool parser -> 400 (current wording);
- too many images -> 400 "At most N image(s) may be provided in one prompt." (param "image").

Deliberate simplifications: a turn with empty reasoning stands for a model that wrote no think
block and its text is content (current vLLM would file such output under reasoning when thinking
is on; use `truncated=True` for the no-`</think>` case); token counts are estimates (text
characters / 4, one image token per 32x32 pixels, rounded up per side).
"""

from __future__ import annotations

import ast
import base64
import binascii
import io
import json
import math
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image

ReasoningField = Literal["reasoning", "reasoning_content"]
ToolFormat = Literal["hermes", "qwen3_coder"]
ToolMode = Literal["parse", "text", "required", "named"]

CHARS_PER_TOKEN = 4
IMAGE_TOKEN_SIDE = 32  # Qwen3-VL: patch 16, merge 2
REMOTE_IMAGE_TOKENS = 1000


@dataclass(frozen=True)
class ScriptedCall:
    """One tool call. A str `arguments` is written verbatim (hermes: the JSON value after
    `"arguments": `; qwen3_coder: the body inside `<function=NAME>`), e.g. malformed JSON."""

    name: str
    arguments: dict[str, Any] | str


@dataclass(frozen=True)
class ScriptedTurn:
    """One reply of the scripted model."""

    reasoning: str = ""
    content: str = ""  # text the model writes before its tool calls
    calls: tuple[ScriptedCall, ...] = ()
    truncated: bool = False  # cut by max_tokens while thinking: "length", content null
    raw: str | None = None  # exact text after the think block; replaces content + calls


@dataclass
class VLLMConfig:
    """How the imitated `vllm serve` was started, and what the model writes."""

    model_id: str = "Qwen/Qwen3-VL-8B-Instruct"
    # Message field of --reasoning-parser qwen3 (newer vLLM: reasoning, older:
    # reasoning_content); None = no reasoning parser, the think block stays in content.
    reasoning_parser: ReasoningField | None = "reasoning"
    # True: the model writes "<think>\n" itself (Qwen3-VL); False: the chat template put it in
    # the prompt and only "</think>" appears in the output (Qwen3.5).
    think_open_tag: bool = True
    tool_parser: ToolFormat | None = "hermes"  # --enable-auto-tool-choice --tool-call-parser
    model_format: ToolFormat = "hermes"  # how the model writes calls (Qwen3.5: qwen3_coder)
    max_images: int | None = None  # --limit-mm-per-prompt '{"image": N}'
    max_model_len: int = 32768


def error_body(
    status: int, message: str, err_type: str = "BadRequestError", param: str | None = None
) -> dict[str, Any]:
    """vLLM's error body; `code` repeats the HTTP status."""
    return {"error": {"message": message, "type": err_type, "param": param, "code": status}}


class RequestError(Exception):
    """A request vLLM refuses: the HTTP status and vLLM's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        err_type: str = "BadRequestError",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(status, message, err_type, param)


# ---- request checks ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPlan:
    """What vLLM derives from a valid chat request before it generates."""

    thinking: bool
    tool_mode: ToolMode
    named: str | None
    tools: tuple[dict[str, Any], ...]
    stream: bool
    include_usage: bool
    include_reasoning: bool
    prompt_tokens: int
    max_tokens: int | None


def plan_request(body: Any, config: VLLMConfig) -> RequestPlan:
    """Validate `body` in vLLM's order; raise `RequestError` with vLLM's status and body."""
    _check_shape(body)
    _check_model(body, config)
    tool_mode = _tool_mode(body, config)
    prompt_tokens = _prompt_tokens(body, config)
    max_tokens = body.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = body.get("max_tokens")
    _check_length(prompt_tokens, max_tokens, config)
    choice = body.get("tool_choice")
    stream = bool(body.get("stream"))
    return RequestPlan(
        thinking=(body.get("chat_template_kwargs") or {}).get("enable_thinking") is not False,
        tool_mode=tool_mode,
        named=choice.get("function", {}).get("name") if isinstance(choice, dict) else None,
        tools=tuple(body.get("tools") or ()),
        stream=stream,
        include_usage=stream and bool((body.get("stream_options") or {}).get("include_usage")),
        include_reasoning=body.get("include_reasoning", True) is not False,
        prompt_tokens=prompt_tokens,
        max_tokens=max_tokens,
    )


def _check_shape(body: Any) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise RequestError(400, "Field required: `messages` must be a list.", param="messages")
    if body.get("stream_options") and not body.get("stream"):
        message = "Stream options can only be defined when `stream=True`."
        raise RequestError(400, message, param="stream_options")
    if body.get("tools") == []:
        message = (
            "`tools` must not be an empty array. "
            "Either provide at least one tool or omit the field entirely."
        )
        raise RequestError(400, message, param="tools")
    choice = body.get("tool_choice")
    if choice not in (None, "none") and not body.get("tools"):
        message = "When using `tool_choice`, `tools` must be set."
        raise RequestError(400, message, param="tool_choice")
    if choice not in (None, "none", "auto", "required") and not isinstance(choice, dict):
        message = (
            f"Invalid value for `tool_choice`: {choice}! "
            'Only named tools, "none", "auto" or "required" are supported.'
        )
        raise RequestError(400, message, param="tool_choice")


def _check_model(body: dict[str, Any], config: VLLMConfig) -> None:
    model = body.get("model")
    if model and model != config.model_id:
        message = f"The model `{model}` does not exist."
        raise RequestError(404, message, "NotFoundError", "model")


def _tool_mode(body: dict[str, Any], config: VLLMConfig) -> ToolMode:
    choice = body.get("tool_choice", "auto" if body.get("tools") else "none")
    if choice in (None, "none"):
        return "text"
    if config.tool_parser is None:
        if choice == "auto":
            message = (
                '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser '
                "to be set"
            )
            raise RequestError(400, message)
        name = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        wanted = f'function "{name}"' if isinstance(choice, dict) else f'"{choice}"'
        raise RequestError(400, f"tool_choice={wanted} requires --tool-call-parser to be set")
    if choice == "auto":
        return "parse"
    return "required" if choice == "required" else "named"


def _image_urls(message: Any) -> list[str]:
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    urls = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            image = part.get("image_url")
            urls.append(image.get("url", "") if isinstance(image, dict) else str(image))
    return urls


def _text_chars(message: Any) -> int:
    if not isinstance(message, dict):
        return 0
    content = message.get("content")
    if isinstance(content, str):
        chars = len(content)
    elif isinstance(content, list):
        chars = sum(len(str(p.get("text", ""))) for p in content if isinstance(p, dict))
    else:
        chars = 0
    if message.get("tool_calls"):
        chars += len(json.dumps(message["tool_calls"]))
    return chars


def image_tokens(url: str) -> int:
    """Prompt tokens of one image: ceil(W/32) * ceil(H/32); remote URLs count a flat 1000."""
    if not url.startswith("data:"):
        return REMOTE_IMAGE_TOKENS
    try:
        data = base64.b64decode(url.partition(",")[2])
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (binascii.Error, OSError, ValueError) as exc:
        raise RequestError(400, f"Failed to load image from data URL: {exc}") from exc
    return math.ceil(width / IMAGE_TOKEN_SIDE) * math.ceil(height / IMAGE_TOKEN_SIDE)


def _prompt_tokens(body: dict[str, Any], config: VLLMConfig) -> int:
    messages = body["messages"]
    urls = [url for message in messages for url in _image_urls(message)]
    if config.max_images is not None and len(urls) > config.max_images:
        message = f"At most {config.max_images} image(s) may be provided in one prompt."
        raise RequestError(400, message, param="image")
    chars = sum(_text_chars(message) for message in messages)
    if body.get("tools"):
        chars += len(json.dumps(body["tools"]))
    return math.ceil(chars / CHARS_PER_TOKEN) + sum(image_tokens(url) for url in urls)


def _check_length(prompt_tokens: int, max_tokens: int | None, config: VLLMConfig) -> None:
    limit = config.max_model_len
    if prompt_tokens >= limit:
        message = (
            f"This model's maximum context length is {limit} tokens. However, your request has "
            f"{prompt_tokens} input tokens. Please reduce the length of the input messages."
        )
        raise RequestError(400, message, param="input_tokens")
    if max_tokens is not None and prompt_tokens + max_tokens > limit:
        message = (
            f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's "
            f"maximum context length is {limit} tokens and your request has {prompt_tokens} "
            f"input tokens ({max_tokens} > {limit} - {prompt_tokens})."
        )
        raise RequestError(400, message, param="max_tokens")


# ---- what the model writes --------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    text: str  # the raw model output
    finish: str  # "stop" | "length"
    tokens: int


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def generate(turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig) -> Generation:
    """The raw text the model would produce, cut at max_tokens like the engine does."""
    think = _think_block(turn, plan, config)
    if turn.truncated:
        text, finish = (think if plan.thinking else _body_text(turn, plan, config)), "length"
    else:
        text, finish = think + _body_text(turn, plan, config), "stop"
    tokens = estimate_tokens(text)
    if plan.max_tokens is not None and tokens > plan.max_tokens:
        limit = max(1, plan.max_tokens)
        text, finish, tokens = text[: limit * CHARS_PER_TOKEN], "length", limit
    return Generation(text, finish, tokens)


def _think_block(turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig) -> str:
    if not plan.thinking or not (turn.reasoning or turn.truncated):
        return ""
    opening = "<think>\n" if config.think_open_tag else ""
    closing = "" if turn.truncated else "\n</think>\n\n"
    return opening + turn.reasoning + closing


def _body_text(turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig) -> str:
    if plan.tool_mode in ("required", "named"):
        return _guided_text(turn, plan)
    if turn.raw is not None:
        return turn.raw
    calls = "\n".join(render_call(call, config.model_format) for call in turn.calls)
    gap = "\n" if turn.content and calls and not turn.content.endswith("\n") else ""
    return turn.content + gap + calls


def _arguments_text(call: ScriptedCall) -> str:
    if isinstance(call.arguments, str):
        return call.arguments
    return json.dumps(call.arguments, ensure_ascii=False)


def _xml_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_call(call: ScriptedCall, model_format: ToolFormat) -> str:
    """One tool call as the model writes it in text."""
    if model_format == "hermes":
        name = json.dumps(call.name, ensure_ascii=False)
        return (
            f'<tool_call>\n{{"name": {name}, "arguments": {_arguments_text(call)}}}\n</tool_call>'
        )
    if isinstance(call.arguments, str):
        body = call.arguments
    else:
        body = "".join(
            f"<parameter={key}>\n{_xml_value(value)}\n</parameter>\n"
            for key, value in call.arguments.items()
        )
    return f"<tool_call>\n<function={call.name}>\n{body}</function>\n</tool_call>"


def _guided_text(turn: ScriptedTurn, plan: RequestPlan) -> str:
    """tool_choice "required" / named: guided decoding makes the model write plain JSON."""
    if plan.tool_mode == "named":
        chosen = [call for call in turn.calls if call.name == plan.named] or list(turn.calls)
        return _arguments_text(chosen[0]) if chosen else "{}"
    items = ", ".join(
        f'{{"name": {json.dumps(call.name)}, "parameters": {_arguments_text(call)}}}'
        for call in turn.calls
    )
    return f"[{items}]"


# ---- vLLM's parsers ---------------------------------------------------------------------


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
        return ParsedOutput(reasoning, content or "", _guided_calls(content or "", plan))
    parser = _hermes_calls if config.tool_parser == "hermes" else _xml_calls
    before, calls = parser(content or "", plan.tools, streaming)
    if not calls:
        return ParsedOutput(reasoning, content)
    return ParsedOutput(reasoning, before or None, calls)


def _split_reasoning(
    gen: Generation, plan: RequestPlan, config: VLLMConfig
) -> tuple[str | None, str | None]:
    if config.reasoning_parser is None:
        return None, gen.text or None
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


# ---- response bodies --------------------------------------------------------------------


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def tool_call_id() -> str:
    return f"chatcmpl-tool-{uuid.uuid4().hex}"


def finish_reason(
    parsed: ParsedOutput, gen: Generation, plan: RequestPlan, *, streaming: bool
) -> str:
    if plan.tool_mode not in ("parse", "required"):
        return gen.finish
    called = bool(parsed.calls)
    if streaming:
        return "tool_calls" if called and gen.finish == "stop" else gen.finish
    required = plan.tool_mode == "required" and gen.finish == "stop"
    return "tool_calls" if called or required else gen.finish


def _usage(plan: RequestPlan, gen: Generation) -> dict[str, int]:
    return {
        "prompt_tokens": plan.prompt_tokens,
        "total_tokens": plan.prompt_tokens + gen.tokens,
        "completion_tokens": gen.tokens,
    }


def _message(parsed: ParsedOutput, plan: RequestPlan, config: VLLMConfig) -> dict[str, Any]:
    content = parsed.content
    if plan.tool_mode in ("required", "named"):
        content = content or ""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": None,
        "audio": None,
        "function_call": None,
    }
    if parsed.calls:
        message["tool_calls"] = [
            {
                "id": tool_call_id(),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in parsed.calls
        ]
    message[config.reasoning_parser or "reasoning"] = parsed.reasoning
    return message


def completion_body(
    parsed: ParsedOutput, gen: Generation, plan: RequestPlan, config: VLLMConfig
) -> dict[str, Any]:
    """A non-streaming `chat.completion` as vLLM serializes it."""
    choice = {
        "index": 0,
        "message": _message(parsed, plan, config),
        "logprobs": None,
        "finish_reason": finish_reason(parsed, gen, plan, streaming=False),
        "stop_reason": None,
        "token_ids": None,
    }
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": config.model_id,
        "choices": [choice],
        "service_tier": None,
        "system_fingerprint": None,
        "usage": {**_usage(plan, gen), "prompt_tokens_details": None},
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "kv_transfer_params": None,
    }


def pieces(text: str | None, count: int = 3) -> list[str]:
    """`text` cut into at most `count` non-empty pieces, as streamed tokens arrive."""
    if not text:
        return []
    size = max(1, math.ceil(len(text) / count))
    return [text[start : start + size] for start in range(0, len(text), size)]


def _xml_fragments(arguments: str) -> list[str]:
    """qwen3_coder streams "{", then '"key": value' per parameter, then "}"."""
    try:
        values = json.loads(arguments)
    except ValueError:
        return pieces(arguments)
    if not isinstance(values, dict):
        return pieces(arguments)
    parts = [
        f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in values.items()
    ]
    return ["{", *(part if i == 0 else f", {part}" for i, part in enumerate(parts)), "}"]


def _call_deltas(index: int, call: ParsedCall, parser: ToolFormat | None) -> list[dict]:
    """The deltas of one tool call: a header with id and name, then argument fragments."""
    if parser == "qwen3_coder":
        head = {
            "index": index,
            "id": f"call_{uuid.uuid4().hex[:24]}",
            "function": {"name": call.name, "arguments": ""},
            "type": "function",
        }
        fragments, extra = _xml_fragments(call.arguments), {}
    else:
        head = {"id": tool_call_id(), "type": "function", "index": index}
        head["function"] = {"name": call.name}
        fragments = pieces(call.arguments)
        extra = {"content": None} if parser == "hermes" else {}
    deltas = [{**extra, "tool_calls": [head]}]
    deltas += [
        {**extra, "tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
        for fragment in fragments
    ]
    return deltas


def stream_deltas(parsed: ParsedOutput, plan: RequestPlan, config: VLLMConfig) -> list[dict]:
    field = config.reasoning_parser or "reasoning"
    deltas: list[dict] = [{field: piece} for piece in pieces(parsed.reasoning)]
    deltas += [{"content": piece} for piece in pieces(parsed.content)]
    parser = config.tool_parser if plan.tool_mode == "parse" else None
    for index, call in enumerate(parsed.calls):
        deltas += _call_deltas(index, call, parser)
    return deltas


def _stream_choice(delta: dict, finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    if finish is not None:
        choice["stop_reason"] = None
    choice["token_ids"] = None
    return choice


def stream_chunks(
    parsed: ParsedOutput, gen: Generation, plan: RequestPlan, config: VLLMConfig
) -> Iterator[dict[str, Any]]:
    """The `chat.completion.chunk` objects of a streamed answer, without SSE framing."""
    head = {
        "id": completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": config.model_id,
    }
    first = {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None}
    yield {**head, "choices": [{**first, "finish_reason": None}], "prompt_token_ids": None}
    deltas = stream_deltas(parsed, plan, config)
    # A stop token ends the text with an empty delta; a cut ends on the last text piece.
    last = deltas.pop() if gen.finish == "length" and deltas else {}
    for delta in deltas:
        yield {**head, "choices": [_stream_choice(delta)]}
    finish = finish_reason(parsed, gen, plan, streaming=True)
    yield {**head, "choices": [_stream_choice(last, finish)]}
    if plan.include_usage:
        yield {**head, "choices": [], "usage": _usage(plan, gen)}


def answer(
    turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig
) -> dict[str, Any] | list[dict[str, Any]]:
    """The completion body, or the list of stream chunks when the request streams."""
    gen = generate(turn, plan, config)
    parsed = parse_output(gen, plan, config, streaming=plan.stream)
    if plan.stream:
        return list(stream_chunks(parsed, gen, plan, config))
    return completion_body(parsed, gen, plan, config)


def models_body(config: VLLMConfig) -> dict[str, Any]:
    """GET /v1/models."""
    now = int(time.time())
    permission = {
        "id": f"modelperm-{uuid.uuid4().hex}",
        "object": "model_permission",
        "created": now,
        "allow_create_engine": False,
        "allow_sampling": True,
        "allow_logprobs": True,
        "allow_search_indices": False,
        "allow_view": True,
        "allow_fine_tuning": False,
        "organization": "*",
        "group": None,
        "is_blocking": False,
    }
    card = {
        "id": config.model_id,
        "object": "model",
        "created": now,
        "owned_by": "vllm",
        "root": config.model_id,
        "parent": None,
        "max_model_len": config.max_model_len,
        "permission": [permission],
    }
    return {"object": "list", "data": [card]}
