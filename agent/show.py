"""`agent config show`: every setting with its value and source, then the model's family and
preset with the value and source of each preset entry (the preset, a file, the command line)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from agent import builder, options
from agent.errors import AgentError
from agent.families.presets import FIELD_NAMES
from agent.settings import GROUPS, Settings

_SECRET = {"api_key"}


def _value(settings: Settings, name: str) -> Any:
    for group_name, group in GROUPS.items():
        if name in {f.name for f in fields(group)}:
            return getattr(getattr(settings, group_name), name)
    raise KeyError(name)


def _text(name: str, value: Any) -> str:
    if value is None:
        described = options.described_default(name)
        return described or "none"
    if name == "family_option":
        return ", ".join(value) or "none"
    if isinstance(value, tuple):
        return "x".join(map(str, value))
    if name in _SECRET and value:
        return "****"
    return str(value)


def _model_id(settings: Settings) -> tuple[str | None, str]:
    if settings.model.model:
        return settings.model.model, "--model"
    client = builder.build_model(settings.model, max_retries=0)
    client.settings.timeout = 5.0
    try:
        return client.model, f"listed by {settings.model.model_url}"
    except AgentError:
        return None, f"no server answered at {settings.model.model_url}"


def show(settings: Settings, sources: dict[str, str]) -> str:
    names = options.option_names(options.CONFIG)
    width = max(len(n) for n in names) + 2
    rows = []
    for name in sorted(names):
        value = _value(settings, name)
        source = sources.get(name, "default")
        label = name.replace("_", "-")
        rows.append(f"{label:<{width}} {_text(name, value):<28} ({source})")
    model_id, how = _model_id(settings)
    if model_id is None:
        rows.append(f"model: unknown ({how}); pass --model ID to see its family and preset")
        return "\n".join(rows)
    resolution = builder.resolve_family(settings.family, model_id, sources)
    preset = resolution.preset
    rows.append(f"model: {model_id} ({how})")
    rows.append(f"family: {resolution.spec.name}, preset {preset.name}; its values:")
    rows.extend(f"note: {note}" for note in resolution.notes)
    values: dict[str, Any] = {n: getattr(preset, n) for n in FIELD_NAMES}
    values["thinking_modes"] = values.pop("thinking")
    values["thinking"] = resolution.thinking
    values["sampling"] = resolution.sampling_name
    values.update(resolution.sampling)
    for name, value in values.items():
        source = resolution.sources.get(name, f"preset {preset.name}")
        if name == "sampling" and settings.family.sampling:
            source = sources.get("sampling", "settings")
        label = "  " + name.replace("_", "-")
        rows.append(f"{label:<{width}} {_text(name, value):<28} ({source})")
    for option in resolution.spec.options:
        given = resolution.options.get(option.name)
        text = (option.default or "the family's choice") if given is None else str(given)
        source = resolution.sources.get(f"option {option.name}", "the family's default")
        label = f"  option {option.name}"
        rows.append(f"{label:<{width}} {text:<28} ({source})")
    return "\n".join(rows)
