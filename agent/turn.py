"""What one model reply is, whichever server produced it and however it was delivered."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """One tool call. `arguments` is None when they could not be decoded; `error` says why."""

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str = ""
    error: str | None = None

    def to_message(self) -> dict[str, Any]:
        """The OpenAI `tool_calls` entry that sends this call back in the history."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments or {})},
        }


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class ModelTurn:
    """A model reply split into its parts.

    `text` is the reply as the model wrote it after its reasoning (with any tool-call text that
    the server did not parse); `content` is that text without the tool calls.
    """

    reasoning: str = ""
    content: str = ""
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    first_token_seconds: float | None = None
    calls_from_text: bool = False
    attempts: int = 1

    @property
    def truncated_in_thinking(self) -> bool:
        """Cut off by max_tokens before the model got past its reasoning: no action came out."""
        return self.finish_reason == "length" and not self.tool_calls and not self.content.strip()


def decode_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Arguments as a dict, or None and the reason they are unusable."""
    if isinstance(raw, dict):
        if _depth(raw) > MAX_DEPTH:
            return None, f"arguments are nested more than {MAX_DEPTH} levels deep"
        return raw, None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None
    if not isinstance(raw, str):
        return None, f"arguments must be a JSON object, got {type(raw).__name__}"
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        return None, f"arguments are not valid JSON ({exc})"
    except RecursionError:
        return None, f"arguments are nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        return decode_arguments(value)
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    if _depth(value) > MAX_DEPTH:
        return None, f"arguments are nested more than {MAX_DEPTH} levels deep"
    return value, None


MAX_DEPTH = 32  # no tool takes arguments nested deeper; deeper JSON breaks encoders later


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def new_call_id() -> str:
    """An id for a call the server did not number (parsed from text, or a text action)."""
    return f"call-{uuid.uuid4().hex[:16]}"
