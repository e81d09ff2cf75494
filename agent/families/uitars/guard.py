"""What a UI-TARS reply must satisfy before ByteDance's parser sees it, and the one value read
back from that parser's output.

The parser runs regular expressions over the whole reply (one of them takes time quadratic in
a run of whitespace after `Thought:`) and `ast.parse` over the action; a reply from a
misconfigured or broken server may be of any length or nesting. So a reply is bounded first,
only its action goes to the parser, and a box comes back through a strict reader instead of
`ast.literal_eval`: every way a reply can be wrong ends as InvalidAction, which the model is
told.
"""

from __future__ import annotations

import math

from agent.errors import InvalidAction

MAX_REPLY_CHARS = 32_000  # ~80 times the preset's 400 output tokens; a longer reply is refused
MAX_NESTING = 32  # an action nests brackets 2 deep; the rest is for text typed
_OPEN, _CLOSE = "([{", ")]}"


def bounded(text: str) -> str:
    """`text` if it is short enough to parse; InvalidAction says why not."""
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidAction(
            f"it is {len(text)} characters long, more than the {MAX_REPLY_CHARS} read; reply "
            "with a short Thought and one Action"
        )
    return text


def bounded_nesting(action: str) -> str:
    """`action` if its brackets nest shallowly enough to parse; InvalidAction says why not."""
    depth = deepest = 0
    for char in action:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise InvalidAction(f"its brackets nest {deepest} deep; an action needs at most 2")
    return action


def action_part(text: str) -> str:
    """What the parser needs of a reply: its last `Action: ...` (the thought is not read)."""
    _, sep, action = text.rpartition("Action: ")
    return f"Action: {action}" if sep else text


def box(value: object, name: str, key: str) -> tuple[float, float, float, float]:
    """The parser's box (`str` of a list of two or four fractions) as four finite numbers."""
    text = str(value).strip()
    if len(text) > 200 or not (text.startswith("[") and text.endswith("]")):
        raise InvalidAction(f"{name} needs {key}='(x,y)'")
    try:
        numbers = [float(part) for part in text[1:-1].split(",")]
    except ValueError:
        raise InvalidAction(f"{name} needs {key}='(x,y)' with two numbers") from None
    if len(numbers) == 2:
        numbers *= 2
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidAction(f"{name} needs {key}='(x,y)' with two finite numbers")
    x1, y1, x2, y2 = numbers
    return x1, y1, x2, y2
