"""OSWorld's metric functions, with its semantics (desktop_env/evaluators/metrics), written
here: a metric is called as `metric(result, expected, **options)`, or `metric(result,
**options)` when the task has no expected getter, and returns a score in [0, 1]. A result that
could not be read (None: a missing file) scores 0.

`check_options` tells the loader which uses of a metric we cannot reproduce (an option or a
compare_table rule we do not implement), so such a task is skipped rather than misjudged.
"""

from __future__ import annotations

import difflib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.osworld import (
    chrome_metrics,
    documents,
    docx_checks,
    files,
    images,
    json_metrics,
    mail,
    os_metrics,
    pdfs,
    slides,
    vlc_metrics,
)
from tasks.osworld.documents import compare_docx_files, docx_reasons
from tasks.osworld.tables import compare_conference_city_in_order, compare_table, table_reasons


def _text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def exact_match(result: Any, rules: dict[str, Any]) -> float:
    return float(result == rules["expected"])


def is_in_list(result: Any, rules: dict[str, Any]) -> float:
    """OSWorld's name is backwards: the expected value must be in the result."""
    return float(result is not None and rules["expected"] in result)


def check_include_exclude(result: str | None, rules: dict[str, list[str]]) -> float:
    if result is None:
        return 0.0
    include, exclude = rules.get("include", []), rules.get("exclude", [])
    return float(all(s in result for s in include) and not any(s in result for s in exclude))


def literal_match(result: Any, expected: Any, **options: Any) -> float:
    kind, fold = options.get("type", "str"), options.get("ignore_case", False)

    def norm(value: Any) -> str:
        return str(value).lower() if fold else str(value)

    if kind == "str":
        return float(norm(result) == norm(expected))
    if not isinstance(result, (list, tuple)) or not isinstance(expected, (list, tuple)):
        return 0.0
    return float([norm(v) for v in result] == [norm(v) for v in expected])


def check_direct_json_object(result: Any, rules: dict[str, Any]) -> float:
    """Each expected key has the expected value; with expect_in_result, a string must be a
    substring of the result's value and a list must share an item with it. A string result is
    parsed as JSON after turning ' into " (OSWorld reads Python-printed dicts that way)."""
    if isinstance(result, str):
        try:
            result = json.loads(result.strip().replace("'", '"'))
        except ValueError:
            return 0.0
    if not isinstance(result, dict):
        return 0.0
    expected = rules["expected"]
    if not rules.get("expect_in_result", False):
        return float(all(result.get(key) == value for key, value in expected.items()))
    for key, value in expected.items():
        got = result.get(key)
        if isinstance(value, list):
            if not isinstance(got, list) or not any(v in got for v in value):
                return 0.0
        elif isinstance(value, str):
            if not isinstance(got, str) or value not in got:
                return 0.0
        else:
            return 0.0
    return 1.0


def file_contains(path: str | None, config: dict[str, Any]) -> float:
    if not path or not Path(path).is_file():
        return 0.0
    text = _text(path)
    return float(all(piece in text for piece in config["expected"]))


_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


def check_line_number(path: str | None, line_number: dict[str, Any]) -> float:
    """The number of lines that hold a time of day (hh:mm:ss) is the expected one."""
    if not path or not Path(path).is_file():
        return 0.0
    count = sum(1 for line in _text(path).splitlines() if _TIME.search(line))
    return float(count == int(line_number["expected"]))


def check_list(path: str | None, rules: dict[str, list[str]]) -> float:
    """Every `expect` regex matches some line and no `unexpect` regex matches any line."""
    if path is None:
        return 0.0
    lines = _text(path).splitlines()
    wanted = [re.compile(p) for p in rules.get("expect", [])]
    unwanted = [re.compile(p) for p in rules.get("unexpect", [])]
    found = all(any(p.search(line) for line in lines) for p in wanted)
    return float(found and not any(p.search(line) for p in unwanted for line in lines))


def diff_text_file(result: str | None, expected: str) -> float:
    if result is None:
        return 0.0
    got, want = _text(result).splitlines(), _text(expected).splitlines()
    return difflib.SequenceMatcher(a=got, b=want).ratio()


