"""The OpenAI-compatible model client: one `complete(messages, tools) -> ModelTurn`.

It hides the differences between server configurations a user may have: reasoning in
`reasoning`, `reasoning_content` or `<think>` text; tool calls parsed by the server or left in
the text; streaming or not. Retries with backoff cover connection errors, 429 and 5xx.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import openai

from agent.errors import ModelRequestError, ModelServerUnreachable
from agent.toolcall_text import new_call_id, split_text_calls
from agent.turn import ModelTurn, ToolCall, Usage, decode_arguments

DEFAULT_URL = "http://localhost:8000/v1"
SERVE_HINT = (
    "vllm serve Qwen/Qwen3-VL-8B-Thinking --reasoning-parser qwen3 "
    "--enable-auto-tool-choice --tool-call-parser hermes --limit-mm-per-prompt '{\"image\": 4}'"
)

# Sampling recommended on the Qwen3.5 model card, per thinking mode.
SAMPLING_THINKING = {"temperature": 0.6, "top_p": 0.95, "top_k": 20, "presence_penalty": 0.0}
SAMPLING_INSTANT = {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "presence_penalty": 1.5}
_EXTRA_BODY_SAMPLING = ("top_k", "min_p", "repetition_penalty")
_NO_TOOL_PARSER = "requires --enable-auto-tool-choice"


@dataclass
class ModelSettings:
    base_url: str = DEFAULT_URL
    api_key: str | None = None
    model: str | None = None
    thinking: bool = True
    sampling: dict[str, float] = field(default_factory=dict)
    max_tokens: int = 8192
    timeout: float = 300.0
    max_retries: int = 4
    retry_base_delay: float = 1.0
    stream: bool = False


ReasoningSink = Callable[[str], None]


class ModelClient:
    """Talks to one OpenAI-compatible server (vLLM, SGLang, DashScope, ...)."""

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or "EMPTY",
            timeout=settings.timeout,
            max_retries=0,
        )
        # vLLM started without a tool-call parser refuses tool_choice "auto"; "none" still puts
        # the tools in the prompt and leaves the model's calls in the text, which we parse.
        self.tool_choice = "auto"
        self.notes: list[str] = []

    @property
    def sdk(self) -> openai.OpenAI:
        """The underlying SDK client, for one-off requests without retries (agent doctor)."""
        return self._client

    @property
    def is_dashscope(self) -> bool:
        return "dashscope" in (urlparse(self.settings.base_url).hostname or "")

    @property
    def model(self) -> str:
        """The served model id: the configured one, else the first from `/v1/models`."""
        if self.settings.model is None:
            # One quick retry only: at start-up a missing server should be reported at once.
            models = self._with_retries(lambda: self._client.models.list(), retries=1)
            ids = [m.id for m in models.data]
            if not ids:
                raise ModelServerUnreachable(
                    f"the server at {self.settings.base_url} lists no models: pass --model NAME"
                )
            self.settings.model = ids[0]
        return self.settings.model

    def request_body(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        """Everything sent for one completion, as keyword arguments of the SDK's create()."""
        defaults = SAMPLING_THINKING if self.settings.thinking else SAMPLING_INSTANT
        sampling = {**defaults, **self.settings.sampling}
        extra: dict[str, Any] = {k: sampling.pop(k) for k in _EXTRA_BODY_SAMPLING if k in sampling}
        if self.is_dashscope:
            extra["enable_thinking"] = self.settings.thinking
        else:
            extra["chat_template_kwargs"] = {"enable_thinking": self.settings.thinking}
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.settings.max_tokens,
            **sampling,
            "extra_body": extra,
        }
        if tools:
            body["tools"] = tools
            body["tool_choice"] = self.tool_choice
        if self.settings.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        on_reasoning: ReasoningSink | None = None,
    ) -> ModelTurn:
        try:
            return self._complete(messages, tools, on_reasoning)
        except ModelRequestError as exc:
            if not (tools and self.tool_choice == "auto" and _NO_TOOL_PARSER in str(exc)):
                raise
        self.tool_choice = "none"
        self.notes.append(
            "the server has no tool-call parser, so tool calls are read from the reply text; "
            "start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (Qwen3-VL) "
            "or qwen3_coder (Qwen3.5) to let it parse them"
        )
        return self._complete(messages, tools, on_reasoning)

    def _complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        on_reasoning: ReasoningSink | None,
    ) -> ModelTurn:
        body = self.request_body(messages, tools)
        schemas = {t["function"]["name"]: t["function"].get("parameters", {}) for t in tools or []}
        attempts = 0

        def attempt() -> dict[str, Any]:
            nonlocal attempts
            attempts += 1
            started = time.monotonic()
            if self.settings.stream:
                parts = self._stream(body, on_reasoning, started)
            else:
                parts = _parts_from_message(self._client.chat.completions.create(**body))
            parts["seconds"] = time.monotonic() - started
            return parts

        parts = self._with_retries(attempt)
        return _assemble(parts, schemas, attempts)

    def _stream(
        self, body: dict[str, Any], on_reasoning: ReasoningSink | None, started: float
    ) -> dict[str, Any]:
        reasoning, content = [], []
        calls: dict[int, dict[str, str]] = {}
        parts: dict[str, Any] = {"finish_reason": None, "usage": Usage(), "first_token": None}
        for chunk in self._client.chat.completions.create(**body):
            if chunk.usage is not None:
                parts["usage"] = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            for choice in chunk.choices:
                delta = choice.delta
                if parts["first_token"] is None:
                    parts["first_token"] = time.monotonic() - started
                piece = _reasoning_of(delta)
                if piece:
                    reasoning.append(piece)
                    if on_reasoning:
                        on_reasoning(piece)
                if delta.content:
                    content.append(delta.content)
                for call in delta.tool_calls or []:
                    slot = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = call.id or slot["id"]
                    if call.function is not None:
                        slot["name"] += call.function.name or ""
                        slot["arguments"] += call.function.arguments or ""
                if choice.finish_reason:
                    parts["finish_reason"] = choice.finish_reason
        parts.update(
            reasoning="".join(reasoning),
            content="".join(content),
            calls=[calls[i] for i in sorted(calls)],
        )
        return parts

    def _with_retries(self, call: Callable[[], Any], retries: int | None = None) -> Any:
        """Run `call`, retrying transient failures with exponential backoff and jitter."""
        retries = self.settings.max_retries if retries is None else retries
        delay = self.settings.retry_base_delay
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                return call()
            except openai.APIConnectionError as exc:
                if last:
                    raise self._unreachable(exc, attempt + 1) from exc
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise self._refused(exc) from exc
                if last:
                    raise ModelRequestError(
                        f"the model server at {self.settings.base_url} kept failing "
                        f"(HTTP {exc.status_code}: {_message(exc)}) after "
                        f"{attempt + 1} attempts"
                    ) from exc
            time.sleep(delay * (1 + random.random() / 4))
            delay *= 2
        raise AssertionError("unreachable")

    def _unreachable(self, exc: Exception, attempts: int) -> ModelServerUnreachable:
        kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "no answer"
        return ModelServerUnreachable(
            f"no model server at {self.settings.base_url} ({kind} after {attempts} "
            f"attempts): start one with `{SERVE_HINT}` or pass --model-url"
        )

    def _refused(self, exc: openai.APIStatusError) -> ModelRequestError:
        message = _message(exc)
        hint = ""
        if "image" in message.lower() and "at most" in message.lower():
            hint = (
                ": the server accepts fewer images than the history sends; raise vLLM's "
                "--limit-mm-per-prompt or lower --history-images"
            )
        elif "maximum context length" in message.lower() or "too long" in message.lower():
            hint = ": lower --history-images or --max-tokens, or raise vLLM's --max-model-len"
        elif exc.status_code == 404 and "model" in message.lower():
            hint = ": check --model against `curl URL/models`"
        return ModelRequestError(
            f"the model server refused the request (HTTP {exc.status_code}): {message}{hint}"
        )


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(exc.message)


