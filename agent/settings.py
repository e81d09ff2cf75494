"""What an agent is built from, in small frozen groups, each default declared once here.

`agent run`, `agent bench`, `agent doctor` and the library API all make a `Settings` and hand it
to `agent.builder`. A group's field names are the command-line option names (`max_pixels` is
`--max-pixels`), so flags, `agent.toml` and bench workers map onto them without tables.

    from agent.settings import ModelConfig, Settings
    settings = Settings(task="open mousepad", model=ModelConfig(url="http://gpu:8000/v1"))

Family values left at None come from the model's preset (`agent.families`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from agent.grid import GridKind

DEFAULT_URL = "http://localhost:8000/v1"
DEFAULT_SCREEN = (1280, 800)

Approval = Literal["ask", "auto", "read-only"]
EnvironmentName = Literal["desktop", "android"]


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is served and how to reach it."""

    model_url: str = DEFAULT_URL
    model: str | None = None  # None: the first id the server lists
    api_key: str | None = None
    request_timeout: float = 300.0
    stall_timeout: float = 60.0  # an answer that advances no further for this long is cut
    stream: bool = False
    grounding_url: str | None = None  # a second server, for families that compose two models
    grounding_model: str | None = None
    # Before the first step, ask the server (one request it refuses whatever happens, so
    # nothing is generated) whether it takes as many images as the history will send.
    check_images: bool = True


@dataclass(frozen=True)
class FamilyConfig:
    """Which family and preset speak to the model, and overrides of the preset's values."""

    family: str | None = None  # None: from the model id
    preset: str | None = None  # None: from the model id
    force_family: bool = False  # resume a run recorded with another family
    thinking: bool | None = None
    sampling: str | None = None  # a named sampling choice of the family's table
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    grid: GridKind | None = None
    divisor: int | None = None
    max_pixels: int | None = None
    history_images: int | None = None
    response_format: str | None = None  # "action" (the makers') or "tool_call"
    # The family's own options as NAME=VALUE (`FamilySpec.options`; the last of a name wins).
    family_option: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnvironmentConfig:
    env: EnvironmentName = "desktop"
    display: str | None = None
    screen: tuple[int, int] = DEFAULT_SCREEN
    vnc: int | None = None  # a port; 0 picks a free one
    takeover: bool = False
    record_video: bool = False
    device: str | None = None  # an adb serial; None: the only device adb lists
    adb_host: str = "127.0.0.1"
    adb_port: int | None = None  # None: $ANDROID_ADB_SERVER_PORT or 5037
    connect: str | None = None  # HOST:PORT to `adb connect` before the run
    display_id: str | None = None  # the phone's display; None: the primary one


@dataclass(frozen=True)
class ToolsConfig:
    mcp_config: Path | None = None
    approve: Approval | None = None  # None: ask on a terminal, read-only otherwise
    app_tools: bool = False
    workspace: Path | None = None


@dataclass(frozen=True)
class LoopConfig:
    max_steps: int = 30
    timeout: float | None = None
    max_failures: int = 3


@dataclass(frozen=True)
class RecordingConfig:
    out: Path = Path("runs")
    verbose: bool = False
    resume: Path | None = None


GROUPS: dict[str, type] = {
    "model": ModelConfig,
    "family": FamilyConfig,
    "environment": EnvironmentConfig,
    "tools": ToolsConfig,
    "loop": LoopConfig,
    "recording": RecordingConfig,
}


@dataclass(frozen=True)
class Settings:
    task: str = ""
    model: ModelConfig = field(default_factory=ModelConfig)
    family: FamilyConfig = field(default_factory=FamilyConfig)
    environment: EnvironmentConfig = field(default_factory=EnvironmentConfig)
    tools: ToolsConfig = field(default_factory=ToolsConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    # Where values came from, by field name ("command line", a file); absent: "settings".
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def with_sources(self, sources: Mapping[str, str]) -> Settings:
        return replace(self, sources={**self.sources, **sources})

    def with_values(self, values: dict[str, Any]) -> Settings:
        """These settings with some fields replaced, by field name, whatever their group."""
        changed: dict[str, Any] = {}
        remaining = dict(values)
        if "task" in remaining:
            changed["task"] = remaining.pop("task")
        for group_name in GROUPS:
            group = getattr(self, group_name)
            names = {f.name for f in fields(group)}
            mine = {k: remaining.pop(k) for k in list(remaining) if k in names}
            if mine:
                changed[group_name] = replace(group, **mine)
        if remaining:
            raise KeyError(f"no such setting: {', '.join(sorted(remaining))}")
        return replace(self, **changed)

    def to_json(self, groups: tuple[str, ...] = ("model", "family", "loop")) -> str:
        """The named groups as JSON (what `agent bench` passes to its workers)."""
        data: dict[str, Any] = {name: asdict(getattr(self, name)) for name in groups}
        data["sources"] = dict(self.sources)
        return json.dumps(data, default=str)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        values: dict[str, Any] = {}
        data = json.loads(text)
        sources = data.pop("sources", {})
        for group_name, group in data.items():
            kinds = {f.name: f for f in fields(GROUPS[group_name])}
            for key, value in group.items():
                if isinstance(value, list):
                    value = tuple(value)
                elif value is not None and kinds[key].type in ("Path", "Path | None"):
                    value = Path(value)
                values[key] = value
        return cls().with_values(values).with_sources(sources)


def default(name: str) -> Any:
    """The default of a setting, by field name (for option parsers)."""
    for group in GROUPS.values():
        for item in fields(group):
            if item.name == name:
                if item.default is not MISSING:
                    return item.default
                return item.default_factory()  # type: ignore[misc]
    raise KeyError(name)


def setting_names() -> list[str]:
    return [item.name for group in GROUPS.values() for item in fields(group)]