def compare_text_file(result: str | None, expected: str, **options: Any) -> float:
    if not result:
        return 0.0
    got, want = _text(result), _text(expected)
    if options.get("ignore_blanks", False):
        got = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", got).strip())
        want = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", want).strip())
    if options.get("ignore_case", False):
        got, want = got.lower(), want.lower()
    return float(got == want)


def compare_csv(result: str | None, expected: str, **options: Any) -> float:
    if result is None:
        return 0.0
    got, want = _text(result).splitlines(), _text(expected).splitlines()
    if not options.get("strict", True):
        got, want = [line.strip() for line in got], [line.strip() for line in want]
    if options.get("ignore_case", False):
        got, want = [line.lower() for line in got], [line.lower() for line in want]
    return float(got == want)


def check_text_enlarged(scaling_factor: str) -> float:
    return float(float(scaling_factor) > 1.0)


def _gvariant_strings(text: str) -> list[str]:
    """A GVariant string array as gsettings prints it: ['a.desktop', 'b.desktop'] or @as []."""
    return re.findall(r"'((?:[^'\\]|\\.)*)'", text)


def check_gnome_favorite_apps(apps: str, rule: dict[str, Any]) -> float:
    got, want = _gvariant_strings(apps), rule["expected"]
    return float(len(got) == len(want) and set(got) == set(want))


def is_utc_0(timedatectl: str) -> float:
    lines = timedatectl.split("\n")
    return float(len(lines) > 3 and lines[3].endswith("+0000)"))


def check_config_status(path: str | None, rule: dict[str, Any]) -> float:
    """A GIMP config file (gimprc, sessionrc) has a line `(KEY ... VALUE)`; a two-item key
    matches the first two words."""
    if path is None:
        return 0.0
    key = rule["key"]
    for line in _text(path).splitlines(keepends=True):
        if line.startswith("#") or line == "\n":
            continue
        items = line.strip().lstrip("(").rstrip(")\n").split()
        if not items:
            continue
        if isinstance(key, str) and items[0] == key and items[-1] == rule["value"]:
            return 1.0
        if (
            isinstance(key, list)
            and len(key) == 2
            and len(items) > 1
            and items[:2] == key
            and items[-1] == rule["value"]
        ):
            return 1.0
    return 0.0


_OOR = "{http://openoffice.org/2001/registry}"


def _registry_value(path: str | None, item_path: str, name: str) -> str | None:
    """The value LibreOffice's registrymodifications.xcu at `path` sets for property `name` of
    `item_path` (None: no such file, setting or value)."""
    if path is None or not Path(path).is_file():
        return None
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return None
    for item in root.iter("item"):
        if item.get(f"{_OOR}path") != item_path:
            continue
        for prop in item.iter("prop"):
            if prop.get(f"{_OOR}name") == name:
                value = prop.find(".//value")
                return None if value is None else value.text or ""
    return None


def check_auto_saving_time(path: str | None, rules: dict[str, Any]) -> float:
    """LibreOffice's registrymodifications.xcu sets Save/Document AutoSaveTimeIntervall to the
    expected minutes."""
    value = _registry_value(
        path, "/org.openoffice.Office.Common/Save/Document", "AutoSaveTimeIntervall"
    )
    return float(
        value is not None and value.strip().lstrip("-").isdigit() and int(value) == rules["minutes"]
    )


def check_presenter_console_disable(path: str | None) -> float:
    """LibreOffice's registrymodifications.xcu turns Impress's presenter screen off
    (Misc/Start EnablePresenterScreen false)."""
    value = _registry_value(
        path, "/org.openoffice.Office.Impress/Misc/Start", "EnablePresenterScreen"
    )
    return float(value is not None and value.lower() == "false")


def check_enabled_experiments(experiments: list[str], rule: dict[str, Any]) -> float:
    names = [experiment.split("@")[0] for experiment in experiments]
    return float(rule["type"] == "names" and names == rule["names"])


