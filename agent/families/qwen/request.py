"""What Qwen's requests carry beyond the messages, and the tool calls it leaves in the text.

Sampling comes from the model's preset (resolved by the builder); thinking is switched with
the chat template's `enable_thinking` (DashScope: a top-level `enable_thinking`). A server
started without a tool-call parser leaves Qwen's calls in the reply text, where they are read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from agent.families.base import FamilySetup, RequestFields
from agent.families.qwen.toolcall_text import split_text_calls
from agent.turn import ModelTurn

_EXTRA_BODY_SAMPLING = ("top_k", "min_p", "repetition_penalty")


def is_dashscope(url: str) -> bool:
    return "dashscope" in (urlparse(url).hostname or "")


def qwen_request_fields(setup: FamilySetup) -> RequestFields:
    sampling = dict(setup.sampling)
    extra: dict[str, Any] = {k: sampling.pop(k) for k in _EXTRA_BODY_SAMPLING if k in sampling}
    if is_dashscope(setup.server_url):
        if setup.preset.thinking != "never":
            extra["enable_thinking"] = setup.thinking
    else:
        # Sent to models that never think too: vLLM 0.33's qwen3 reasoning parser reads it,
        # and without it takes a reply that has no </think> for reasoning (up to a tool call).
        extra["chat_template_kwargs"] = {"enable_thinking": setup.thinking}
    return RequestFields({"max_tokens": setup.preset.max_tokens, **sampling}, extra)


def read_text_calls(turn: ModelTurn, tools: list[dict[str, Any]]) -> ModelTurn:
    """Tool calls written in the text (hermes JSON or qwen3_coder XML), when the server parsed
    none."""
    if turn.tool_calls:
        return turn
    schemas = {t["function"]["name"]: t["function"].get("parameters", {}) for t in tools}
    content, calls = split_text_calls(turn.text, schemas)
    if not calls:
        return turn
    return replace(turn, content=content.strip(), tool_calls=tuple(calls), calls_from_text=True)
