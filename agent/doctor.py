"""`agent doctor`: why doesn't it work with my server? Each check passes or fails with the fix.

The model checks send a few tiny requests (thinking off where it does not matter, max_tokens
small), so they are quick even on a large model.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
from PIL import Image

from agent.errors import AgentError
from agent.imaging import encode
from agent.model import SERVE_HINT, ModelClient, ModelSettings
from agent.protocols.history import max_images
from agent.protocols.qwen import QwenComputerUse, QwenSettings

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


@dataclass(frozen=True)
class DoctorSettings:
    model_url: str
    model: str | None = None
    api_key: str | None = None
    history_images: int = 3
    history_chunk: int = 2
    max_tokens: int = 8192
    max_pixels: int = 1280 * 800
    env: str = "desktop"
    device: str | None = None  # with env "android": the phone (default: the only one)
    display_id: str | None = None


def run_checks(settings: DoctorSettings) -> Iterator[Check]:
    yield _desktop_tools()
    yield from _model_checks(settings)
    yield _adb()
    if settings.env == "android":
        yield _android_displays(settings)
    yield _npx()


def _desktop_tools() -> Check:
    missing = [tool for tool in DESKTOP_TOOLS if shutil.which(tool) is None]
    if missing:
        return Check(
            "display tooling", False, f"missing {', '.join(missing)}", "./scripts/setup.sh"
        )
    return Check("display tooling", True, ", ".join(DESKTOP_TOOLS) + " present")


def _model_checks(settings: DoctorSettings) -> Iterator[Check]:
    client = ModelClient(
        ModelSettings(
            base_url=settings.model_url,
            api_key=settings.api_key,
            model=None,
            max_retries=0,
            timeout=120,
            thinking=False,
            max_tokens=256,
        )
    )
    try:
        listed = client.sdk.models.list().data
    except openai.APIConnectionError:
        yield Check(
            "model server",
            False,
            f"no answer at {settings.model_url}",
            f"start one with `{SERVE_HINT}`, or pass --model-url",
        )
        return
    except openai.APIStatusError as exc:
        yield Check(
            "model server",
            False,
            f"{settings.model_url}/models: HTTP {exc.status_code}",
            "check --model-url (it ends in /v1) and --api-key",
        )
        return
    ids = [m.id for m in listed]
    yield Check("model server", True, f"{settings.model_url} answers, serving {', '.join(ids)}")
    model = settings.model or (ids[0] if ids else None)
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
    protocol = QwenComputerUse(QwenSettings(max_pixels=settings.max_pixels), model=model)
    probes: list[Callable[[], Check]] = [
        lambda: _accepts_image(client, protocol),
        lambda: _tool_calls(client, protocol),
        lambda: _reasoning(client, protocol),
        lambda: _image_limit(client, protocol, settings),
        lambda: _context(listed, ids.index(model), protocol, settings),
    ]
    for probe in probes:
        yield probe()


def _image_message(protocol: QwenComputerUse, count: int, text: str) -> list[dict[str, Any]]:
    image = encode(Image.new("RGB", (64, 64), (40, 90, 160)), (64, 64), "jpeg")
    parts: list[dict[str, Any]] = [image.content_part() for _ in range(count)]
    return [{"role": "user", "content": [*parts, {"type": "text", "text": text}]}]


def _ask(
    client: ModelClient,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    thinking: bool = False,
) -> Any:
    client.settings.thinking = thinking
    client.tool_choice = "auto"
    body = client.request_body(messages, tools)
    return client.sdk.chat.completions.create(**body).choices[0].message


def _refusal(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error", body)
    return str(inner.get("message") if isinstance(inner, dict) else exc.message)


def _accepts_image(client: ModelClient, protocol: QwenComputerUse) -> Check:
    try:
        _ask(client, _image_message(protocol, 1, "What colour is this image? One word."), None)
    except openai.APIStatusError as exc:
        return Check(
            "accepts an image",
            False,
            _refusal(exc),
            "serve a vision-language model (Qwen3-VL, Qwen3.5)",
        )
    return Check("accepts an image", True, "a screenshot-sized request was answered")


_TOOL_PROMPT = 'Call the computer_use tool now with action "wait" and time 1. Do nothing else.'
_TOOL_FIX = (
    "start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (Qwen3-VL, Qwen2.5-VL) "
    "or qwen3_coder (Qwen3.5); the agent then gets structured tool calls"
)


def _tool_calls(client: ModelClient, protocol: QwenComputerUse) -> Check:
    tools = protocol.tools((1280, 800))
    try:
        message = _ask(client, _image_message(protocol, 1, _TOOL_PROMPT), tools)
    except openai.APIStatusError as exc:
        return Check("structured tool calls", False, _refusal(exc), _TOOL_FIX)
    if message.tool_calls:
        return Check("structured tool calls", True, "the server parses tool calls")
    text = message.content or ""
    if "<tool_call>" in text or "<function=" in text:
        return Check(
            "structured tool calls",
            False,
            "tool calls come back as text: the tool-call parser is off or does not match the model",
            _TOOL_FIX,
        )
    return Check("structured tool calls", None, f"the model did not call the tool: {text[:80]!r}")


def _reasoning(client: ModelClient, protocol: QwenComputerUse) -> Check:
    try:
        message = _ask(client, _image_message(protocol, 1, _TOOL_PROMPT), None, thinking=True)
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
            "start vLLM with --reasoning-parser qwen3",
        )
    return Check("separate reasoning", None, "no reasoning came back (a non-thinking model?)")


def _image_limit(client: ModelClient, protocol: QwenComputerUse, settings: DoctorSettings) -> Check:
    count = max_images(settings.history_images, settings.history_chunk)
    try:
        _ask(
            client, _image_message(protocol, count, "How many images? Answer with a number."), None
        )
    except openai.APIStatusError as exc:
        return Check(
            f"{count} images per request",
            False,
            _refusal(exc),
            f"start vLLM with --limit-mm-per-prompt '{{\"image\": {count}}}' "
            f"or lower --history-images",
        )
    return Check(f"{count} images per request", True, "accepted (the history sends at most that)")


def _context(
    listed: list[Any], index: int, protocol: QwenComputerUse, settings: DoctorSettings
) -> Check:
    width, height = protocol.image_size((1920, 1080))
    per_image = width * height // (protocol.factor**2)
    count = max_images(settings.history_images, settings.history_chunk)
    needed = count * per_image + settings.max_tokens + STEP_TEXT_TOKENS
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


def _android_displays(settings: DoctorSettings) -> Check:
    from environments.android.displays import doctor_report

    return Check("android displays", *doctor_report(settings.device, settings.display_id))


def _npx() -> Check:
    if shutil.which("npx") is None:
        return Check(
            "npx",
            None,
            "not found: reference MCP servers (npx ...) will not start",
            "install Node.js (apt-get install nodejs npm)",
        )
    return Check("npx", True, "present for reference MCP servers")


def diagnose(settings: DoctorSettings, out: Callable[[str], None] = print) -> bool:
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
