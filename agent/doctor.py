"""`agent doctor`: why doesn't it work with my server? Each check passes or fails with the fix.

The model checks send a few tiny requests (thinking off where it does not matter, max_tokens
small), so they are quick even on a large model.
"""

from __future__ import annotations

import json
import math
import os
import pwd
import shutil
import subprocess
import tempfile
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
from agent.preflight import problems, prompt_estimate
from agent.probe import HEADER
from agent.settings import Settings
from environments.base import Observation
from environments.desktop.display import SESSION_USER
from environments.desktop.session import session_user

# The display and the XFCE session every desktop run starts (environments.desktop.xfce).
DESKTOP_TOOLS = (
    "Xvfb", "xdotool", "xclip", "setxkbmap", "dbus-daemon", "xfwm4", "xfce4-panel", "xfdesktop"
)  # fmt: skip
# Programs one feature needs, and the feature: missing, only that feature is lost.
FEATURE_TOOLS = (
    ("ffmpeg", "--record-video"),
    ("x11vnc", "--vnc"),
)
# The apps the desktop suite's tasks open (tasks/suites/desktop).
SUITE_APPS = ("mousepad", "gnumeric", "ssconvert", "pcmanfm", "xterm", "chromium")
PROBE = {HEADER: "doctor"}  # a scripted stand-in answers these without using up its turns
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
MIN_REPLY_TOKENS = 4096  # less room than this beside a full history starves a thinking reply


def run_checks(settings: Settings) -> Iterator[Check]:
    yield _desktop_tools()
    yield account_check()
    yield _settings_database()
    yield from _feature_tools()
    yield _suite_apps()
    yield from _model_checks(settings)
    yield _adb()
    if settings.environment.env == "android":
        yield _android_displays(settings)
    yield _npx()


def _desktop_tools() -> Check:
    missing = [tool for tool in DESKTOP_TOOLS if shutil.which(tool) is None]
    if missing:
        return Check(
            "display tooling", False, f"missing {', '.join(missing)}", "./scripts/setup.sh"
        )
    return Check("display tooling", True, ", ".join(DESKTOP_TOOLS) + " present")


def account_check(name: str = SESSION_USER) -> Check:
    """As root, the desktop's programs run as `name` in a user namespace (session.py), so apps
    show no "root account" warning; without unshare or user namespaces they run as root."""
    title = "desktop session account"
    if os.geteuid() != 0:
        return Check(title, True, "not root: the desktop's programs run as you")
    if shutil.which("unshare") is None:
        detail = "unshare not found: the desktop's programs run as root (apps warn of it)"
        return Check(title, None, detail, "./scripts/setup.sh")
    try:
        pwd.getpwnam(name)
    except KeyError:
        detail = f"no account {name!r}: the desktop's programs run as nobody"
        return Check(title, None, detail, "./scripts/setup.sh")
    user = session_user(name)
    if user is None:
        detail = "unshare --user fails here: the desktop's programs run as root (apps warn of it)"
        fix = "allow user namespaces (sysctl user.max_user_namespaces), or run as a normal user"
        return Check(title, None, detail, fix)
    return Check(title, True, f"the desktop's programs run as {name!r} (uid {user.uid})")


def _settings_database() -> Check:
    """GSettings reach a dconf database through the session bus (what OSWorld's settings tasks
    read and write): set and read back a key on a private bus in a throwaway home."""
    title = "settings database (dconf)"
    missing = [p for p in ("dbus-run-session", "gsettings") if shutil.which(p) is None]
    if missing:
        detail = f"missing {', '.join(missing)}: settings tasks cannot run"
        return Check(title, None, detail, "./scripts/setup.sh")
    key = ["org.gnome.desktop.session", "idle-delay"]
    with tempfile.TemporaryDirectory(prefix="agent-doctor-") as home:
        env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_RUNTIME_DIR=home)
        line = f"gsettings set {' '.join(key)} 7 && gsettings get {' '.join(key)}"
        try:
            argv = ["dbus-run-session", "--", "sh", "-c", line]
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Check(title, None, f"gsettings failed: {exc}", "./scripts/setup.sh")
        stored = os.path.isfile(f"{home}/.config/dconf/user")
    if done.returncode != 0 or not stored:
        why = done.stderr.strip().splitlines()[-1:] or ["nothing was written to dconf"]
        detail = f"settings are not kept ({why[0]}): settings tasks cannot run"
        return Check(title, None, detail, "./scripts/setup.sh")
    return Check(title, True, "gsettings keep their values in a dconf database")


