"""One way to build an agent's parts from `Settings`, shared by run, bench, doctor and the
library API: the model client, the family (its preset resolved with the user's overrides) and
the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from agent import families
from agent.errors import AgentError
from agent.families.base import EnvironmentKind, Family, FamilySetup, FamilySpec
from agent.families.presets import Preset
from agent.model import ChatModel, ModelClient, ModelSettings
from agent.settings import EnvironmentConfig, FamilyConfig, ModelConfig, Settings

if TYPE_CHECKING:
    from environments.base import Environment

# FamilyConfig fields that override the preset field of the same name.
PRESET_OVERRIDES = (
    "grid",
    "divisor",
    "max_pixels",
    "max_tokens",
    "history_images",
    "response_format",
)
SAMPLING_OVERRIDES = ("temperature", "top_p", "top_k", "presence_penalty")


@dataclass(frozen=True)
class Resolution:
    """The family and preset for a model, with every value and where it came from."""

    spec: FamilySpec
    preset: Preset  # the overrides applied
    thinking: bool
    sampling_name: str
    sampling: dict[str, float]
    sources: dict[str, str]  # preset field / "thinking" / sampling key -> where it came from
    notes: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)  # the family's options given


def resolve_family(
    config: FamilyConfig, model_id: str, given: Mapping[str, str] | None = None
) -> Resolution:
    """The model's family and preset with the user's values applied.

    `given` names where each user value came from (a file, the command line); values not
    named there are "settings" (the library API)."""
    where = dict(given or {})
    choice = families.choose(model_id, config.family)
    preset = choice.preset
    notes = [choice.note] if choice.note else []
    if config.preset is not None:
        preset = families.preset_named(choice.family, config.preset)
        notes = []
    origin = f"preset {preset.name}"
    sources = {name: origin for name in ("grid", "divisor", "factor", "min_pixels",
                                         "max_pixels", "max_tokens", "history_images",
                                         "history_chunk", "tool_parser", "reasoning_parser",
                                         "response_format")}  # fmt: skip
    overrides = {n: getattr(config, n) for n in PRESET_OVERRIDES if getattr(config, n) is not None}
    for name in overrides:
        sources[name] = where.get(name, "settings")
    preset = replace(preset, **overrides)
    thinking, source = _thinking(config, preset, where, notes)
    sources["thinking"] = source
    table = choice.family.presets()
    name = config.sampling or (preset.sampling_thinking if thinking else preset.sampling_instant)
    sampling = table.sampling_values(name) if name else {}
    sampling_origin = where.get("sampling", "settings") if config.sampling else origin
    sources.update({key: f"{sampling_origin} (sampling {name})" for key in sampling})
    for key in SAMPLING_OVERRIDES:
        value = getattr(config, key)
        if value is not None:
            sampling[key] = value
            sources[key] = where.get(key, "settings")
    chosen = choice.family.option_values(config.family_option)
    for option in chosen:
        sources[f"option {option}"] = where.get("family_option", "settings")
    return Resolution(
        choice.family, preset, thinking, name, sampling, sources, tuple(notes), chosen
    )


def _thinking(
    config: FamilyConfig, preset: Preset, where: Mapping[str, str], notes: list[str]
) -> tuple[bool, str]:
    origin = f"preset {preset.name}"
    if config.thinking is None:
        return preset.thinking != "never", origin
    if config.thinking and preset.thinking == "never":
        notes.append(
            f"the preset {preset.name} does not think (an Instruct or non-thinking model): "
            "thinking stays off"
        )
        return False, origin
    if not config.thinking and preset.thinking == "always":
        notes.append(f"the preset {preset.name} always thinks: --no-thinking has no effect")
        return True, origin
    return config.thinking, where.get("thinking", "settings")


def serve_hint(model_id: str, preset: Preset) -> str:
    """A vllm serve command suited to the preset (for error messages)."""
    parts = ["vllm serve", model_id or "MODEL"]
    if preset.reasoning_parser:
        parts.append(f"--reasoning-parser {preset.reasoning_parser}")
    parts.append(f"--enable-auto-tool-choice --tool-call-parser {preset.tool_parser}")
    images = preset.history_images + max(1, preset.history_chunk) - 1
    parts.append(f"--limit-mm-per-prompt '{{\"image\": {images}}}'")
    return " ".join(parts)


def build_model(config: ModelConfig, max_retries: int = 4) -> ModelClient:
    """The client of the main model server."""
    return ModelClient(
        ModelSettings(
            base_url=config.model_url,
            api_key=config.api_key,
            model=config.model,
            timeout=config.request_timeout,
            stall_timeout=config.stall_timeout,
            stream=config.stream,
            max_retries=max_retries,
        )
    )


def build_grounding(config: ModelConfig) -> ModelClient | None:
    """The client of the grounding server, if one is configured (composed families)."""
    if config.grounding_url is None and config.grounding_model is None:
        return None
    url = config.grounding_url or config.model_url
    return ModelClient(
        ModelSettings(
            base_url=url,
            api_key=config.api_key,
            model=config.grounding_model,
            timeout=config.request_timeout,
            stall_timeout=config.stall_timeout,
        )
    )


def tell_model(client: ModelClient, model_id: str, resolution: Resolution) -> None:
    """Give the client the family's server hints, for its error messages."""
    client.settings.serve_hint = serve_hint(model_id, resolution.preset)
    client.settings.tool_parser = resolution.preset.tool_parser


