"""OSWorld's Thunderbird metric on its preferences file (prefs.js, lines of
`user_pref("key", value);` with JSON values).

check_thunderbird_prefs(result, rule): every key of rule["expect"] is set and its last value
meets its value rule (cells.matches: {"method", "ref"}), and no value of a key of
rule["unexpect"] meets its rule. A line whose value is no JSON is passed over. A missing file
scores 0.
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


METRICS = (check_thunderbird_prefs,)
