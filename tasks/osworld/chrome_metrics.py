"""OSWorld's Chrome metrics on the live browser's getters (desktop_env/evaluators/metrics/
chrome.py): URLs are compared as OSWorld's compare_urls does, with the scheme http when it has
none, host in lower case without "www.", and a bare "/" path dropped.

- is_expected_active_tab(active, rule): the active tab is the rule's `url`.
- is_expected_url_pattern_match(active, rules): every regex of `expected` is found in the URL
  (a URL, or a mapping with one).
- is_expected_tabs(tabs, rule): with type "url", the open tabs' URLs and the rule's `urls`
  are as many and each of the rule's matches some tab.
- is_expected_search_query(active, rules): rules["expect"]["pattern"] is found in the active
  tab's URL.
- is_added_to_steam_cart(active, rule): the active tab's content holds every one of `items`.
- is_expected_installed_extensions(installed, rules): every `expected` name is installed.
- is_cookie_deleted(cookies, rule): with type "domains", no cookie's domain (a cookie row's
  second column) is one of `domains` (as URLs).
- check_history_deleted(history, rule): with type "keywords", no history row's URL (its
  first column) holds one of `keywords`.
- is_shortcut_on_desktop(shortcuts, rule): with type "name", some desktop file (path: text)
  has the line Name=`name`.
- is_expected_bookmarks(roots, rule): the bookmark bar's folder names (bookmark_bar_folders_names)
  or URLs (bookmark_bar_websites_urls) are, as a set, the rule's; with
  liked_authors_websites_urls, its folder "Liked Authors" holds exactly one choice of the
  rule's `urls` (each a URL or a list of acceptable ones)."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import product
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


def is_expected_search_query(active: Any, rules: dict[str, Any]) -> float:
    url = active.get("url") if isinstance(active, dict) else None
    return float(isinstance(url, str) and re.search(rules["expect"]["pattern"], url) is not None)


def is_added_to_steam_cart(active: Any, rule: dict[str, Any]) -> float:
    content = active.get("content") if isinstance(active, dict) else None
    return float(isinstance(content, str) and all(item in content for item in rule["items"]))


def is_expected_installed_extensions(installed: Any, rules: dict[str, Any]) -> float:
    return float(installed is not None and set(rules["expected"]) <= set(installed))


def is_cookie_deleted(cookies: Any, rule: dict[str, Any]) -> float:
    if cookies is None:
        return 0.0
    domains = [row[1] for row in cookies]
    return float(not any(compare_urls(d, have) for d in rule["domains"] for have in domains))


def check_history_deleted(history: Any, rule: dict[str, Any]) -> float:
    if history is None:
        return 0.0
    urls = [row[0] for row in history]
    return float(not any(word in url for word in rule["keywords"] for url in urls))


def is_shortcut_on_desktop(shortcuts: Any, rule: dict[str, Any]) -> float:
    if not isinstance(shortcuts, dict):
        return 0.0
    line = f"Name={rule['name']}\n"
    return float(any(line in text for text in shortcuts.values()))


def is_expected_bookmarks(roots: Any, rule: dict[str, Any]) -> float:
    if not roots:
        return 0.0
    children = roots["bookmark_bar"]["children"]
    if rule["type"] == "bookmark_bar_folders_names":
        names = {c["name"] for c in children if c["type"] == "folder"}
        return float(names == set(rule["names"]))
    if rule["type"] == "bookmark_bar_websites_urls":
        return float({c["url"] for c in children if c["type"] == "url"} == set(rule["urls"]))
    folder = next(
        (c for c in children if c["type"] == "folder" and c["name"] == "Liked Authors"), None
    )
    if folder is None:
        return 0.0
    urls = {c["url"] for c in folder.get("children", []) if c["type"] == "url"}
    choices = [[url] if isinstance(url, str) else list(url) for url in rule["urls"]]
    return float(any(set(choice) == urls for choice in product(*choices)))


METRICS: tuple[Callable[..., float], ...] = (
    is_expected_active_tab,
    is_expected_url_pattern_match,
    is_expected_tabs,
)
METRICS += (is_expected_search_query, is_added_to_steam_cart, is_expected_installed_extensions)
METRICS += (is_cookie_deleted, check_history_deleted, is_shortcut_on_desktop)
METRICS += (is_expected_bookmarks,)
RULE_TYPES = {
    "is_expected_tabs": {"url"},
    "is_cookie_deleted": {"domains"},
    "check_history_deleted": {"keywords"},
    "is_shortcut_on_desktop": {"name"},
    "is_expected_bookmarks": {
        "bookmark_bar_folders_names",
        "bookmark_bar_websites_urls",
        "liked_authors_websites_urls",
    },
}
