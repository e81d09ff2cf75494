"""OSWorld's live Chrome getters on the real Chromium over its DevTools port: a task launches
`google-chrome --remote-debugging-port=1337` as OSWorld's do (here the task's own port), opens
and closes tabs of pages from a local HTTP server (chrome_open_tabs, chrome_close_tabs), and
the getters read the open tabs, the active tab as the address bar shows it, its query and path
parts, and pages loaded again; two tasks at once (`--workers 2`) each read their own browser."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.osworld.chrome_metrics import is_expected_active_tab
from tasks.osworld.chromium import address_bar
from tests.tasks.osworld_suite import rule, run_suite, step, task

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    pages = tmp_path / "site"
    pages.mkdir()
    for name in ("first", "second", "third"):
        body = f"<!doctype html><title>Page {name}</title><h1>The {name} page</h1>"
        (pages / f"{name}.html").write_text(body)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(pages))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def browsing(task_id: str, site: str, name: str) -> dict:
    shown = f"http://{site}/{name}.html?q={task_id}&lang=en"
    background = f"http://{site}/third.html"
    closed = f"http://{site}/third.html?closed"
    prefix = {"goto_prefix": "http://"}
    checks = [
        # the tabs in the order DevTools lists them, which is not the tab strip's
        ({"type": "open_tabs_info"}, "is_in_list", {"title": "Page third", "url": background}),
        ({"type": "open_tabs_info"}, "is_in_list", {"title": f"Page {name}", "url": shown}),
        ({"type": "active_url_from_accessTree", **prefix}, "exact_match", shown),
        (
            {"type": "active_url_from_accessTree"},  # OSWorld's default prefix: https://
            "exact_match",
            "https://" + shown.removeprefix("http://"),
        ),
        (
            {
                "type": "active_tab_url_parse",
                **prefix,
                "parse_keys": ["q", "lang"],
                "replace": {"q": "query"},
            },
            "exact_match",
            {"lang": "en", "query": task_id},
        ),
        (
            {
                "type": "url_dashPart",
                **prefix,
                "partIndex": 3,
                "needDeleteId": True,
                "returnType": "json",
                "key": "page",
            },
            "exact_match",
            {"page": f"{name}.html"},
        ),
    ]
    visits = [
        ({"type": "active_tab_info", **prefix}, {"title": f"Page {name}", "url": shown}),
        ({"type": "page_info", "url": background}, {"title": "Page third"}),
    ]
    func = [c[1] for c in checks] + ["check_direct_json_object"] * len(visits)
    return task(
        task_id,
        [
            step("launch", command=["google-chrome", "--remote-debugging-port=1337"]),
            step("launch", command=["socat", "tcp-listen:9222,fork", "tcp:localhost:1337"]),
            step("chrome_open_tabs", urls_to_open=[background, closed, shown]),
            step("chrome_close_tabs", urls_to_close=[closed]),
            step("sleep", seconds=1),
        ],
        {
            "func": func,
            "conj": "and",
            "result": [c[0] for c in checks] + [v[0] for v in visits],
            "expected": [rule(c[2]) for c in checks]
            + [{"type": "rule", "rules": {"expected": v[1]}} for v in visits],
        },
        related_apps=["chrome"],
    )


def test_two_tasks_read_their_own_browser_over_devtools(tmp_path, site):
    missing = task(  # no browser: no tabs and no active tab, as OSWorld's getters say
        "chrome-none",
        [],
        {
            "func": ["exact_match", "exact_match"],
            "result": [{"type": "open_tabs_info"}, {"type": "active_url_from_accessTree"}],
            "expected": [rule([]), rule(None)],
        },
    )
    tasks = [browsing("chrome-a", site, "first"), browsing("chrome-b", site, "second")]
    records, output = run_suite(tmp_path, "chrome", [*tasks, missing], workers=2)
    assert records["chrome-a"]["score"] == 1.0, output
    assert records["chrome-b"]["score"] == 1.0, output
    assert records["chrome-none"]["score"] == 1.0, output


def test_the_address_bar_shows_urls_as_chrome_does():
    assert address_bar("https://www.example.com/") == "example.com"
    assert address_bar("https://www.example.com/a/b?x=1#top") == "example.com/a/b?x=1#top"
    assert address_bar("http://127.0.0.1:8000/p.html") == "127.0.0.1:8000/p.html"
    assert address_bar("chrome://settings/") == "chrome://settings"
    assert address_bar("chrome://password-manager/passwords") == (
        "chrome://password-manager/passwords"
    )


def test_the_active_tab_is_compared_as_osworld_compares_urls():
    rule = {"type": "url", "url": "https://www.example.com/"}
    assert is_expected_active_tab("https://example.com", rule) == 1.0
    assert is_expected_active_tab({"url": "https://EXAMPLE.com/"}, rule) == 1.0
    assert is_expected_active_tab("https://example.com/a", rule) == 0.0
    assert is_expected_active_tab(None, rule) == 0.0
    passwords = {"type": "url", "url": "chrome://password-manager/passwords"}
    assert is_expected_active_tab("chrome://password-manager/passwords", passwords) == 1.0
