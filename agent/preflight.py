"""Before the first step: would the server refuse what this run's preset will send?

Two things a vLLM server rejects are known in advance: an output length over its max_model_len
(HTTP 400 "max_tokens=X cannot be greater than max_model_len=Y"), read from `/v1/models` as
vLLM reports it, and more images in one request than its `--limit-mm-per-prompt`. The image
limit is probed with one request of that many tiny images and max_tokens 0: vLLM 0.33 checks
the images while rendering the prompt and only then refuses max_tokens 0 ("must be at least
1"), so nothing is generated and the refusal says which limit it hit (an output length over
max_model_len would be refused before the images are looked at). A full history that cannot fit
is reported too. An output length from the preset that fits max_model_len but not beside the
longest prompt is lowered to what is left (what vLLM 0.33 does per request; older servers
refuse).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import openai
from PIL import Image

from agent.errors import AgentError
from agent.families.base import Family
from agent.imaging import encode
from agent.model import ModelClient

TEXT_TOKENS_PER_STEP = 200  # a past step's text: its call or description and its result
CHARS_PER_TOKEN = 4  # a rough count for text (the exact one needs the model's tokenizer)


def max_model_len(client: ModelClient) -> int | None:
    """The served model's max_model_len from `/v1/models`, if the server says."""
    try:
        listed = client.sdk.models.list().data
    except openai.OpenAIError:
        return None
    for model in listed:
        if model.id == client.model:
            value = (model.model_extra or {}).get("max_model_len")
            return int(value) if isinstance(value, int | float) else None
    return None


def prompt_estimate(family: Family, screen: tuple[int, int], steps: int) -> int:
    """Prompt tokens of the longest request of a run of `steps` steps (an estimate)."""
    width, height = family.grid(screen).image
    factor = family.preset.factor
    per_image = math.ceil(width / factor) * math.ceil(height / factor) + 2
    fixed = len(json.dumps(family.tools(screen))) + len(json.dumps(family.render([])))
    text = fixed // CHARS_PER_TOKEN + TEXT_TOKENS_PER_STEP * steps
    return family.max_images() * per_image + text


def problems(family: Family, length: int | None, screen: tuple[int, int], steps: int) -> list[str]:
    """What the server would refuse, each with its fix."""
    if length is None:
        return []
    found = []
    max_tokens = family.request_fields().fields.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > length:
        found.append(
            f"the preset {family.preset.name} asks for {max_tokens} output tokens but the "
            f"server's max_model_len is {length} (vLLM refuses that): pass --max-tokens "
            f"{length // 2} or start vLLM with --max-model-len {max_tokens * 2}"
        )
    prompt = prompt_estimate(family, screen, steps)
    if prompt >= length:
        found.append(
            f"a full history needs about {prompt} prompt tokens but the server's "
            f"max_model_len is {length}: lower --history-images or --max-pixels, or start "
            f"vLLM with --max-model-len {2 ** math.ceil(math.log2(prompt * 2))}"
        )
    return found


def image_limit_problem(client: ModelClient, family: Family, length: int) -> str | None:
    """Ask the server to take as many (tiny) images as the history sends, with max_tokens 0
    (refused after the images are checked); a refusal about images is the problem."""
    count = family.max_images()
    if count <= 1:
        return None
    image = encode(Image.new("RGB", (32, 32), (40, 90, 160)), (32, 32), "jpeg")
    content: list[dict[str, Any]] = [image.content_part() for _ in range(count)]
    content.append({"type": "text", "text": "Reply with one word."})
    body: dict[str, Any] = {
        "model": client.model,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": 0,
    }
    try:
        client.sdk.chat.completions.create(**body)
    except openai.APIStatusError as exc:
        if "image" not in str(exc).lower():
            return None
        return (
            f"the server refuses {count} images per request, which the history of preset "
            f"{family.preset.name} sends: start vLLM with --limit-mm-per-prompt "
            f"'{{\"image\": {count}}}', or pass --history-images {max(1, count - 2)}"
        )
    except openai.OpenAIError:
        return None
    return None


def fit_output(
    family: Family, length: int | None, screen: tuple[int, int], steps: int, given: bool
) -> tuple[Family, str | None]:
    """The family with its output length lowered to fit beside the longest prompt, when the
    length came from the preset (a value the user gave is left as it is)."""
    if length is None or given:
        return family, None
    wanted = family.preset.max_tokens
    room = length - prompt_estimate(family, screen, steps)
    if wanted <= room or wanted > length or room <= 0:
        return family, None
    setup = replace(family.setup, preset=replace(family.preset, max_tokens=room))
    note = (
        f"output length {room} tokens (the preset's {wanted} does not fit beside a full "
        f"history in the server's max_model_len of {length}; pass --max-tokens to choose)"
    )
    return type(family)(setup), note


def check_server(
    client: ModelClient,
    family: Family,
    screen: tuple[int, int],
    steps: int = 30,
    max_tokens_given: bool = False,
    check_images: bool = True,
) -> tuple[Family, list[str]]:
    """The family fitted to the server, and notes for the user; raises with every problem
    found, before the first step."""
    length = max_model_len(client)
    family, note = fit_output(family, length, screen, steps, max_tokens_given)
    found = problems(family, length, screen, steps)
    if length is not None and check_images:
        limit = image_limit_problem(client, family, length)
        found += [limit] if limit else []
    if found:
        raise AgentError("the server would refuse this run:\n  " + "\n  ".join(found))
    return family, [note] if note else []
