"""OSWorld's Chrome getters (desktop_env/evaluators/getters/chrome.py) on Chromium.

Two kinds. Profile getters read the files Chrome keeps under ~/.config/google-chrome (our
`google-chrome` is Chromium with that profile, see conventions.py) and fall back to the values
OSWorld returns when a file or key is missing. Live getters ask the running browser over its
DevTools port, the task's own (conventions.Ports), with playwright's connect_over_cdp, as
OSWorld's do over the VM's port 9222.

OSWorld finds the active tab's URL in the address bar through the accessibility tree; here it
is the URL of the tab the active Chromium window shows (its title names that tab: background
tabs are "visible" to the page in a virtual display), written as the address bar shows it:
without "https://", "http://" or "www.", and without the "/" of a bare host.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tasks.osworld.machine import Machine

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PROFILE = ".config/google-chrome"
_LOAD_MS = 15_000


def _json(machine: Machine, relative: str) -> Any:
    path = machine.home / PROFILE / relative
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _preferences(machine: Machine) -> dict[str, Any]:
    data = _json(machine, "Default/Preferences")
    return data if isinstance(data, dict) else {}


def default_search_engine(machine: Machine, config: dict[str, Any]) -> Any:
    data = _preferences(machine).get("default_search_provider_data", {})
    return data.get("template_url_data", {}).get("short_name", "Google")


def profile_name(machine: Machine, config: dict[str, Any]) -> Any:
    return _preferences(machine).get("profile", {}).get("name")


def data_delete_automacally(machine: Machine, config: dict[str, Any]) -> str:
    profile = _preferences(machine).get("profile")
    if not isinstance(profile, dict):
        return "Google"  # OSWorld's answer when the file or key is missing
    return "true" if profile.get("default_content_setting_values") is not None else "false"


def enable_do_not_track(machine: Machine, config: dict[str, Any]) -> str:
    return "true" if _preferences(machine).get("enable_do_not_track", {}) else "false"


def enable_enhanced_safety_browsing(machine: Machine, config: dict[str, Any]) -> str:
    enhanced = _preferences(machine).get("safebrowsing", {}).get("enhanced", {})
    return "true" if enhanced else "false"


def new_startup_page(machine: Machine, config: dict[str, Any]) -> str:
    """ "true" when Chrome opens the New Tab page at start (no session settings, or
    restore_on_startup 5)."""
    prefs = _preferences(machine)
    if "session" not in prefs:
        return "true"
    return "true" if prefs["session"].get("restore_on_startup") == 5 else "false"


def _extensions(machine: Machine) -> dict[str, Any] | None:
    settings = _preferences(machine).get("extensions", {}).get("settings")
    return settings if isinstance(settings, dict) else None


def find_unpacked_extension_path(machine: Machine, config: dict[str, Any]) -> Any:
    found = _extensions(machine)
    return [e.get("path") for e in found.values()] if found is not None else "Google"


def find_installed_extension_name(machine: Machine, config: dict[str, Any]) -> Any:
    found = _extensions(machine)
    if found is None:
        return "Google"
    return [e.get("manifest", {}).get("name") for e in found.values()]


def chrome_font_size(machine: Machine, config: dict[str, Any]) -> Any:
    default = {"default_fixed_font_size": 13, "default_font_size": 16, "minimum_font_size": 13}
    return _preferences(machine).get("webkit", {}).get("webprefs", default)


def enabled_experiments(machine: Machine, config: dict[str, Any]) -> Any:
    data = _json(machine, "Local State")
    if not isinstance(data, dict):
        return []
    return data.get("browser", {}).get("enabled_labs_experiments", [])


def bookmarks(machine: Machine, config: dict[str, Any]) -> Any:
    data = _json(machine, "Default/Bookmarks")
    return data.get("roots", {}) if isinstance(data, dict) else []


def _table(machine: Machine, config: dict[str, Any], name: str, query: str) -> Any:
    """Rows of a copy of one of the profile's databases (Chrome keeps them locked)."""
    source = machine.home / PROFILE / "Default" / name
    if not source.is_file():
        return None
    copy = machine.scratch(str(config.get("dest", name)))
    copy.write_bytes(source.read_bytes())
    try:
        with sqlite3.connect(copy) as db:
            return db.execute(query).fetchall()
    except sqlite3.Error:
        return None