def _reasoning_of(message: Any) -> str:
    """Reasoning from `reasoning` (newer vLLM) or `reasoning_content` (older vLLM, DashScope)."""
    for name in ("reasoning", "reasoning_content"):
        value = getattr(message, name, None)
        if value is None and message.model_extra:
            value = message.model_extra.get(name)
        if value:
            return str(value)
    return ""


def _parts_from_message(completion: Any) -> dict[str, Any]:
    choice = completion.choices[0]
    message = choice.message
    usage = completion.usage
    return {
        "reasoning": _reasoning_of(message),
        "content": message.content or "",
        "calls": [
            {"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
            for c in message.tool_calls or []
        ],
        "finish_reason": choice.finish_reason,
        "usage": Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
        "first_token": None,
    }


def split_think(reasoning: str, content: str) -> tuple[str, str]:
    """Separate `<think>` text left in the content by a server without a reasoning parser.

    Qwen3.5's template opens `<think>` in the prompt, so the reply may hold only `</think>`.
    """
    if reasoning or ("</think>" not in content and not content.lstrip().startswith("<think>")):
        return reasoning, content
    head, sep, tail = content.partition("</think>")
    if not sep:
        return head.replace("<think>", "", 1).strip(), ""
    return head.replace("<think>", "", 1).strip(), tail.lstrip()


def _assemble(
    parts: dict[str, Any], schemas: dict[str, dict[str, Any]], attempts: int
) -> ModelTurn:
    reasoning, text = split_think(parts["reasoning"], parts["content"])
    calls = []
    for raw in parts["calls"]:
        arguments, error = decode_arguments(raw["arguments"])
        calls.append(
            ToolCall(
                raw["id"] or new_call_id(), raw["name"], arguments, raw["arguments"] or "", error
            )
        )
    content, from_text = text, False
    if not calls:
        content, calls = split_text_calls(text, schemas)
        from_text = bool(calls)
    return ModelTurn(
        reasoning=reasoning.strip(),
        content=content.strip(),
        text=text,
        tool_calls=tuple(calls),
        finish_reason=parts["finish_reason"],
        usage=parts["usage"],
        seconds=parts["seconds"],
        first_token_seconds=parts["first_token"],
        calls_from_text=from_text,
        attempts=attempts,
    )
