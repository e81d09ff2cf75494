"""`agent doctor`: why doesn't it work with my server? Each check passes or fails with the fix.

The model checks send a few tiny requests (thinking off where it does not matter, max_tokens
small), so they are quick even on a large model.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import openai
from PIL import Image

from agent import builder
from agent.errors import AgentError
from agent.families.base import Family, RequestFields
from agent.imaging import encode
from agent.model import ModelClient
from agent.preflight import problems
from agent.settings import Settings

DESKTOP_TOOLS = ("Xvfb", "openbox", "xdotool", "xclip", "setxkbmap", "dbus-daemon")
STEP_TEXT_TOKENS = 3000  # system prompt, tool schema and the text of a long history


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not applicable / a warning that does not fail the doctor
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: "WARN"}[self.ok]
        fix = f"\n      fix: {self.fix}" if self.fix and not self.ok else ""
        return f"{mark}  {self.name}: {self.detail}{fix}"


PROBE_TOKENS = 256  # the probes' replies are short


def run_checks(settings: Settings) -> Iterator[Check]:
    yield _desktop_tools()
    yield from _model_checks(settings)
    yield _adb()
    yield _npx()


def _desktop_tools() -> Check:
    missing = [tool for tool in DESKTOP_TOOLS if shutil.which(tool) is None]
    if missing:
        return Check(
            "display tooling", False, f"missing {', '.join(missing)}", "./scripts/setup.sh"
        )
    return Check("display tooling", True, ", ".join(DESKTOP_TOOLS) + " present")


def _model_checks(settings: Settings) -> Iterator[Check]:
    url = settings.model.model_url
    client = builder.build_model(settings.model, max_retries=0)
    client.settings.timeout = 120
    try:
        listed = client.sdk.models.list().data
    except openai.APIConnectionError:
        yield Check(
            "model server",
            False,
            f"no answer at {url}",
            f"start one with `{client.settings.serve_hint}`, or pass --model-url",
        )
        return
    except openai.APIStatusError as exc:
        yield Check(
            "model server",
            False,
            f"{url}/models: HTTP {exc.status_code}",
            "check --model-url (it ends in /v1) and --api-key",
        )
        return
    ids = [m.id for m in listed]
    yield Check("model server", True, f"{url} answers, serving {', '.join(ids)}")
    model = settings.model.model or (ids[0] if ids else None)
    if model not in ids:
        yield Check(
            "model id",
            False,
            f"{model!r} is not served",
            f"pass --model {ids[0] if ids else 'NAME'}",
        )
        return
    yield Check("model id", True, model)
    client.settings.model = model
    resolution = builder.resolve_family(settings.family, model, settings.sources)
    builder.tell_model(client, model, resolution)
    family = builder.build_family(settings, model, resolution, "desktop")
    detail = f"{resolution.spec.name}, preset {resolution.preset.name}"
    yield Check(
        "family", True if not resolution.notes else None, detail, "; ".join(resolution.notes)
    )
    probes: list[Callable[[], Check]] = [
        lambda: _accepts_image(client, family),
        lambda: _tool_calls(client, family),
        lambda: _reasoning(client, family),
        lambda: _image_limit(client, family),
        lambda: _context(listed, ids.index(model), family),
    ]
    for probe in probes:
        yield probe()


def _image_message(count: int, text: str) -> list[dict[str, Any]]:
    image = encode(Image.new("RGB", (64, 64), (40, 90, 160)), (64, 64), "jpeg")
    parts: list[dict[str, Any]] = [image.content_part() for _ in range(count)]
    return [{"role": "user", "content": [*parts, {"type": "text", "text": text}]}]


def _fields(family: Family, thinking: bool) -> RequestFields:
    """The family's request fields with thinking as asked (where the model can switch) and a
    short reply."""
    setup = replace(family.setup, thinking=thinking)
    fields = type(family)(setup).request_fields()
    return RequestFields({**fields.fields, "max_tokens": PROBE_TOKENS}, fields.extra_body)


def _ask(
    client: ModelClient,
    family: Family,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    thinking: bool = False,
) -> Any:
    client.tool_choice = "auto"
    body = client.request_body(messages, tools, _fields(family, thinking))
    return client.sdk.chat.completions.create(**body).choices[0].message


def _refusal(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error", body)
    return str(inner.get("message") if isinstance(inner, dict) else exc.message)


def _accepts_image(client: ModelClient, family: Family) -> Check:
    try:
        _ask(client, family, _image_message(1, "What colour is this image? One word."), None)
    except openai.APIStatusError as exc:
        return Check(
            "accepts an image",
            False,
            _refusal(exc),
            "serve a vision-language model",
        )
    return Check("accepts an image", True, "a screenshot-sized request was answered")


_TOOL_PROMPT = 'Call the {name} tool now with action "wait" and time 1. Do nothing else.'


def _tool_fix(family: Family) -> str:
    return (
        f"start vLLM with --enable-auto-tool-choice --tool-call-parser "
        f"{family.preset.tool_parser} (preset {family.preset.name}); the agent then gets "
        "structured tool calls"
    )


def _tool_calls(client: ModelClient, family: Family) -> Check:
    tools = family.tools((1280, 800))
    if not tools:
        return Check("structured tool calls", None, "the family replies in text, not tool calls")
    prompt = _TOOL_PROMPT.format(name=tools[0]["function"]["name"])
    fix = _tool_fix(family)
    try:
        message = _ask(client, family, _image_message(1, prompt), tools)
    except openai.APIStatusError as exc:
        return Check("structured tool calls", False, _refusal(exc), fix)
    if message.tool_calls:
        return Check("structured tool calls", True, "the server parses tool calls")
    text = message.content or ""
    if "<tool_call>" in text or "<function=" in text:
        return Check(
            "structured tool calls",
            False,
            "tool calls come back as text: the tool-call parser is off or does not match the model",
            fix,
        )
    return Check("structured tool calls", None, f"the model did not call the tool: {text[:80]!r}")


def _reasoning(client: ModelClient, family: Family) -> Check:
    try:
        message = _ask(client, family, _image_message(1, "Think, then say hello."), None, True)
    except openai.APIStatusError as exc:
        return Check("separate reasoning", False, _refusal(exc))
    extra = message.model_extra or {}
    if extra.get("reasoning") or extra.get("reasoning_content"):
        return Check("separate reasoning", True, "reasoning arrives in its own field")
    if "</think>" in (message.content or ""):
        return Check(
            "separate reasoning",
            False,
            "reasoning is mixed into the reply text",
            f"start vLLM with --reasoning-parser {family.preset.reasoning_parser or 'PARSER'}",
        )
    return Check("separate reasoning", None, "no reasoning came back (a non-thinking model?)")


def _image_limit(client: ModelClient, family: Family) -> Check:
    count = family.max_images()
    try:
        _ask(client, family, _image_message(count, "How many images? Answer with a number."), None)
    except openai.APIStatusError as exc:
        return Check(
            f"{count} images per request",
            False,
            _refusal(exc),
            f"start vLLM with --limit-mm-per-prompt '{{\"image\": {count}}}' "
            f"or lower --history-images",
        )
    return Check(f"{count} images per request", True, "accepted (the history sends at most that)")


def _context(listed: list[Any], index: int, family: Family) -> Check:
    width, height = family.grid((1920, 1080)).image
    factor = family.preset.factor
    per_image = math.ceil(width / factor) * math.ceil(height / factor) + 2
    needed = family.max_images() * per_image + STEP_TEXT_TOKENS
    length = (listed[index].model_extra or {}).get("max_model_len")
    if length is None:
        return Check("context length", None, f"the server does not say; a step needs ~{needed}")
    if length < needed:
        return Check(
            "context length",
            False,
            f"{length} tokens, a step needs ~{needed}",
            f"start vLLM with --max-model-len {2 ** (needed - 1).bit_length()}, or lower "
            "--history-images or --max-tokens",
        )
    found = problems(family, int(length), (1920, 1080), 30)
    if found:
        return Check("context length", False, f"{length} tokens", "; ".join(found))
    return Check("context length", True, f"{length} tokens, a step needs ~{needed}")


def _adb() -> Check:
    if shutil.which("adb") is None:
        return Check("adb", None, "not installed (needed for --env android)", "./scripts/setup.sh")
    try:
        out = subprocess.run(["adb", "devices"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("adb", None, f"adb did not answer: {exc}")
    devices = [line.split()[0] for line in out.splitlines()[1:] if line.strip()]
    detail = f"devices: {', '.join(devices)}" if devices else "no devices attached"
    return Check(
        "adb",
        True if devices else None,
        detail,
        "start an emulator, plug in a phone, or `adb connect HOST:PORT`",
    )


def _npx() -> Check:
    if shutil.which("npx") is None:
        return Check(
            "npx",
            None,
            "not found: reference MCP servers (npx ...) will not start",
            "install Node.js (apt-get install nodejs npm)",
        )
    return Check("npx", True, "present for reference MCP servers")


def diagnose(settings: Settings, out: Callable[[str], None] = print) -> bool:
    """Print every check; True when nothing failed."""
    ok = True
    try:
        for check in run_checks(settings):
            out(check.line())
            ok = ok and check.ok is not False
    except AgentError as exc:
        out(f"FAIL  {exc}")
        return False
    return ok