def history(machine: Machine, config: dict[str, Any]) -> Any:
    return _table(machine, config, "History", "SELECT url, title, last_visit_time FROM urls")


def cookie_data(machine: Machine, config: dict[str, Any]) -> Any:
    return _table(machine, config, "Cookies", "SELECT * FROM cookies")


def shortcuts_on_desktop(machine: Machine, config: dict[str, Any]) -> dict[str, str]:
    desktop = machine.home / "Desktop"
    files = sorted(desktop.glob("*.desktop")) if desktop.is_dir() else []
    return {f.name: f.read_text(encoding="utf-8", errors="replace") for f in files}


@contextmanager
def connected(machine: Machine) -> Iterator[Browser | None]:
    """The task's browser over DevTools, None when none listens on the task's port."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.connect_over_cdp(
                f"http://127.0.0.1:{machine.ports.chrome}", timeout=10_000
            )
        except Error:
            yield None
            return
        try:
            yield browser
        finally:
            browser.close()


def _tabs(browser: Browser) -> list[Page]:
    return [page for context in browser.contexts for page in context.pages]


def open_tabs_info(machine: Machine, config: dict[str, Any]) -> list[dict[str, str]]:
    from playwright.sync_api import Error

    with connected(machine) as browser:
        if browser is None:
            return []
        tabs = []
        for page in _tabs(browser):
            try:
                page.wait_for_load_state("networkidle", timeout=_LOAD_MS)
                tabs.append({"title": page.title(), "url": page.url})
            except Error as exc:
                title = "Load timeout" if "Timeout" in type(exc).__name__ else "Error encountered"
                tabs.append({"title": title, "url": page.url})
        return tabs


def _window_titles(machine: Machine) -> list[str]:
    """The titles of Chromium's windows, the active window first: each is its active tab's
    title followed by " - Chromium"."""

    def xdotool(*args: str) -> list[str]:
        done = subprocess.run(
            ["xdotool", *args], env=machine.env, capture_output=True, text=True, timeout=10
        )
        return done.stdout.splitlines()

    windows = xdotool("getactivewindow") + xdotool("search", "--onlyvisible", "--class", "chromium")
    titles = [" ".join(xdotool("getwindowname", window)) for window in windows]
    return [
        t.rsplit(" - ", 1)[0] for t in titles if t.endswith((" - Chromium", " - Google Chrome"))
    ]


def active_url(machine: Machine) -> str | None:
    """The URL of the tab the user sees: the tab whose title the active Chromium window
    shows (the address bar OSWorld reads is that tab's); None without a browser or tabs."""
    from playwright.sync_api import Error

    with connected(machine) as browser:
        if browser is None:
            return None
        tabs = []
        for page in _tabs(browser):
            try:
                tabs.append((page.title(), page.url))
            except Error:
                tabs.append(("", page.url))
    for title in _window_titles(machine):
        for name, url in reversed(tabs):
            if name == title or (not name and url.endswith(title)):
                return url
    return tabs[-1][1] if tabs else None


def address_bar(url: str) -> str:
    """`url` as Chrome's address bar shows it (the text OSWorld reads from it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url[:-1] if url.endswith("/") and parts.path in ("", "/") else url
    host = parts.netloc[4:] if parts.netloc.startswith("www.") else parts.netloc
    text = host + ("" if parts.path == "/" and not parts.query else parts.path)
    text += f"?{parts.query}" if parts.query else ""
    return text + (f"#{parts.fragment}" if parts.fragment else "")


def active_url_from_accessTree(machine: Machine, config: dict[str, Any]) -> str | None:
    url = active_url(machine)
    if url is None:
        return None
    return f"{config.get('goto_prefix', 'https://')}{address_bar(url)}"


def _visit(browser: Browser, url: str, fresh: bool) -> dict[str, str] | None:
    from playwright.sync_api import Error

    page = browser.new_page() if fresh else browser.contexts[0].new_page()
    try:
        page.goto(url, timeout=_LOAD_MS * 2)
        page.wait_for_load_state("load", timeout=_LOAD_MS)
        return {"title": page.title(), "url": page.url, "content": page.content()}
    except Error:
        return None


def active_tab_info(machine: Machine, config: dict[str, Any]) -> dict[str, str] | None:
    """The active tab's page loaded again in a new page: title, URL and HTML (OSWorld's
    warning holds: the page is loaded again, without the tab's state)."""
    url = active_url_from_accessTree(machine, config)
    if url is None:
        return None
    with connected(machine) as browser:
        return _visit(browser, url, fresh=True) if browser is not None else None


def page_info(machine: Machine, config: dict[str, Any]) -> dict[str, str] | None:
    with connected(machine) as browser:
        if browser is None or not browser.contexts:
            return None
        return _visit(browser, str(config["url"]), fresh=False)


def active_tab_url_parse(machine: Machine, config: dict[str, Any]) -> dict[str, str] | None:
    url = active_url_from_accessTree(machine, config)
    if url is None:
        return None
    query = parse_qs(urlsplit(url).query)
    found = {key: query.get(key, [""])[0] for key in config["parse_keys"]}
    for old, new in (config.get("replace") or {}).items():
        found[new] = found.pop(old)
    return found


def url_dashPart(machine: Machine, config: dict[str, Any]) -> Any:
    url = active_url_from_accessTree(machine, config)
    if url is None:
        return None
    part = url.split("/")[config["partIndex"]]
    if config.get("needDeleteId"):
        part = part.split("?")[0]
    if config["returnType"] == "json":
        return {config["key"]: part}
    return part


GETTERS = (
    default_search_engine,
    profile_name,
    data_delete_automacally,
    enable_do_not_track,
    enable_enhanced_safety_browsing,
    new_startup_page,
    find_unpacked_extension_path,
    find_installed_extension_name,
    chrome_font_size,
    enabled_experiments,
    bookmarks,
    history,
    cookie_data,
    shortcuts_on_desktop,
    open_tabs_info,
    active_url_from_accessTree,
    active_tab_info,
    page_info,
    active_tab_url_parse,
    url_dashPart,
)


def _browser_on(port: int, playwright: Any, attempts: int = 30) -> Browser:
    """The browser on `port`, waited for while it starts (OSWorld retries for over a minute)."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            return playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}", timeout=10_000)
        except Error:
            if attempt == attempts - 1:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def open_tabs(port: int, urls: list[str]) -> None:
    """OSWorld's chrome_open_tabs: each URL in a new tab of the browser's first window, the
    tab the browser started with closed after the first; a page that does not load stays."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        browser = _browser_on(port, playwright)
        context = browser.contexts[0]
        for i, url in enumerate(urls):
            page = context.new_page()
            with suppress(Error):
                page.goto(url, timeout=60_000)
            if i == 0:
                context.pages[0].close()


def close_tabs(port: int, urls: list[str]) -> None:
    """OSWorld's chrome_close_tabs: for each URL, the first tab showing it (compared as
    OSWorld's compare_urls) is closed."""
    from playwright.sync_api import sync_playwright

    from tasks.osworld.chrome_metrics import compare_urls

    with sync_playwright() as playwright:
        context = _browser_on(port, playwright).contexts[0]
        for url in urls:
            for page in context.pages:
                if compare_urls(page.url, url):
                    page.close()
                    break
