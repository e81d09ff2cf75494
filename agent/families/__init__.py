"""Model families, chosen by model id or by name (`--family`).

Each family is a module or small package of this package that defines `FAMILY`, a
`agent.families.base.FamilySpec`; `BUILTIN` lists them. A library user adds one with
`register(spec)`. Choosing:

- `choose(model_id, name=None)` -> `Choice`: the named family (its preset for the model id, or
  its fallback preset), else the family whose preset table matches the model id, else the
  family that claims the id most (fallback preset), else the first built-in family; `note`
  says when no preset matched exactly and which one is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from agent.errors import AgentError
from agent.families.base import FamilySpec
from agent.families.presets import Preset

BUILTIN = (
    "agent.families.qwen",
    "agent.families.uitars",
    "agent.families.opencua",
    "agent.families.guiowl",
    "agent.families.composed",
)
_registered: dict[str, FamilySpec] = {}
_loaded = False


def register(spec: FamilySpec) -> None:
    """Add a family (or replace one of the same name)."""
    _registered[spec.name] = spec


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    for module in BUILTIN:
        spec: FamilySpec = importlib.import_module(module).FAMILY
        _registered.setdefault(spec.name, spec)
    _loaded = True


def families() -> list[FamilySpec]:
    """Every family known, built-in ones first."""
    _load_builtin()
    return list(_registered.values())


def get(name: str) -> FamilySpec:
    for spec in families():
        if name == spec.name or name in spec.aliases:
            return spec
    known = ", ".join(s.name for s in families())
    raise AgentError(f"unknown model family {name!r}: the families are {known} (see --family)")


@dataclass(frozen=True)
class Choice:
    family: FamilySpec
    preset: Preset
    exact: bool  # a preset matched the model id
    note: str | None = None  # said to the user when no preset matched exactly


def choose(model_id: str, name: str | None = None) -> Choice:
    if name is not None:
        spec = get(name)
        return _from(spec, model_id)
    for spec in families():
        preset = spec.presets().find(model_id)
        if preset is not None:
            return Choice(spec, preset, True)
    ranked = sorted(families(), key=lambda s: s.claims(model_id), reverse=True)
    return _from(ranked[0], model_id)


def _from(spec: FamilySpec, model_id: str) -> Choice:
    table = spec.presets()
    preset = table.find(model_id)
    if preset is not None:
        return Choice(spec, preset, True)
    fallback = table.presets[table.fallback]
    note = (
        f"no preset matches the model {model_id!r}; using the {spec.name} family's defaults "
        f"(preset {fallback.name}); pass --family and --preset to choose, or set single "
        "values with flags"
    )
    return Choice(spec, fallback, False, note)


def preset_named(spec: FamilySpec, name: str) -> Preset:
    table = spec.presets()
    if name not in table.presets:
        known = ", ".join(table.presets)
        raise AgentError(f"the {spec.name} family has no preset {name!r}: the presets are {known}")
    return table.presets[name]
