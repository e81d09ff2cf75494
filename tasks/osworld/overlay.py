"""Reference solutions for real OSWorld tasks, kept beside OSWorld's files rather than in them:
`solutions.yaml` maps "domain/task id" (OSWorld reuses a few ids across domains) to its
solution in the oracle's step vocabulary (the YAML
`solution` of tasks/task.schema.json), played by `agent bench --oracle` through the model's
path. OSWorld's own files stay untouched.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def solutions() -> dict[str, list[Any]]:
    text = resources.files("tasks.osworld").joinpath("solutions.yaml").read_text("utf-8")
    return yaml.safe_load(text) or {}


def solution_for(domain: str | None, task_id: str) -> list[Any] | None:
    return solutions().get(f"{domain}/{task_id}")
