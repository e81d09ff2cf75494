"""OSWorld's Chrome metrics on values shaped as its getters return them (the active tab, open
tabs, bookmarks, cookie and history rows, desktop files)."""

from __future__ import annotations

from tasks.osworld import chrome_metrics as c
from tasks.osworld.metrics import check_options


def test_url_patterns_and_tabs():
    rules = {"expected": [r"/flights/", r"from=NYC"]}
    assert c.is_expected_url_pattern_match("https://example.org/flights/?from=NYC", rules) == 1.0
    assert (
        c.is_expected_url_pattern_match({"url": "https://example.org/flights/?from=LA"}, rules)
        == 0.0
    )
    assert c.is_expected_url_pattern_match(None, rules) == 0.0
    tabs = [{"url": "https://www.airbnb.com/"}, {"url": "https://lonelyplanet.com"}]
    rule = {"type": "url", "urls": ["https://lonelyplanet.com", "https://airbnb.com"]}
    assert c.is_expected_tabs(tabs, rule) == 1.0  # any order, www. and a bare / aside
    assert c.is_expected_tabs(tabs[:1], rule) == 0.0
    assert c.is_expected_tabs([*tabs, {"url": "https://openai.com"}], rule) == 0.0
    assert c.is_expected_tabs(tabs, {"type": "title", "urls": []}) == 0.0


def test_search_query_and_steam_cart():
    rules = {"expect": {"pattern": r"q=drip\+coffee"}}
    assert (
        c.is_expected_search_query({"url": "https://www.google.com/search?q=drip+coffee"}, rules)
        == 1.0
    )
    assert c.is_expected_search_query({"url": "https://www.google.com/search?q=tea"}, rules) == 0.0
    assert c.is_expected_search_query(None, rules) == 0.0
    page = {
        "url": "https://store.example.org/cart",
        "content": "Your cart: Dota 2 Soundtrack, Portal",
    }
    assert c.is_added_to_steam_cart(page, {"items": ["Dota 2 Soundtrack", "Portal"]}) == 1.0
    assert c.is_added_to_steam_cart(page, {"items": ["Dota 2 Soundtrack", "Half-Life"]}) == 0.0


def test_extensions_cookies_history_and_shortcuts():
    installed = ["Dark Reader", "uBlock Origin"]
    assert c.is_expected_installed_extensions(installed, {"expected": ["Dark Reader"]}) == 1.0
    assert c.is_expected_installed_extensions(installed, {"expected": ["Zotero"]}) == 0.0
    cookies = [("id", ".amazon.com", "name"), ("id", "www.example.org", "name")]
    assert c.is_cookie_deleted(cookies, {"type": "domains", "domains": [".amazon.com"]}) == 0.0
    assert c.is_cookie_deleted(cookies, {"type": "domains", "domains": ["gone.com"]}) == 1.0
    # domains compare as OSWorld's URLs: a host without scheme is a path, "www." stays
    assert c.is_cookie_deleted(cookies, {"type": "domains", "domains": ["example.org"]}) == 1.0
    history = [("https://www.amazon.com/deals", "Deals", 1), ("https://example.org/", "Ex", 2)]
    assert c.check_history_deleted(history, {"type": "keywords", "keywords": ["amazon"]}) == 0.0
    assert c.check_history_deleted(history, {"type": "keywords", "keywords": ["ebay"]}) == 1.0
    assert c.check_history_deleted([], {"type": "keywords", "keywords": ["amazon"]}) == 1.0
    shortcuts = {
        "/home/user/Desktop/a.desktop": "[Desktop Entry]\nName=Play Puzzle Game 2048\nExec=x\n"
    }
    assert (
        c.is_shortcut_on_desktop(shortcuts, {"type": "name", "name": "Play Puzzle Game 2048"})
        == 1.0
    )
    assert c.is_shortcut_on_desktop(shortcuts, {"type": "name", "name": "Play Puzzle Game"}) == 0.0
    assert c.is_shortcut_on_desktop({}, {"type": "name", "name": "x"}) == 0.0
    rule = [{"type": "rule", "rules": {"type": "url", "url": "x"}}]
    assert check_options("is_shortcut_on_desktop", {}, rule) == [
        ("metric", "is_shortcut_on_desktop rule type url")
    ]


def test_liked_authors_bookmarks():
    def roots(urls: list[str], name: str = "Liked Authors") -> dict:
        folder = {
            "type": "folder",
            "name": name,
            "children": [{"type": "url", "url": u} for u in urls],
        }
        return {"bookmark_bar": {"children": [folder, {"type": "url", "url": "https://x.org"}]}}

    rule = {
        "type": "liked_authors_websites_urls",
        "urls": [["https://a.org/", "https://a.org/home"], "https://b.org/"],
    }
    assert c.is_expected_bookmarks(roots(["https://a.org/home", "https://b.org/"]), rule) == 1.0
    assert c.is_expected_bookmarks(roots(["https://b.org/", "https://a.org/"]), rule) == 1.0
    assert c.is_expected_bookmarks(roots(["https://a.org/"]), rule) == 0.0
    assert (
        c.is_expected_bookmarks(roots(["https://a.org/", "https://b.org/", "https://c.org"]), rule)
        == 0.0
    )
    assert (
        c.is_expected_bookmarks(roots(["https://a.org/", "https://b.org/"], "Authors"), rule) == 0.0
    )
    assert check_options("is_expected_bookmarks", {}, [{"type": "rule", "rules": rule}]) == []