def check_font_size(font_size: dict[str, Any], rule: dict[str, Any]) -> float:
    size = font_size["default_font_size"]
    if rule["type"] == "value":
        return float(size == rule["value"])
    return float(rule["min"] < size < rule["max"])


Metric = Callable[..., float]
_ALL: tuple[Metric, ...] = (
    exact_match,
    is_in_list,
    check_include_exclude,
    literal_match,
    check_direct_json_object,
    file_contains,
    check_line_number,
    check_list,
    diff_text_file,
    compare_text_file,
    compare_csv,
    compare_table,
    compare_conference_city_in_order,
    compare_docx_files,
    check_text_enlarged,
    check_gnome_favorite_apps,
    is_utc_0,
    check_config_status,
    check_auto_saving_time,
    check_presenter_console_disable,
    check_enabled_experiments,
    check_font_size,
    *chrome_metrics.METRICS,
    *vlc_metrics.METRICS,
    *images.METRICS,
    *pdfs.METRICS,
    *documents.METRICS,
    *docx_checks.METRICS,
    *slides.METRICS,
    *mail.METRICS,
    *files.METRICS,
    *os_metrics.METRICS,
    *json_metrics.METRICS,
)
METRICS: dict[str, Metric] = {f.__name__: f for f in _ALL}
# "infeasible" is no function: the task passes when the agent declares it cannot be done.
NAMES = {*METRICS, "infeasible"}
OPTIONS = {
    "compare_csv": {"strict", "ignore_case"},
    "compare_text_file": {"ignore_blanks", "ignore_case"},
    "literal_match": {"type", "ignore_case"},
    "compare_table": {"rules"},
    "compare_docx_files": {"ignore_blanks", "ignore_case", "ignore_order", "content_only"},
    "compare_pptx_files": slides.OPTIONS,
    "compare_archive": {"file_path", "file_type"},
    "check_thunderbird_folder": mail.FOLDER_OPTIONS,
    **json_metrics.OPTIONS,
    **docx_checks.OPTIONS,
    "compare_references": {"content_only", "reference_base_result", "reference_indicator"},
    "compare_docx_files_and_ignore_new_lines": {"ignore_blanks"},
}
_RULE_TYPES = {
    "check_font_size": {"value", "range"},
    "check_enabled_experiments": {"names"},
    **json_metrics.RULE_TYPES,
    **chrome_metrics.RULE_TYPES,
}


# OSWorld metrics left out on purpose, with why (shown in the skip reason)
_WHY = {
    "compare_audios": "librosa's MFCC with fastdtw: a score only that stack reproduces",
    "compare_videos": "OpenCV frame decoding",
    "compare_image_text": "EasyOCR: its expected texts follow that engine's reading",
    "check_python_file_by_test_suite": "runs the task's downloaded Python in the evaluator",
    "compare_epub": "lxml.html's pretty-printed chapters, compared by line ratio",
    "compare_htmls": "BeautifulSoup with lxml's tree",
    "check_highlighted_words": "odt documents, read with odfpy",
}
_DOCX = {metric.__name__ for metric in (*documents.METRICS, *docx_checks.METRICS)}


def check_options(
    func: str, options: dict[str, Any], getters: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """(kind, what) for each part of this use of `func` we cannot reproduce."""
    if func not in NAMES:
        return [("metric", f"{func} ({_WHY[func]})" if func in _WHY else func)]
    missing = [
        ("metric", f"{func} option {key}") for key in options if key not in OPTIONS.get(func, set())
    ]
    if func in _RULE_TYPES:
        for getter in getters:
            kind = getter.get("rules", {}).get("type") if getter["type"] == "rule" else None
            if kind is not None and kind not in _RULE_TYPES[func]:
                missing.append(("metric", f"{func} rule type {kind}"))
    if func == "compare_archive":
        missing += [("metric", what) for what in files.archive_reasons(options)]
    if func == "compare_table":
        missing += [("metric", what) for what in table_reasons(options)]
    if func == "compare_docx_files" or func in _DOCX:
        missing += [("metric", what) for what in docx_reasons(func, options, getters)]
    return missing
