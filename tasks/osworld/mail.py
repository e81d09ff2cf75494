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

check_thunderbird_folder(result, expected, **options): each result folder file (mbox; a file
or a list, paired with the expected ones) holds the same messages as its expected one. A
message starts at a "From - " line; it is compared stripped, without its X-Mozilla-Status
lines with `ignore_status`, without its X-Mozilla-Keys line (before MIME-Version) with
`ignore_keys`; deleted messages (status 0008, 0009) are dropped unless `remove_deleted` is
false, and duplicates unless `remove_duplicate` is false. This is the comparison OSWorld's
documentation describes; its code passes over every non-empty message (an inverted test)
and so scores any two existing files 1, which we do not reproduce.

run_sqlite3(result, rules): the first column of the first row `sql` returns from the database
(Thunderbird's global-messages-db.sqlite), 0 when it is empty or NULL; a database that is
missing or a query that fails scores 0. The copy is opened read-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


_MESSAGE = re.compile(r"^From - ", re.MULTILINE | re.IGNORECASE)
FOLDER_OPTIONS = {"ignore_status", "ignore_keys", "remove_deleted", "remove_duplicate"}


def _messages(path: Any, options: dict[str, Any]) -> str | None:
    if not path or not isinstance(path, str) or not Path(path).is_file():
        return None
    text = Path(path).read_text(encoding="utf-8", errors="replace").strip()
    messages = []
    for message in _MESSAGE.split(text):
        if not message.strip():
            continue
        if options.get("remove_deleted", True) and re.search(r"X-Mozilla-Status: 000[89]", message):
            continue
        if options.get("ignore_status", False):
            message = re.sub(r"X-Mozilla-Status\d?:[\s\d]+", "", message)
        if options.get("ignore_keys", False):
            message = re.sub(r"(X-Mozilla-Keys:[^\n]*?)\n(MIME-Version)", r"\2", message)
        messages.append("From - " + message.strip())
    unique = set(messages) if options.get("remove_duplicate", True) else messages
    return "\n".join(sorted(unique))


def check_thunderbird_folder(result: Any, expected: Any, **options: Any) -> float:
    if not isinstance(expected, list):
        result, expected = [result], [expected]
    if not isinstance(result, list):
        return 0.0
    for got, want in zip(result, expected, strict=False):
        mine, theirs = _messages(got, options), _messages(want, options)
        if mine is None or theirs is None or mine != theirs:
            return 0.0
    return 1.0


def run_sqlite3(result: Any, rules: dict[str, Any]) -> float:
    import sqlite3

    if not result or not isinstance(result, str) or not Path(result).is_file():
        return 0.0
    try:
        connection = sqlite3.connect(f"{Path(result).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return 0.0
    try:
        row = connection.execute(rules["sql"]).fetchone()
        return float(row[0] or 0) if row else 0.0
    except (sqlite3.Error, TypeError, ValueError):
        return 0.0
    finally:
        connection.close()


METRICS: tuple[Callable[..., float], ...] = (
    check_thunderbird_prefs,
    check_thunderbird_filter,
    check_thunderbird_folder,
)
METRICS += (run_sqlite3,)
