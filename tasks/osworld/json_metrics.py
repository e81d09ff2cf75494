"""OSWorld's metrics on JSON (and YAML) settings files and on command output naming installed
extensions (desktop_env/evaluators/metrics/general.py and vscode.py).

- check_json(result, rules, is_yaml=False): each `expect` rule's value, found by its `key`
  path (a missing key scores 0), meets the rule (cells.matches: method, ref); no `unexpect`
  rule's value (None when its path is missing) meets its rule.
- check_json_settings(result, rules): the JSON object holds every key of `expected` with that
  value (updating it with `expected` leaves it as it is).
- check_json_keybindings(result, rules): the JSON list (read whole, or after its first line,
  the comment VS Code writes) holds `expected`.
- is_extension_installed(result, rules): the text holds (`contain`) or lacks
  (`not_contain`) `expected`.

A file that is missing or does not parse scores 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tasks.osworld.cells import matches

_MISSING = object()


def _load(path: Any, is_yaml: bool = False, skip_first_line: bool = False) -> Any:
    if not path or not isinstance(path, str) or not Path(path).is_file():
        return _MISSING
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if skip_first_line:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not is_yaml:
        try:
            return json.loads(text)
        except ValueError:
            return _MISSING
    import yaml  # only check_json's YAML files need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return _MISSING


def _at(data: Any, keys: list[Any]) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def check_json(result: Any, rules: dict[str, Any], is_yaml: bool = False) -> float:
    data = _load(result, is_yaml)
    if data is _MISSING:
        return 0.0
    for rule in rules.get("expect", []):
        value = _at(data, rule["key"])
        if value is _MISSING or not matches(value, rule):
            return 0.0
    for rule in rules.get("unexpect", []):
        value = _at(data, rule["key"])
        if matches(None if value is _MISSING else value, rule):
            return 0.0
    return 1.0


def check_json_settings(result: Any, rules: dict[str, Any]) -> float:
    data = _load(result)
    if not isinstance(data, dict):
        return 0.0
    return float(
        all(key in data and data[key] == value for key, value in rules["expected"].items())
    )


def check_json_keybindings(result: Any, rules: dict[str, Any]) -> float:
    for skip in (False, True):
        data = _load(result, skip_first_line=skip)
        if isinstance(data, list):
            return float(rules["expected"] in data)
    return 0.0


def is_extension_installed(result: Any, rules: dict[str, Any]) -> float:
    if not isinstance(result, str):
        return 0.0
    if rules["type"] == "contain":
        return float(rules["expected"] in result)
    return float(rules["expected"] not in result)


METRICS = (check_json, check_json_settings, check_json_keybindings, is_extension_installed)
RULE_TYPES = {"is_extension_installed": {"contain", "not_contain"}}
OPTIONS = {"check_json": {"is_yaml"}}
