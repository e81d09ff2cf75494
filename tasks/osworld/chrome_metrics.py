"""OSWorld's Chrome metrics on the live browser's getters (desktop_env/evaluators/metrics/
chrome.py): URLs are compared as OSWorld's compare_urls does, with the scheme http when it has
none, host in lower case without "www.", and a bare "/" path dropped."""

from __future__ import annotations

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


METRICS = (is_expected_active_tab,)
