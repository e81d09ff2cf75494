"""OSWorld's Thunderbird metrics on its preferences file (prefs.js, lines of
`user_pref("key", value);` with JSON values) and its message filters (msgFilterRules.dat).

check_thunderbird_prefs(result, rule): every key of rule["expect"] is set and its last value
meets its value rule (cells.matches: {"method", "ref"}), and no value of a key of
rule["unexpect"] meets its rule. A line whose value is no JSON is passed over. A missing file
scores 0.

check_thunderbird_filter(result, rules): the filters of the file, each {name, enabled, type,
action, actionValue, condition: its terms ("AND (subject,contains,discount)", "ALL")}, as
OSWorld reads them (a filter is complete at its condition line): each of rules["expect"]
(key: value pairs) is met by some filter, and no filter meets any of rules["unexpect"].
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tasks.osworld.cells import matches

_PREF = re.compile(r'^user_pref\("(?P<key>(?:[^"]|\\")+)", (?P<value>.+)\);$')


def check_thunderbird_prefs(result: Any, rule: dict[str, Any]) -> float:
    if not result or not Path(result).is_file():
        return 0.0
    expect, unexpect = rule.get("expect", {}), rule.get("unexpect", {})
    found = dict.fromkeys(expect, False)
    clean = True
    for line in Path(result).read_text(encoding="utf-8", errors="replace").splitlines():
        match = _PREF.match(line.strip())
        if match is None:
            continue
        key = match.group("key")
        try:
            value = json.loads(match.group("value"))
        except ValueError:
            continue
        if key in expect:
            found[key] = matches(value, expect[key])
        elif key in unexpect:
            clean = clean and not matches(value, unexpect[key])
    return float(all(found.values()) and clean)


_LINE = re.compile(r'^(?P<key>name|enabled|type|action|actionValue|condition)="(?P<value>.*)"$')
_TERM = re.compile(r'\b(?:AND|OR) \([\w ]+,[\w \']+,(?:"(?:[^"]|\\")+"|[^)]+)\)|\bALL\b')


def _filters(text: str) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in text.splitlines():
        match = _LINE.match(line.rstrip("\r"))
        if match is None:
            continue
        key = match.group("key")
        value = match.group("value").replace('\\"', '"').replace("\\\\", "\\")
        if key == "name":
            current = {}
        if key == "condition":
            current["condition"] = _TERM.findall(value)
            filters.append(current)
        else:
            current[key] = value
    return filters


def check_thunderbird_filter(result: Any, rules: dict[str, Any]) -> float:
    if not result or not Path(result).is_file():
        return 0.0
    filters = _filters(Path(result).read_text(encoding="utf-8", errors="replace"))

    def met(pattern: dict[str, Any], item: dict[str, Any]) -> bool:
        return all(key in item and item[key] == value for key, value in pattern.items())

    expected = all(any(met(r, f) for f in filters) for r in rules.get("expect", []))
    unexpected = any(met(r, f) for r in rules.get("unexpect", []) for f in filters)
    return float(expected and not unexpected)


METRICS = (check_thunderbird_prefs, check_thunderbird_filter)