def _feature_tools() -> Iterator[Check]:
    for tool, feature in FEATURE_TOOLS:
        if shutil.which(tool) is None:
            yield Check(tool, None, f"not found: {feature} will not work", "./scripts/setup.sh")
        else:
            yield Check(tool, True, f"present for {feature}")


def _suite_apps() -> Check:
    missing = [app for app in SUITE_APPS if shutil.which(app) is None]
    if missing:
        return Check(
            "desktop suite apps",
            None,
            f"missing {', '.join(missing)}: the tasks that open them cannot run",
            "./scripts/setup.sh",
        )
    return Check("desktop suite apps", True, ", ".join(SUITE_APPS) + " present")


def _http_cause(exc: openai.APIStatusError) -> tuple[str, str]:
    """What an HTTP error of the server says, and the fix for that cause."""
    said = _refusal(exc)
    lower = said.lower()
    detail = f"HTTP {exc.status_code}: {said}"
    if exc.status_code in (401, 403):
        return detail, "pass the server's --api-key (or set OPENAI_API_KEY)"
    if exc.status_code == 404:
        return detail, "check --model-url (it ends in /v1) and --model"
    if "image" in lower and ("at most" in lower or "limit" in lower):
        return said, "image limit"
    if "max_model_len" in lower or "context length" in lower or "maximum context" in lower:
        return detail, "start vLLM with a larger --max-model-len, or lower --history-images"
    if exc.status_code >= 500:
        return detail, "the server failed: see its log"
    return detail, "see the server's log for the refused request"


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
        lambda: _image_size(client, family),
        lambda: _tool_calls(client, family),
        lambda: _reasoning(client, family, _reasoning_parser(resolution)),
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
    return client.sdk.chat.completions.create(**body, extra_headers=PROBE).choices[0].message


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


# What the server's qwen3_coder parser does that the client cannot see (vLLM keeps the last of
# a parameter given twice; the client's own reading refuses the call and tells the model).
DUPLICATES_NOTE = (
    "with it, a parameter the model gives twice is resolved by the server (the last one wins) "
    "and the agent never sees the duplicate: keep the default --response-format action, whose "
    "calls the agent reads itself and refuses with a note to the model"
)

_TOOL_PROMPT = 'Call the {name} tool now with action "wait" and time 1. Do nothing else.'


def _tool_fix(family: Family, text: str = "") -> str:
    parser = family.parser_for_text(text)
    why = "the model writes that format" if parser else f"preset {family.preset.name}"
    return (
        f"start vLLM with --enable-auto-tool-choice --tool-call-parser "
        f"{parser or family.preset.tool_parser} ({why}), needed for --response-format "
        "tool_call; the default conversation reads calls from the text"
    )


def _structured(family: Family) -> Family:
    """The family in the structured format (tools in the request), to probe the server's
    tool-call parser whatever format the run uses."""
    if family.preset.response_format == "tool_call":
        return family
    preset = replace(family.preset, response_format="tool_call")
    return type(family)(replace(family.setup, preset=preset))


def _tool_calls(client: ModelClient, family: Family) -> Check:
    structured = _structured(family)
    tools = structured.tools((1280, 800))
    if not tools:
        return Check("tool-call parser", None, "the family replies in text, not tool calls")
    name = tools[0]["function"]["name"]
    prompt = _TOOL_PROMPT.format(name=name)
    # What the model writes when the server parses nothing: the schema in the system prompt
    # (the makers' way, how the default conversation asks), no tools in the request.
    system = {"role": "system", "content": json.dumps(tools[0])}
    # The makers' conversation sends no tools, so the parser only matters for tool_call.
    ok = False if family.preset.response_format == "tool_call" else None
    try:
        plain = _ask(client, family, [system, *_image_message(1, prompt)], None)
        message = _ask(client, structured, _image_message(1, prompt), tools)
    except openai.APIStatusError as exc:
        return Check("tool-call parser", ok, _refusal(exc), _tool_fix(family))
    writes = family.parser_for_text(plain.content or "")
    if message.tool_calls:
        detail = "the server parses the model's tool calls"
        if (writes or family.preset.tool_parser) == "qwen3_coder":
            detail += f" (qwen3_coder); {DUPLICATES_NOTE}"
        return Check("tool-call parser", True, detail)
    text = message.content or ""
    if writes is None:
        return Check("tool-call parser", None, f"the model did not call the tool: {text[:80]!r}")
    fate = "left in the text" if family.parser_for_text(text) else "swallowed (no content, no call)"
    return Check(
        "tool-call parser",
        ok,
        f"the model writes {writes} tool calls and the server's parser does not read them: "
        f"they are {fate}",
        _tool_fix(family, plain.content or ""),
    )