def build_family(
    settings: Settings,
    model_id: str,
    resolution: Resolution,
    environment: EnvironmentKind | None = None,
    extra_tools: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
    grounding: ChatModel | None = None,
) -> Family:
    env = environment or settings.environment.env
    if env not in resolution.spec.environments:
        where = ", ".join(resolution.spec.environments)
        raise AgentError(
            f"the {resolution.spec.name} family acts on {where}, not {env}: choose another "
            "--family or --env"
        )
    setup = FamilySetup(
        model_id=model_id,
        environment=env,
        preset=resolution.preset,
        thinking=resolution.thinking,
        sampling=dict(resolution.sampling),
        server_url=settings.model.model_url,
        extra_tools=tuple(extra_tools),
        grounding=grounding,
        options=dict(resolution.options),
    )
    return resolution.spec.create(setup)


def fit_to_server(
    client: ModelClient, family: Family, screen: tuple[int, int], settings: Settings
) -> tuple[Family, list[str]]:
    """The family fitted to what the server accepts (see agent.preflight), and notes for the
    user; raises before the first step with what the server would refuse and the fix."""
    from agent.preflight import check_server

    return check_server(
        client,
        family,
        screen,
        settings.loop.max_steps,
        settings.family.max_tokens is not None,
        settings.model.check_images,
    )


def family_for(
    model_id: str,
    environment: EnvironmentKind = "desktop",
    settings: Settings | None = None,
    extra_tools: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
) -> Family:
    """A family instance for a model id in one call (tests, scripts, the library)."""
    settings = settings or Settings()
    resolution = resolve_family(settings.family, model_id)
    return build_family(settings, model_id, resolution, environment, extra_tools)


def build_environment(config: EnvironmentConfig) -> Environment:
    if config.env == "desktop":
        from environments.desktop import DesktopEnvironment, DesktopSettings

        return DesktopEnvironment(DesktopSettings(screen=config.screen, display=config.display))
    if config.env == "android":
        from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings

        adb = AdbSettings(serial=config.device, host=config.adb_host, connect=config.connect)
        if config.adb_port is not None:
            adb = replace(adb, port=config.adb_port)
        return AndroidEnvironment(AndroidSettings(adb=adb, display_id=config.display_id))
    raise AgentError(f"unknown environment {config.env!r}: the environments are desktop, android")
