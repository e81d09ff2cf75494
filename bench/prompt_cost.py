"""What each request of a 30-step desktop run costs the server: our defaults beside OSWorld's.

The same scripted 30-step run at 1920x1080 (a new screenshot every step, a one-line Action and
a tool call per reply) is rendered by three request policies:
- ours: the Qwen family's default (the makers' conversation, the preset's history of 3
  screenshots moved 2 steps at a time, 1920x1088 images);
- osworld: the request policy of OSWorld's Qwen3-VL agent (mm_agents/qwen3vl_agent.py):
  history_n=4 (the last 4 steps with their screenshots plus the current one), the window
  sliding one step at a time, factor 32 / max_pixels 16*16*4*12800 (1920x1088);
- structured: our structured option (--response-format tool_call), for reference.
Per request it counts image tokens (one per 32x32 patch, plus 2 per image), prompt tokens
(text at 4 characters a token, 5 tokens of chat markup per message, tool schemas in the
prompt as the chat template puts them) and the tokens the server must prefill given vLLM's
prefix cache: the request less the longest prefix equal to the previous request's, in whole
16-token blocks (an image's tokens match only the same image at the same place).

    .venv/bin/python bench/prompt_cost.py [--steps 30] [--model Qwen/Qwen3-VL-8B-Instruct]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from agent.builder import family_for  # noqa: E402
from agent.families.base import AssistantEntry, Entry, Family, UserEntry  # noqa: E402
from agent.settings import Settings  # noqa: E402
from agent.turn import ToolCall  # noqa: E402
from environments.base import Observation  # noqa: E402

SCREEN = (1920, 1080)
BLOCK = 16  # vLLM's KV-cache block: a prefix is reused in whole blocks
CHARS_PER_TOKEN = 4
MESSAGE_TOKENS = 5  # <|im_start|>role\n ... <|im_end|>\n
OSWORLD_HISTORY = 4


def policies(model: str) -> dict[str, Family]:
    ours = family_for(model)
    osworld = family_for(model)
    osworld.preset = replace(osworld.preset, history_images=OSWORLD_HISTORY, history_chunk=1)
    structured = family_for(
        model, settings=Settings().with_values({"response_format": "tool_call"})
    )
    return {"ours": ours, "osworld": osworld, "structured": structured}


def run_entries(family: Family, steps: int) -> list[list[Entry]]:
    """The loop's entries before each request of a scripted run."""
    images = []
    for step in range(steps):
        shade = (step * 37 % 256, step * 91 % 256, 120)
        images.append(family.encode(Observation(Image.new("RGB", SCREEN, shade))))
    entries: list[Entry] = [
        family.first_entry("Rename every file in ~/docs to lower case.", images[0])
    ]
    before = [list(entries)]
    for step in range(1, steps):
        arguments = {"action": "left_click", "coordinate": [100 + step * 20, 500]}
        said = (
            f"Action: Click the file number {step} in the list.\n<tool_call>\n"
            + json.dumps({"name": "computer_use", "arguments": arguments})
            + "\n</tool_call>"
        )
        call = ToolCall(f"call-{step}", "computer_use", arguments)
        entries.append(AssistantEntry(said, (call,), ("clicked",)))
        entries.append(UserEntry(image=images[step]))
        before.append(list(entries))
    return before


def pieces(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[Any]:
    """The request as a sequence of token stand-ins, in prompt order."""
    out: list[Any] = []
    if tools:  # the chat template writes the tools into the system turn
        out += _text(json.dumps(tools))
    for message in messages:
        out += [("m", message["role"], k) for k in range(MESSAGE_TOKENS)]
        content = message.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        if message.get("tool_calls"):
            parts = [*parts, {"type": "text", "text": json.dumps(message["tool_calls"])}]
        for part in parts:
            if part["type"] == "text":
                text = part["text"]
                out += [
                    ("t", text[i : i + CHARS_PER_TOKEN])
                    for i in range(0, len(text), CHARS_PER_TOKEN)
                ]
            else:
                url = part["image_url"]["url"]
                digest = hashlib.sha1(url.encode()).hexdigest()
                out += [("i", digest, k) for k in range(image_tokens(url))]
    return out


def _text(text: str) -> list[Any]:
    return [("t", text[i : i + CHARS_PER_TOKEN]) for i in range(0, len(text), CHARS_PER_TOKEN)]


def image_tokens(url: str) -> int:
    with Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2]))) as image:
        width, height = image.size
    return math.ceil(width / 32) * math.ceil(height / 32) + 2


def common_prefix(a: list[Any], b: list[Any]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def measure(family: Family, steps: int) -> dict[str, list[int]]:
    figures: dict[str, list[int]] = {"images": [], "image_tokens": [], "prompt": [], "prefill": []}
    previous: list[Any] = []
    for entries in run_entries(family, steps):
        messages = family.render(entries)
        tools = family.tools(SCREEN)
        sequence = pieces(messages, tools)
        urls = [
            p["image_url"]["url"]
            for m in messages
            if isinstance(m.get("content"), list)
            for p in m["content"]
            if p["type"] == "image_url"
        ]
        cached = common_prefix(previous, sequence) // BLOCK * BLOCK
        figures["images"].append(len(urls))
        figures["image_tokens"].append(sum(image_tokens(u) for u in urls))
        figures["prompt"].append(len(sequence))
        figures["prefill"].append(len(sequence) - cached)
        previous = sequence
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--model", default="Qwen/Qwen3-VL-8B-Instruct")
    args = parser.parse_args()
    results = {name: measure(f, args.steps) for name, f in policies(args.model).items()}
    print(f"{args.model}, {args.steps} steps at {SCREEN[0]}x{SCREEN[1]}")
    print(f"{'per request':28}" + "".join(f"{n:>22}" for n in results))
    print(f"{'':28}" + "".join(f"{'median':>11}{'mean':>11}" for _ in results))
    labels = {
        "images": "images",
        "image_tokens": "image tokens",
        "prompt": "prompt tokens",
        "prefill": "prefill tokens (prefix cache)",
    }
    for key, label in labels.items():
        row = f"{label:28}"
        for figures in results.values():
            values = figures[key]
            row += f"{statistics.median(values):>11.0f}{statistics.mean(values):>11.0f}"
        print(row)
    print(
        f"{'run total prefill':28}" + "".join(f"{sum(f['prefill']):>22}" for f in results.values())
    )


if __name__ == "__main__":
    main()