def _image_size(client: ModelClient, family: Family) -> Check:
    """A screenshot-sized image: its prompt tokens tell the size the server really used."""
    screen = (1920, 1080)
    image = family.encode(Observation(Image.new("RGB", screen, (40, 90, 160))))
    factor = family.preset.factor
    width, height = image.size
    expected = (width // factor) * (height // factor) + 2
    text = [{"type": "text", "text": "Reply with one word."}]
    body = RequestFields({"max_tokens": 1})
    try:
        base = _usage(client, [{"role": "user", "content": text}], body)
        full = _usage(client, [{"role": "user", "content": [image.content_part(), *text]}], body)
    except openai.APIStatusError as exc:
        return Check("image size", False, _refusal(exc), "serve a vision-language model")
    if base is None or full is None:
        return Check("image size", None, "the server reports no prompt_tokens")
    seen = full - base
    name = f"{width}x{height} screenshot"
    if seen >= expected:
        return Check("image size", True, f"a {name} costs {seen} tokens, as sent")
    pixels = (seen - 2) * factor * factor
    if family.preset.grid == "absolute":
        return Check(
            "image size",
            False,
            f"the server shrinks a {name} to about {pixels} pixels ({seen} tokens, not "
            f"{expected}): clicks computed on the absolute grid would land off",
            f"pass --max-pixels {pixels} so the agent sends what the server keeps, or start "
            f"vLLM with --mm-processor-kwargs '{{\"max_pixels\": {width * height}}}'",
        )
    return Check(
        "image size",
        None,
        f"the server shrinks a {name} to about {pixels} pixels ({seen} tokens, not "
        f"{expected}); the relative grid is unaffected but detail is lost",
        f"pass --max-pixels {pixels}, or start vLLM with --mm-processor-kwargs "
        f"'{{\"max_pixels\": {width * height}}}'",
    )


def _usage(client: ModelClient, messages: list[dict[str, Any]], fields: RequestFields) -> int:
    body = client.request_body(messages, None, fields)
    usage = client.sdk.chat.completions.create(**body, extra_headers=PROBE).usage
    return usage.prompt_tokens if usage is not None else None  # type: ignore[return-value]


def _reasoning_parser(resolution: builder.Resolution) -> str:
    """The preset's reasoning parser, else the one its family's thinking presets use."""
    if resolution.preset.reasoning_parser:
        return resolution.preset.reasoning_parser
    presets = resolution.spec.presets().presets.values()
    return next((p.reasoning_parser for p in presets if p.reasoning_parser), "PARSER")


def _reasoning(client: ModelClient, family: Family, parser: str) -> Check:
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
            None,  # the agent splits the think block off the text itself
            "reasoning is mixed into the reply text; the agent splits it off, so this works",
            f"start vLLM with --reasoning-parser {parser} to have it in its own field",
        )
    return Check("separate reasoning", None, "no reasoning came back (a non-thinking model?)")


def _image_limit(client: ModelClient, family: Family) -> Check:
    count = family.max_images()
    try:
        _ask(client, family, _image_message(count, "How many images? Answer with a number."), None)
    except openai.APIStatusError as exc:
        detail, fix = _http_cause(exc)
        if fix == "image limit":
            fix = (
                f"start vLLM with --limit-mm-per-prompt '{{\"image\": {count}}}' "
                "or lower --history-images"
            )
        return Check(f"{count} images per request", False, detail, fix)
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
    prompt = prompt_estimate(family, (1920, 1080), 30)
    wanted = family.preset.max_tokens
    if prompt + wanted > length:
        room = int(length) - prompt
        return Check(
            "context length",
            True if room >= MIN_REPLY_TOKENS else None,
            f"{length} tokens: a 30-step history needs ~{prompt}, so replies get at most "
            f"{room} of the preset's {wanted} output tokens (vLLM clamps max_tokens silently)",
            f"start vLLM with --max-model-len {2 ** (prompt + wanted - 1).bit_length()}, or "
            f"pass --max-tokens {room}",
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


def _android_displays(settings: Settings) -> Check:
    from environments.android.displays import doctor_report

    env = settings.environment
    return Check("android displays", *doctor_report(env.device, env.display_id))


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
