"""Per-model presets as data: one TOML table per family, shipped in the family's package.

A table has named sampling choices and presets; a preset may name a `base` preset whose values
it inherits. Each preset lists `match` patterns (regular expressions searched in the lower-case
model id); the first preset whose pattern matches is the model's preset.

    [sampling.instant]
    temperature = 0.7
    [presets.qwen3-vl]
    match = ['qwen3-vl']
    grid = "relative"
    ...
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any, Literal

from agent.errors import AgentError
from agent.grid import GridKind

Thinking = Literal["always", "optional", "never"]


@dataclass(frozen=True)
class Preset:
    """How a model was run by its makers: image size, grid, output length, sampling, server."""

    name: str
    match: tuple[str, ...] = ()
    grid: GridKind = "relative"
    divisor: int = 1000  # the relative grid's scale: x_screen = x / divisor * width
    factor: int = 32  # images are resized to multiples of this many pixels (patch x merge)
    min_pixels: int = 32 * 32 * 4
    max_pixels: int = 16 * 16 * 4 * 12800
    max_tokens: int = 32768
    thinking: Thinking = "optional"
    sampling_thinking: str = ""  # a name in the table's sampling choices
    sampling_instant: str = ""
    tool_parser: str = "hermes"  # what `vllm serve --tool-call-parser` should be
    reasoning_parser: str = ""  # what `vllm serve --reasoning-parser` should be ("": none)
    response_format: str = "tool_call"  # how replies are written (the family interprets it)
    history_images: int = 3
    history_chunk: int = 2
    image_format: str = "jpeg"

    @property
    def thinking_default(self) -> bool:
        return self.thinking == "always"

    def matches(self, model_id: str) -> bool:
        name = model_id.lower()
        return any(re.search(pattern, name) for pattern in self.match)


FIELD_NAMES = tuple(f.name for f in fields(Preset) if f.name not in ("name", "match"))


@dataclass(frozen=True)
class PresetTable:
    presets: Mapping[str, Preset]
    sampling: Mapping[str, Mapping[str, float]]
    fallback: str  # the preset for a model id of this family that no preset matches

    def find(self, model_id: str) -> Preset | None:
        """The most specific preset for a model id (the longest pattern that matches)."""
        best: tuple[int, Preset] | None = None
        name = model_id.lower()
        for preset in self.presets.values():
            for pattern in preset.match:
                if re.search(pattern, name) and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), preset)
        return best[1] if best else None

    def sampling_values(self, name: str) -> dict[str, float]:
        if name not in self.sampling:
            known = ", ".join(sorted(self.sampling))
            raise AgentError(f"unknown sampling choice {name!r}: the choices are {known}")
        return dict(self.sampling[name])


def load_table(package: str, name: str = "presets.toml") -> PresetTable:
    """A family's preset table from its package data."""
    path = resources.files(package) / name
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    raw: dict[str, dict[str, Any]] = data.get("presets", {})
    presets = {key: _resolve(key, raw, str(path)) for key in raw}
    sampling = {k: dict(v) for k, v in data.get("sampling", {}).items()}
    fallback = str(data.get("fallback", next(iter(presets), "")))
    return PresetTable(presets, sampling, fallback)


def _resolve(key: str, raw: dict[str, dict[str, Any]], where: str, depth: int = 0) -> Preset:
    if depth > 8:
        raise AgentError(f"{where}: preset {key!r} inherits in a loop")
    values = dict(raw[key])
    base = values.pop("base", None)
    inherited: dict[str, Any] = {}
    if base is not None:
        if base not in raw:
            raise AgentError(f"{where}: preset {key!r} has unknown base {base!r}")
        parent = _resolve(base, raw, where, depth + 1)
        inherited = {f: getattr(parent, f) for f in FIELD_NAMES}
    unknown = set(values) - set(FIELD_NAMES) - {"match"}
    if unknown:
        raise AgentError(f"{where}: preset {key!r} has unknown keys {sorted(unknown)}")
    merged = {**inherited, **values}
    merged["match"] = tuple(values.get("match", ()))
    return Preset(name=key, **merged)


def table_of(package: str) -> Callable[[], PresetTable]:
    """The loader a family's spec names: its package's table, read once."""
    return cache(lambda: load_table(package))


def claims_word(word: str, weight: int = 2) -> Callable[[str], int]:
    """How a family claims model ids that no preset matches: by a word in the id."""
    return lambda model_id: weight if word in model_id.lower() else 0
