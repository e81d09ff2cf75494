"""OSWorld's Chrome metrics on the live browser's getters (desktop_env/evaluators/metrics/
chrome.py): URLs are compared as OSWorld's compare_urls does, with the scheme http when it has
none, host in lower case without "www.", and a bare "/" path dropped.

- is_expected_active_tab(active, rule): the active tab is the rule's `url`.
- is_expected_url_pattern_match(active, rules): every regex of `expected` is found in the URL
  (a URL, or a mapping with one).
- is_expected_tabs(tabs, rule): with type "url", the open tabs' URLs and the rule's `urls`
  are as many and each of the rule's matches some tab."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse, urlunparse


def _normal(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(
        parts._replace(
            scheme=(parts.scheme or "http").lower(),
            netloc=parts.netloc.lower().replace("www.", ""),
            path="" if parts.path == "/" else parts.path,
        )
    )


def compare_urls(first: str | None, second: str | None) -> bool:
    if first is None or second is None:
        return first == second
    return _normal(first) == _normal(second)


def is_expected_active_tab(active: Any, rule: dict[str, Any]) -> float:
    """The active tab (a URL, or active_tab_info's mapping) is the rule's URL."""
    if not active or rule.get("type") != "url":
        return 0.0
    url = active.get("url") if isinstance(active, dict) else active
    return float(compare_urls(rule["url"], url))


def is_expected_url_pattern_match(active: Any, rules: dict[str, Any]) -> float:
    if not active:
        return 0.0
    url = active.get("url") if isinstance(active, dict) else active
    if not isinstance(url, str):
        return 0.0
    return float(all(re.search(pattern, url) for pattern in rules["expected"]))


def is_expected_tabs(tabs: Any, rule: dict[str, Any]) -> float:
    if not isinstance(tabs, list) or rule.get("type") != "url":
        return 0.0
    urls = [tab.get("url") for tab in tabs]
    wanted = rule["urls"]
    return float(
        len(urls) == len(wanted) and all(any(compare_urls(w, u) for u in urls) for w in wanted)
    )


METRICS = (is_expected_active_tab, is_expected_url_pattern_match, is_expected_tabs)
RULE_TYPES = {"is_expected_tabs": {"url"}}
