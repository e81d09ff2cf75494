"""What the scripted model writes, and the response bodies vLLM builds from it.

Part of the scripted stand-in for a vLLM OpenAI server (`agent.scripted`). A
`ScriptedTurn` becomes raw model text the way a Qwen model writes it (think block, free text,
tool calls in hermes JSON or qwen3_coder XML); `agent.scripted.parsers` splits that text; this
module then builds the `chat.completion` body or the `chat.completion.chunk` stream the way
vLLM's `OpenAIServingChat` serializes them: compact JSON; first delta
`{"role": "assistant", "content": ""}`; reasoning, then content deltas; a tool call's first
delta carries index, id, type and name (hermes: id `chatcmpl-tool-<hex>`, no arguments key,
`"content": null` beside it; qwen3_coder: id `call_<24 hex>`, `arguments: ""`), later deltas
only index and an argument fragment (qwen3_coder: "{", one '"key": value' per parameter, "}");
a final chunk with an empty delta and the finish_reason (a cut ends on the last text piece);
with `stream_options.include_usage` a last chunk with `choices: []` and usage.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

from agent.scripted.parsers import Generation, ParsedCall, ParsedOutput, parse_output
from agent.scripted.request import (
    CHARS_PER_TOKEN,
    RequestPlan,
    ScriptedCall,
    ScriptedTurn,
    ToolFormat,
    VLLMConfig,
)


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def generate(turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig) -> Generation:
    """The raw text the model would produce, cut at max_tokens like the engine does."""
    if turn.output is not None:
        text, finish = turn.output, "length" if turn.truncated else "stop"
    elif turn.truncated:
        think = _think_block(turn, plan, config)
        text, finish = (think if plan.thinking else _body_text(turn, plan, config)), "length"
    else:
        text, finish = _think_block(turn, plan, config) + _body_text(turn, plan, config), "stop"
    tokens = estimate_tokens(text)
    if plan.max_tokens is not None and tokens > plan.max_tokens:
        limit = max(1, plan.max_tokens)
        text, finish, tokens = text[: limit * CHARS_PER_TOKEN], "length", limit
    return Generation(text, finish, tokens)


def _think_block(turn: ScriptedTurn, plan: RequestPlan, config: VLLMConfig) -> str:
    if not plan.thinking:
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


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def tool_call_id() -> str:
    return f"chatcmpl-tool-{uuid.uuid4().hex}"


def finish_reason(parsed: ParsedOutput, gen: Generation, plan: RequestPlan) -> str:
    """vLLM's `resolve_finish_reason`: "tool_calls" only when calls came out, the model stopped
    by itself (a call cut by the length limit ends with "length") and no named tool was
    forced."""
    if parsed.calls and gen.finish == "stop" and plan.tool_mode != "named":
        return "tool_calls"
    return gen.finish


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
        "finish_reason": finish_reason(parsed, gen, plan),
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
    finish = finish_reason(parsed, gen, plan)
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
