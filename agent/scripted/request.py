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
- max_tokens (or max_completion_tokens) over max_model_len -> 400 "max_tokens=X cannot be
  greater than max_model_len=Y. Please request fewer output tokens." (vLLM's validation errors
  end with " (parameter=NAME, value=V)");
- more images than --limit-mm-per-prompt -> 400 "At most N image(s) may be provided in one
  prompt." (Qwen's processors declare no image limit of their own, so vLLM adds no hint);
- a prompt longer than max_model_len -> 400 "... your prompt contains N input tokens, which
  exceeds this limit even without any output tokens. ..."; exactly max_model_len -> 400
  "max_tokens must be at least 1, got 0."; prompt + max_tokens over max_model_len is no error:
  max_tokens is clamped to what is left (`get_max_tokens`).
Token counts are estimates for text (characters / 4) and exact for images: the server's
processor resizes each image with Qwen's smart_resize (factor 28 for Qwen2/2.5-VL, 32 for
Qwen3-VL / Qwen3.5; `--mm-processor-kwargs` max_pixels if set) and counts one token per
factor x factor patch, plus 2 for the vision start and end tokens; a remote image URL counts
1000.
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

from agent.imaging import smart_resize

ReasoningField = Literal["reasoning", "reasoning_content"]
ToolFormat = Literal["hermes", "qwen3_coder"]
ToolMode = Literal["parse", "text", "required", "named"]

CHARS_PER_TOKEN = 4
REMOTE_IMAGE_TOKENS = 1000
VISION_MARK_TOKENS = 2  # <|vision_start|> and <|vision_end|> around each image
MIN_PIXELS = {28: 56 * 56, 32: 65536}  # the processors' defaults, by factor
MAX_PIXELS = {28: 28 * 28 * 16384, 32: 16777216}


@dataclass(frozen=True)
class ScriptedCall:
    """One tool call. A str `arguments` is written verbatim (hermes: the JSON value after
    `"arguments": `; qwen3_coder: the body inside `<function=NAME>`), e.g. malformed JSON."""

    name: str
    arguments: dict[str, Any] | str


@dataclass(frozen=True)
class ScriptedTurn:
    """One reply of the scripted model.

    With thinking on (the request does not send `enable_thinking: false`) the model writes a
    think block first, an empty one when `reasoning` is empty, as Qwen's thinking models do. A
    model that writes no `</think>` (an Instruct model served with a reasoning parser) is
    scripted with `output`, the exact text it writes.
    """

    reasoning: str = ""
    content: str = ""  # text the model writes before its tool calls
    calls: tuple[ScriptedCall, ...] = ()
    truncated: bool = False  # cut by max_tokens while thinking: "length", content null
    raw: str | None = None  # exact text after the think block; replaces content + calls
    # the whole output verbatim (think block included); a stop, or a cut with `truncated`
    output: str | None = None


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
    # --mm-processor-kwargs '{"max_pixels": N}': the server resizes larger images again
    image_max_pixels: int | None = None

    @property
    def template_thinks(self) -> bool:
        """Whether the model's chat template thinks unless told `enable_thinking: false`:
        Qwen3-VL's and Qwen3.5's do; Qwen2.5-VL's and the GUI models' built on it do not."""
        return "qwen3" in self.model_id.lower()

    @property
    def image_factor(self) -> int:
        """Pixels per image token side: 28 for Qwen2-VL / Qwen2.5-VL, else 32."""
        model = self.model_id.lower()
        return 28 if "qwen2-vl" in model or "qwen2.5-vl" in model else 32

    def image_tokens(self, width: int, height: int) -> int:
        """Prompt tokens of one width x height image, as the server's processor counts them."""
        factor = self.image_factor
        top = self.image_max_pixels or MAX_PIXELS[factor]
        h, w = smart_resize(height, width, factor, min(MIN_PIXELS[factor], top), top)
        return (h // factor) * (w // factor) + VISION_MARK_TOKENS


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
    asked, param = body.get("max_completion_tokens"), "max_completion_tokens"
    if asked is None:
        asked, param = body.get("max_tokens"), "max_tokens"
    if asked is not None and asked > config.max_model_len:
        _invalid(
            f"{param}={asked} cannot be greater than max_model_len={config.max_model_len}. "
            "Please request fewer output tokens.",
            param,
            asked,
        )
    prompt_tokens = _prompt_tokens(body, config)
    max_tokens = _max_tokens(prompt_tokens, asked, config)
    choice = body.get("tool_choice")
    stream = bool(body.get("stream"))
    return RequestPlan(
        thinking=_thinking(body, config),
        tool_mode=tool_mode,
        named=choice.get("function", {}).get("name") if isinstance(choice, dict) else None,
        tools=tuple(body.get("tools") or ()),
        stream=stream,
        include_usage=stream and bool((body.get("stream_options") or {}).get("include_usage")),
        include_reasoning=body.get("include_reasoning", True) is not False,
        prompt_tokens=prompt_tokens,
        max_tokens=max_tokens,
    )


def _invalid(message: str, param: str, value: Any = None) -> None:
    """A VLLMValidationError as vLLM reports it: the message names parameter and value."""
    extras = f"parameter={param}" + ("" if value is None else f", value={value}")
    raise RequestError(400, f"{message} ({extras})", param=param)


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


def image_tokens(url: str, config: VLLMConfig) -> int:
    """Prompt tokens of one image (`VLLMConfig.image_tokens`); remote URLs count 1000."""
    if not url.startswith("data:"):
        return REMOTE_IMAGE_TOKENS
    try:
        data = base64.b64decode(url.partition(",")[2])
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (binascii.Error, OSError, ValueError) as exc:
        raise RequestError(400, f"Failed to load image from data URL: {exc}") from exc
    return config.image_tokens(width, height)


def _prompt_tokens(body: dict[str, Any], config: VLLMConfig) -> int:
    messages = body["messages"]
    urls = [url for message in messages for url in _image_urls(message)]
    if config.max_images is not None and len(urls) > config.max_images:
        _invalid(f"At most {config.max_images} image(s) may be provided in one prompt.", "image")
    chars = sum(_text_chars(message) for message in messages)
    if body.get("tools"):
        chars += len(json.dumps(body["tools"]))
    return math.ceil(chars / CHARS_PER_TOKEN) + sum(image_tokens(url, config) for url in urls)


def _max_tokens(prompt_tokens: int, asked: int | None, config: VLLMConfig) -> int:
    """vLLM's prompt-length check and `get_max_tokens`: what is left of the context, at most
    what was asked."""
    limit = config.max_model_len
    if prompt_tokens > limit:
        _invalid(
            f"This model's maximum context length is {limit} tokens. However, your prompt "
            f"contains {prompt_tokens} input tokens, which exceeds this limit even without any "
            "output tokens. Please reduce the length of the input prompt.",
            "input_tokens",
            prompt_tokens,
        )
    left = limit - prompt_tokens
    max_tokens = left if asked is None else min(asked, left)
    if max_tokens < 1:
        _invalid(f"max_tokens must be at least 1, got {max_tokens}.", "max_tokens", max_tokens)
    return max_tokens


def _thinking(body: dict[str, Any], config: VLLMConfig) -> bool:
    """The request's `enable_thinking`, else what the model's template does by default."""
    asked = (body.get("chat_template_kwargs") or {}).get("enable_thinking")
    return config.template_thinks if asked is None else asked is not False
