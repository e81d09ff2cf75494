"""The grounding model: a screenshot and a description in, one screen point out.

Three reply conventions are known: UI-TARS answers its own grounding prompt (ByteDance's
GROUNDING template) with `Action: click(start_box='(x,y)')` in pixels of the resized image;
Qwen3-VL answers on its 0..1000 grid; Qwen2.5-VL-based grounders (Holo1.5, UI-Venus-Ground,
GTA1) answer in pixels of the image after Qwen2.5-VL's smart_resize. The kind is picked from
the grounding model's id, or named with the `grounder` option.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from agent.errors import InvalidAction
from agent.families.base import FamilyOption, RequestFields
from agent.families.common import Screenshot, fill, prompt, text_part
from agent.families.uitars.text import parse_reply
from environments.base import Observation

if TYPE_CHECKING:
    from agent.model import ChatModel

GrounderKind = Literal["ui-tars", "qwen3-vl", "qwen2.5-vl"]
PACKAGE = "agent.families.composed"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
FIELDS = RequestFields({"max_tokens": 256, "temperature": 0.0})
SIZES: dict[GrounderKind, Screenshot] = {
    "ui-tars": Screenshot("absolute", 28, 78400, 12845056),
    "qwen3-vl": Screenshot("relative", 32, 4096, 13107200, divisor=1000),
    "qwen2.5-vl": Screenshot("absolute", 28, 3136, 12845056),
}


GROUNDER = FamilyOption(
    "grounder",
    "how the grounding model answers: UI-TARS's grounding prompt, Qwen3-VL's 0..1000 grid "
    "or pixels of Qwen2.5-VL's resized image (default: from the grounding model's id)",
    choices=tuple(SIZES),
)


def grounder_kind(model_id: str, named: str | None = None) -> GrounderKind:
    if named is not None:
        kinds: dict[str, GrounderKind] = {kind: kind for kind in SIZES}
        return kinds[named]
    name = model_id.lower()
    if "tars" in name:
        return "ui-tars"
    if re.search(r"qwen3|qwen-3", name):
        return "qwen3-vl"
    return "qwen2.5-vl"


@dataclass(frozen=True)
class Grounding:
    """One grounding request's outcome, recorded with the step."""

    point: tuple[int, int]
    reply: str
    model: str
    url: str
    seconds: float

    def record(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "url": self.url,
            "point": list(self.point),
            "reply": self.reply,
            "seconds": round(self.seconds, 3),
        }


class Grounder:
    def __init__(self, model: ChatModel, kind: GrounderKind) -> None:
        self.model, self.kind = model, kind
        self.screenshot = SIZES[kind]
        settings = getattr(model, "settings", None)
        self.url = str(getattr(settings, "base_url", "") or "")

    def messages(self, target: str, observation: Observation) -> list[dict[str, Any]]:
        image = self.screenshot.encode(observation).content_part()
        if self.kind == "ui-tars":
            text = fill(prompt(PACKAGE, "grounding_uitars.txt"), instruction=target)
            return [{"role": "user", "content": text}, {"role": "user", "content": [image]}]
        text = fill(prompt(PACKAGE, "grounding_point.txt"), target=target)
        return [{"role": "user", "content": [image, text_part(text)]}]

    def locate(self, target: str, observation: Observation) -> Grounding:
        started = time.monotonic()
        turn = self.model.complete(self.messages(target, observation), None, FIELDS)
        reply = turn.text.strip()
        point = self.point(reply, observation)
        return Grounding(point, reply, self.model.model, self.url, time.monotonic() - started)

    def say(self, x: int, y: int, screen: tuple[int, int]) -> str:
        """How this kind of grounder answers with screen pixel (x, y) (the oracle's wire)."""
        gx, gy = self.screenshot.grid_for(screen).from_screen(x, y)
        if self.kind == "ui-tars":
            return f"Action: click(start_box='({gx},{gy})')"
        return f"({gx}, {gy})"

    def point(self, reply: str, observation: Observation) -> tuple[int, int]:
        if self.kind == "ui-tars":
            try:
                calls = parse_reply(reply, observation, self.screenshot).calls
            except InvalidAction as exc:
                raise InvalidAction(f"the grounding model's reply {reply!r} {exc}") from None
            action = calls[0].action if calls else None
            x, y = getattr(action, "x", None), getattr(action, "y", None)
            if x is None or y is None:
                raise InvalidAction(f"the grounding model did not answer a point: {reply!r}")
            return int(x), int(y)
        numbers = [float(n) for n in _NUMBER.findall(reply)[:2]]
        if len(numbers) < 2:
            raise InvalidAction(f"the grounding model did not answer a point: {reply!r}")
        grid = self.screenshot.grid_for(observation.size)
        width, height = grid.model_size
        x, y = numbers
        if not (0 <= x <= width and 0 <= y <= height):
            raise InvalidAction(f"the grounding model's point ({x:g}, {y:g}) is off the screen")
        return grid.to_screen(x, y)
