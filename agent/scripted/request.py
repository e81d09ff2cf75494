"""The vLLM server being imitated, the scripted model's turns, and vLLM's request checks.

Part of the scripted stand-in for a vLLM OpenAI server (`agent.scripted`). The checks run
in vLLM's order and fail with vLLM's status codes and messages (vllm-project/vllm, 2026):
- errors are `{"error": {"message", "type", "param", "code": <HTTP status>}}` with types
  BadRequestError / NotFoundError / InternalServerError (`create_error_response`);
- a "model" other than the served one -> 404 "The model `X` does not exist." (param "model");
  a missing "model" is accepted;
- tools present and no `tool_choice` -> "auto"; "auto" without a tool parser -> 400
  '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';
  "required" or a named function without a tool parser -> 400
  'tool_choice="required" requires --tool-call-parser to be set';
- more images than --limit-mm-per-prompt -> 400 "At most N image(s) may be provided in one
  prompt." (param "image");
- prompt tokens >= max_model_len, or prompt + max_tokens > max_model_len -> 400 with vLLM's
  context-length messages.
Token counts are estimates: text characters / 4, and one token per 32x32 pixels of an image
(rounded up per side, as Qwen3-VL's patch 16 x merge 2); a remote image URL counts 1000.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
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
