"""OSWorld's active_tab_html_parse (desktop_env/evaluators/getters/chrome.py): texts of elements
of the page the active tab shows, read in that very tab over DevTools (its state kept: a filled
form, a chosen date), keyed by the names the task gives them.

The tab is found as OSWorld finds it: the tab whose URL equals the address bar's text with the
task's `goto_prefix` (chromium.active_url_from_accessTree), percent-escapes decoded; none gives
{} and no browser None, as OSWorld's do. The `category` says how elements are found:

- "class": `class_multiObject` {class: {index: key}} takes the index-th element of the class,
  `class_singleObject` {class: key} its first one;
- "xpath": `xpathObject` {xpath: key}, the first element the XPath finds;
- "input": `inputObject` {xpath: key}, the value of the first input the XPath finds;
- "label": `labelObject` {text: key}, the first element whose text matches (playwright's
  text= selector).

Texts are stripped of surrounding white space; an element that is not there leaves its key out.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tasks.osworld.chromium import _tabs, active_url_from_accessTree, connected
from tasks.osworld.machine import Machine

if TYPE_CHECKING:
    from playwright.sync_api import Page

_SETTLE_MS = 10_000
_CATEGORIES = ("class", "xpath", "input", "label")


def _texts(page: Page, selector: str) -> list[str]:
    return [(element.text_content() or "").strip() for element in page.query_selector_all(selector)]


def _by_class(page: Page, config: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, ranks in (config.get("class_multiObject") or {}).items():
        texts = _texts(page, f".{name}")
        for rank, key in ranks.items():
            if int(rank) < len(texts):
                found[key] = texts[int(rank)]
    for name, key in (config.get("class_singleObject") or {}).items():
        texts = _texts(page, f".{name}")
        if texts:
            found[key] = texts[0]
    return found


def _first(page: Page, selector: str, value: bool) -> str | None:
    located = page.locator(selector)
    if located.count() == 0:
        return None
    first = located.first
    return (first.input_value() if value else first.text_content() or "").strip()


def elements(page: Page, config: dict[str, Any]) -> dict[str, str]:
    """The texts `config` asks for of `page` (see the module docstring)."""
    category = config.get("category")
    if category == "class":
        return _by_class(page, config)
    if category not in _CATEGORIES:
        raise ValueError(
            f"active_tab_html_parse: category {category!r}: expected one of "
            f"{', '.join(_CATEGORIES)}"
        )
    field, prefix = {
        "xpath": ("xpathObject", "xpath="),
        "input": ("inputObject", "xpath="),
        "label": ("labelObject", "text="),
    }[category]
    found: dict[str, str] = {}
    for selector, key in (config.get(field) or {}).items():
        text = _first(page, prefix + selector, value=category == "input")
        if text or (text is not None and category != "label"):  # a label's only when not empty
            found[key] = text
    return found


def active_tab_html_parse(machine: Machine, config: dict[str, Any]) -> dict[str, str] | None:
    from playwright.sync_api import Error

    url = active_url_from_accessTree(machine, config)
    if url is None:
        return None
    with connected(machine) as browser:
        if browser is None:
            return None
        for page in _tabs(browser):
            with suppress(Error):  # a page that keeps loading is read as it is
                page.wait_for_load_state("networkidle", timeout=_SETTLE_MS)
            if unquote(page.url) == unquote(url):
                return elements(page, config)
    return {}
