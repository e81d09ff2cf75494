"""The OpenAI-compatible model client: one `complete(messages, tools) -> ModelTurn`.

It hides the differences between server configurations a user may have: reasoning in
`reasoning`, `reasoning_content` or `<think>` text; tool calls parsed by the server or left in
the text; streaming or not. Retries with backoff cover connection errors, 429 and 5xx.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

import httpx2 as httpx  # the HTTP library of openai>=3
import openai
from openai.types.chat import ChatCompletion

from agent.errors import ModelRequestError, ModelServerUnreachable, TimeBudgetExceeded
from agent.families.base import NO_FIELDS, RequestFields
from agent.stall import StallWatch
from agent.turn import ModelTurn, ToolCall, Usage, decode_arguments, new_call_id

DEFAULT_URL = "http://localhost:8000/v1"
_NO_TOOL_PARSER = "requires --enable-auto-tool-choice"

ReasoningSink = Callable[[str], None]
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is waited only this long per attempt


class _BadAnswer(Exception):
    """HTTP 200 whose body is no completion (invalid JSON, no choices, an error object)."""


class _Broken(Exception):
    """The connection broke or stalled after the server had started answering."""


class _Stalled(_Broken):
    """The answer made no progress for the stall limit (`--stall-timeout`)."""


@dataclass
class ModelSettings:
    """Where the server is and how to talk to it; nothing model-specific (that comes from the
    family as `RequestFields` with each request). `serve_hint` is the command that starts a
    suitable server, `tool_parser` the parser it should run (both for error messages)."""

    base_url: str = DEFAULT_URL
    api_key: str | None = None
    model: str | None = None
    timeout: float = 300.0
    stall_timeout: float = 60.0  # an answer that advances no further for this long is cut
    max_retries: int = 4
    retry_base_delay: float = 1.0
    stream: bool = False
    serve_hint: str = "vllm serve MODEL --enable-auto-tool-choice --tool-call-parser PARSER"
    tool_parser: str = ""


class ChatModel(Protocol):
    """What the loop needs of a model: its id and one completion per step."""

    @property
    def model(self) -> str: ...

    @property
    def notes(self) -> list[str]: ...

    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        fields: RequestFields = NO_FIELDS,
        on_reasoning: ReasoningSink | None = None,
    ) -> ModelTurn: ...


class ModelClient:
    """Talks to one OpenAI-compatible server (vLLM, SGLang, DashScope, ...)."""

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        fixed_url = "://" not in settings.base_url
        if fixed_url:  # "localhost:8000/v1": the scheme is all that is missing
            settings.base_url = f"http://{settings.base_url}"
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or "EMPTY",
            timeout=settings.timeout,
            max_retries=0,
        )
        # vLLM started without a tool-call parser refuses tool_choice "auto"; "none" still puts
        # the tools in the prompt and leaves the model's calls in the text, which we parse.
        self.tool_choice = "auto"
        self._notes: list[str] = []
        if fixed_url:
            self._notes.append(f"the model URL has no scheme: using {settings.base_url}")
        self._deadline: float | None = None
        self._checked_model = False

    def set_deadline(self, deadline: float | None) -> None:
        """The run's time budget as a `time.monotonic()` instant: no request, retry or wait of
        the client goes past it (`TimeBudgetExceeded`). None: only the per-request timeout."""
        self._deadline = deadline

    def _check_budget(self, wait: float = 0.0) -> None:
        if self._deadline is not None and time.monotonic() + wait >= self._deadline:
            raise TimeBudgetExceeded("it ran out while the model server did not answer")

    def _seconds_left(self) -> float:
        """What one request may take: the per-request timeout, cut to the run's budget."""
        limit = self.settings.timeout
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeBudgetExceeded("it ran out waiting for the model")
            limit = min(limit, left)
        return limit

    @property
    def notes(self) -> list[str]:
        """What the client found out about the server and worked around, for the user."""
        return self._notes

    @property
    def sdk(self) -> openai.OpenAI:
        """The underlying SDK client, for one-off requests without retries (agent doctor)."""
        return self._client

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
        elif not self._checked_model:
            self._checked_model = True
            self._check_model(self.settings.model)
        return self.settings.model

    def _check_model(self, model: str) -> None:
        """Refuse a configured model id the server does not serve (its 404 would come only
        with the first step); a server that lists nothing, or cannot, is taken at its word."""
        try:
            listed = self._client.with_options(timeout=min(10.0, self.settings.timeout))
            ids = [m.id for m in listed.models.list().data]
        except openai.APIStatusError as exc:
            if exc.status_code == 404 and self._no_v1():
                raise self._refused(exc) from exc
            return
        except openai.OpenAIError:
            return
        if ids and model not in ids:
            raise ModelRequestError(
                f"the server at {self.settings.base_url} does not serve {model!r}; it serves "
                f"{', '.join(ids)}: pass --model with one of these"
            )

    def _no_v1(self) -> bool:
        return not urlparse(self.settings.base_url).path.rstrip("/").endswith("/v1")

    def request_body(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        fields: RequestFields = NO_FIELDS,
    ) -> dict[str, Any]:
        """Everything sent for one completion, as keyword arguments of the SDK's create()."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, **fields.fields}
        if fields.extra_body:
            body["extra_body"] = dict(fields.extra_body)
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
        fields: RequestFields = NO_FIELDS,
        on_reasoning: ReasoningSink | None = None,
    ) -> ModelTurn:
        try:
            return self._complete(messages, tools, fields, on_reasoning)
        except ModelRequestError as exc:
            if not (tools and self.tool_choice == "auto" and _NO_TOOL_PARSER in str(exc)):
                raise
        self.tool_choice = "none"
        parser = self.settings.tool_parser or "PARSER"
        self._notes.append(
            "the server has no tool-call parser, so tool calls are read from the reply text; "
            f"start vLLM with --enable-auto-tool-choice --tool-call-parser {parser} "
            "to let it parse them"
        )
        return self._complete(messages, tools, fields, on_reasoning)

    def _complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        fields: RequestFields,
        on_reasoning: ReasoningSink | None,
    ) -> ModelTurn:
        body = self.request_body(messages, tools, fields)
        attempts = 0

        def attempt() -> dict[str, Any]:
            nonlocal attempts
            attempts += 1
            started = time.monotonic()
            limit = self._seconds_left()
            client = self._client.with_options(timeout=limit)
            try:
                if self.settings.stream:
                    parts = self._stream(client, body, on_reasoning, started, started + limit)
                else:
                    completion = self._read_body(client, body, started + limit)
                    try:
                        parts = _parts_from_message(completion)
                    except (AttributeError, TypeError, IndexError, KeyError) as exc:
                        raise _BadAnswer(f"a completion of the wrong shape ({exc})") from None
            except httpx.TransportError as exc:  # after the answer began (before: the SDK's)
                raise _Broken(_what_broke(exc, started + limit)) from exc
            parts["seconds"] = time.monotonic() - started
            return parts

        parts = self._with_retries(attempt)
        return _assemble(parts, attempts)

    def _read_body(self, client: openai.OpenAI, body: dict[str, Any], until: float) -> Any:
        """A non-streamed completion, its body read against `until` (a server sending one byte
        a second never ends a read timeout, only this)."""
        with (
            client.chat.completions.with_streaming_response.create(**body) as response,
            StallWatch(response.http_response, self.settings.stall_timeout) as watch,
        ):
            data = bytearray()
            try:
                for piece in response.iter_bytes():
                    data += piece
                    if piece.strip():  # whitespace (a keep-alive trickle) is no progress
                        watch.progress()
                    if watch.overdue():
                        raise self._stalled()
                    if time.monotonic() > until:
                        raise _Broken(f"the answer was still arriving after {self._limit_text()}")
            except (httpx.TransportError, openai.APIConnectionError):
                if watch.stalled:
                    raise self._stalled() from None
                raise
        try:
            payload = json.loads(bytes(data))
        except (ValueError, RecursionError) as exc:
            raise _BadAnswer(f"a body that is not JSON ({str(exc)[:80]})") from None
        if isinstance(payload, dict) and "error" in payload and not payload.get("choices"):
            error = payload["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise _BadAnswer(f"an error instead of a completion: {str(message)[:200]}")
        if not isinstance(payload, dict) or not payload.get("choices"):
            raise _BadAnswer("a completion without choices")
        try:  # leniently, as the SDK reads a completion itself (a field of the wrong type stays)
            return ChatCompletion.construct(**payload)
        except (TypeError, ValueError) as exc:
            raise _BadAnswer(f"a completion of the wrong shape ({str(exc)[:120]})") from None

    def _stalled(self) -> _Stalled:
        return _Stalled(
            f"stopped sending for {self.settings.stall_timeout:g} s in the middle of its "
            "answer (--stall-timeout)"
        )

    def _limit_text(self) -> str:
        return f"the {self.settings.timeout:g} s request timeout (--request-timeout)"

    def _stream(
        self,
        client: openai.OpenAI,
        body: dict[str, Any],
        on_reasoning: ReasoningSink | None,
        started: float,
        until: float,
    ) -> dict[str, Any]:
        reasoning: list[str] = []
        content: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        parts: dict[str, Any] = {"finish_reason": None, "usage": Usage(), "first_token": None}
        stream = client.chat.completions.create(**body)  # errors before an answer: the SDK's
        watch = StallWatch(stream.response, self.settings.stall_timeout, from_first=True)
        try:
            sink = _StreamSink(parts, reasoning, content, calls, on_reasoning)
            self._read_stream(stream, sink, watch, until)
        except (httpx.TransportError, openai.APIConnectionError) as exc:
            if watch.stalled:
                raise self._stalled() from exc
            raise _Broken(_what_broke(exc, until)) from exc
        finally:
            watch.close()
            stream.close()
        if watch.stalled:  # the stream ended when its socket was shut
            raise self._stalled()
        parts["first_token"] = (
            None if parts["first_token"] is None else parts["first_token"] - started
        )
        parts.update(
            reasoning="".join(reasoning),
            content="".join(content),
            calls=[calls[i] for i in sorted(calls)],
        )
        return parts

    def _read_stream(self, stream: Any, sink: _StreamSink, watch: StallWatch, until: float) -> None:
        for chunk in stream:
            watch.arm()
            if watch.overdue():
                raise self._stalled()
            if time.monotonic() > until:
                raise _Broken(f"the stream was still going after {self._limit_text()}")
            if sink.take(chunk):
                watch.progress()

    def _with_retries(self, call: Callable[[], Any], retries: int | None = None) -> Any:
        """Run `call`, retrying transient failures with exponential backoff and jitter (or the
        server's Retry-After), never past the run's time budget."""
        retries = self.settings.max_retries if retries is None else retries
        delay = self.settings.retry_base_delay
        for attempt in range(retries + 1):
            last = attempt == retries
            wait = delay * (1 + random.random() / 4)
            try:
                return call()
            except openai.APIConnectionError as exc:
                if last:
                    self._check_budget()
                    raise self._unreachable(exc, attempt + 1) from exc
            except (_BadAnswer, _Broken) as exc:
                if last:
                    self._check_budget()
                    what = "answered HTTP 200 with " if isinstance(exc, _BadAnswer) else "failed: "
                    raise ModelRequestError(
                        f"the model server at {self.settings.base_url} "
                        f"{'' if isinstance(exc, _Stalled) else what}{exc} "
                        f"({attempt + 1} attempts)"
                    ) from exc
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise self._refused(exc) from exc
                if last:
                    self._check_budget()
                    raise ModelRequestError(
                        f"the model server at {self.settings.base_url} kept failing "
                        f"(HTTP {exc.status_code}: {_message(exc)}) after "
                        f"{attempt + 1} attempts"
                    ) from exc
                wait = max(wait, min(_retry_after(exc.response), MAX_RETRY_AFTER))
            self._check_budget(wait)
            time.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    def _unreachable(self, exc: Exception, attempts: int) -> ModelServerUnreachable:
        if isinstance(exc, openai.APITimeoutError):
            return ModelServerUnreachable(
                f"the model server at {self.settings.base_url} did not answer within "
                f"{self._limit_text()} (timed out after {attempts} attempts): check that it "
                "is not stuck, or raise --request-timeout"
            )
        kind = "no answer"
        return ModelServerUnreachable(
            f"no model server at {self.settings.base_url} ({kind} after {attempts} "
            f"attempts): start one with `{self.settings.serve_hint}` or pass --model-url"
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
        elif exc.status_code == 404 and self._no_v1():
            url = self.settings.base_url.rstrip("/")
            hint = (
                f": {url} does not end in /v1, where OpenAI-compatible servers answer; "
                f"try --model-url {url}/v1"
            )
        elif exc.status_code == 404 and "model" in message.lower():
            hint = ": check --model against `curl URL/models`"
        return ModelRequestError(
            f"the model server refused the request (HTTP {exc.status_code}): {message}{hint}"
        )


@dataclass
class _StreamSink:
    """Where the chunks of one stream are gathered."""

    parts: dict[str, Any]
    reasoning: list[str]
    content: list[str]
    calls: dict[int, dict[str, str]]
    on_reasoning: ReasoningSink | None

    def take(self, chunk: Any) -> bool:
        """Gather one chunk; whether it advanced the reply (a token, a call, its end, usage),
        not an empty delta such as a keep-alive."""
        parts, advanced = self.parts, False
        if chunk.usage is not None:
            parts["usage"] = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            advanced = True
        for choice in chunk.choices:
            delta = choice.delta
            if parts["first_token"] is None:
                parts["first_token"] = time.monotonic()
            piece = _reasoning_of(delta)
            if piece:
                self.reasoning.append(piece)
                if self.on_reasoning:
                    self.on_reasoning(piece)
            if delta.content:
                self.content.append(delta.content)
            for call in delta.tool_calls or []:
                slot = self.calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.id or slot["id"]
                if call.function is not None:
                    slot["name"] += call.function.name or ""
                    slot["arguments"] += call.function.arguments or ""
            if choice.finish_reason:
                parts["finish_reason"] = choice.finish_reason
            advanced = advanced or bool(
                piece or delta.content or delta.tool_calls or choice.finish_reason
            )
        return advanced


def _retry_after(response: httpx.Response) -> float:
    """Seconds the server asks to wait (Retry-After in seconds; a date counts as 0)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0


def _what_broke(exc: Exception, until: float) -> str:
    if time.monotonic() >= until or isinstance(
        exc, httpx.TimeoutException | openai.APITimeoutError
    ):
        return "it stopped sending before the answer was complete (timed out)"
    return (
        f"the connection broke in the middle of the answer ({type(exc.__cause__ or exc).__name__})"
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

    A chat template may open `<think>` in the prompt, so the reply may hold only `</think>`.
    """
    if reasoning or ("</think>" not in content and not content.lstrip().startswith("<think>")):
        return reasoning, content
    head, sep, tail = content.partition("</think>")
    if not sep:
        return head.replace("<think>", "", 1).strip(), ""
    return head.replace("<think>", "", 1).strip(), tail.lstrip()


def _assemble(parts: dict[str, Any], attempts: int) -> ModelTurn:
    """The turn as the server delivered it; tool calls left in the text are the family's to
    read (`Family.read_turn`)."""
    reasoning, text = split_think(parts["reasoning"], parts["content"])
    calls = []
    for raw in parts["calls"]:
        arguments, error = decode_arguments(raw["arguments"])
        calls.append(
            ToolCall(
                raw["id"] or new_call_id(), raw["name"], arguments, raw["arguments"] or "", error
            )
        )
    return ModelTurn(
        reasoning=reasoning.strip(),
        content=text.strip(),
        text=text,
        tool_calls=tuple(calls),
        finish_reason=parts["finish_reason"],
        usage=parts["usage"],
        seconds=parts["seconds"],
        first_token_seconds=parts["first_token"],
        attempts=attempts,
    )
