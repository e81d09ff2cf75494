"""`agent serve PRESET`: the right `vllm serve` command for a model, from one table of presets
(`serve_presets.toml`), printed or run."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from agent.errors import AgentError
from agent.families.history import max_images


@dataclass(frozen=True)
class Preset:
    name: str
    model: str
    tensor_parallel: int
    max_model_len: int
    tool_parser: str
    reasoning_parser: str | None = None
    speculative: str | None = None
    note: str = ""


@cache
def presets() -> dict[str, Preset]:
    text = (resources.files("agent") / "serve_presets.toml").read_text()
    return {name: Preset(name=name, **fields) for name, fields in tomllib.loads(text).items()}


def preset(name: str) -> Preset:
    table = presets()
    if name not in table:
        raise AgentError(f"unknown preset {name!r}: the presets are {', '.join(table)}")
    return table[name]


def vllm_argv(
    chosen: Preset,
    tp: int | None = None,
    port: int = 8000,
    history_images: int = 3,
    history_chunk: int = 2,
) -> list[str]:
    """The `vllm serve` command line; images allowed = what the history policy can send."""
    images = max_images(history_images, history_chunk)
    argv = ["vllm", "serve", chosen.model, "--port", str(port)]
    argv += ["--tensor-parallel-size", str(tp or chosen.tensor_parallel)]
    argv += ["--max-model-len", str(chosen.max_model_len)]
    if chosen.reasoning_parser:
        argv += ["--reasoning-parser", chosen.reasoning_parser]
    argv += ["--enable-auto-tool-choice", "--tool-call-parser", chosen.tool_parser]
    argv += ["--limit-mm-per-prompt", json.dumps({"image": images, "video": 0})]
    if chosen.speculative:
        argv += ["--speculative-config", chosen.speculative]
    return argv


def listing() -> str:
    rows = [f"{'preset':<15} {'model':<34} {'TP':>2}  note"]
    rows += [
        f"{p.name:<15} {p.model:<34} {p.tensor_parallel:>2}  {p.note}" for p in presets().values()
    ]
    return "\n".join(rows)


def execute(argv: list[str]) -> None:
    """Replace this process with vLLM, so signals and exit codes are vLLM's own."""
    if shutil.which(argv[0]) is None:
        raise AgentError(
            "vllm is not installed here: `pip install '.[vllm]'` on a machine with a GPU, "
            f"or run the printed command where vLLM is: {shlex.join(argv)}"
        )
    os.execvp(argv[0], argv)
