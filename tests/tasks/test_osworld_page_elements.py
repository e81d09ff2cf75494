"""OSWorld's active_tab_html_parse and rule_relativeTime on the real Chromium, and the desktop's
browser launcher in an OSWorld task: a page from a local HTTP server is read in the active tab
(by class, XPath, label and input, after the solution typed into its form), tomorrow's date the
page shows is what rule_relativeTime expects; a browser opened from the desktop icon is the
shimmed one the Chrome getters reach; list_directory gives OSWorld's folder tree."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from environments.desktop import xfce
from environments.desktop.session import SessionHome
from tasks.osworld.conventions import SHIMS, install_launchers, install_shims
from tasks.osworld.relative_time import relative_rules
from tests.tasks.osworld_suite import rule, run_suite, step, task

chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium")

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Booking</title></head><body><main>
<section><p class="city">Z\u00fcrich</p><p class="city">Boston</p>
<p class="when" id="when">loading</p></section>
<div><p>Guests: 2 adults</p></div>
<form><input placeholder="Your name"><input value="  mail@example.com "></form>
</main><script>
const day = new Date(Date.now() + 86400000);
document.getElementById("when").textContent = day.toLocaleDateString(
  "en-US", {weekday: "short", month: "short", day: "numeric", year: "numeric"});
</script></body></html>"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    pages = tmp_path / "site"
    pages.mkdir()
    (pages / "booking.html").write_text(PAGE, encoding="utf-8")
    (pages / "plain.html").write_text("<title>Plain</title><h1>Plain page</h1>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(pages))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def booking(site: str) -> dict:
    page = f"http://{site}/booking.html"
    html = {"type": "active_tab_html_parse", "goto_prefix": "http://"}
    results = [
        {
            **html,
            "category": "class",
            "class_singleObject": {"when": "time"},
            "class_multiObject": {"city": {"0": "start", "1": "end", "5": "missing"}},
        },
        {**html, "category": "xpath", "xpathObject": {"/html/body/main/section/p[2]": "city"}},
        {
            **html,
            "category": "input",
            "inputObject": {
                "/html/body/main/form/input[1]": "name",
                "/html/body/main/form/input[2]": "mail",
            },
        },
        {**html, "category": "label", "labelObject": {"Guests": "guests"}},
        {**html, "category": "xpath", "xpathObject": {"/html/body/nothing": "none"}},
        {"type": "active_tab_html_parse", "category": "xpath", "xpathObject": {}},
    ]
    expected = [
        {
            "type": "rule_relativeTime",
            "rules": {
                "relativeTime": {"from": "tomorrow"},
                "expected": {
                    "start": "Z\u00fcrich",
                    "end": "Boston",
                    "time": "{DoW}, {Month} {DayD}, {Year}",
                },
            },
        },
        rule({"city": "Boston"}),
        rule({"name": "James Smith", "mail": "mail@example.com"}),
        rule({"guests": "Guests: 2 adults"}),
        rule({}),
        rule({}),  # OSWorld's https:// prefix: the tab is not the active one, {} is given
    ]
    data = task(
        "html-parse",
        [
            step("launch", command=["google-chrome", "--remote-debugging-port=1337"]),
            step("chrome_open_tabs", urls_to_open=[f"http://{site}/plain.html", page]),
            step("sleep", seconds=1),
        ],
        {
            "func": ["check_direct_json_object"] * 4 + ["exact_match"] * 2,
            "result": results,
            "expected": expected,
        },
        related_apps=["chrome"],
    )
    data["x_solution"] = [
        {"click_text": {"text": "Your name", "timeout": 30}},
        {"type": "James Smith"},
        {"wait": 1},
        {"terminate": "success"},
    ]
    return data


def from_the_desktop_icon(site: str) -> dict:
    """No browser in the config: the solution starts it from the desktop's icon."""
    page = f"http://{site}/plain.html"
    data = task(
        "icon-browser",
        [],
        {
            "func": ["exact_match", "check_direct_json_object"],
            "result": [
                {"type": "active_url_from_accessTree", "goto_prefix": "http://"},
                {"type": "active_tab_html_parse", "goto_prefix": "http://", "category": "xpath"}
                | {"xpathObject": {"/html/body/h1": "heading"}},
            ],
            "expected": [rule(page), rule({"heading": "Plain page"})],
        },
        related_apps=["chrome"],
    )
    data["x_solution"] = [
        {"click_text": {"text": "Web Browser", "count": 2, "timeout": 30}},
        {"wait": 8},
        {"key": ["ctrl", "l"]},
        {"type": f"{page}\n"},
        {"wait": 3},
        {"terminate": "success"},
    ]
    return data


def folder_tree() -> dict:
    made = "mkdir -p ~/Desktop/cpjpg/sub && touch ~/Desktop/cpjpg/b.jpg ~/Desktop/cpjpg/a.jpg"
    tree = {
        "type": "directory",
        "name": "cpjpg",
        "children": [
            {"type": "file", "name": "a.jpg"},
            {"type": "file", "name": "b.jpg"},
            {"type": "directory", "name": "sub", "children": []},
        ],
    }
    return task(
        "list-directory",
        [step("execute", command=made, shell=True)],
        {
            "func": ["exact_match", "exact_match"],
            "result": [
                {"type": "list_directory", "path": "/home/user/Desktop/cpjpg"},
                {"type": "list_directory", "path": "/home/user/Desktop/none"},
            ],
            "expected": [rule(tree), rule(None)],
        },
    )


@chromium
def test_the_active_tab_is_read_in_place_and_the_desktop_icon_opens_the_tasks_browser(
    tmp_path, site
):
    tasks = [booking(site), from_the_desktop_icon(site), folder_tree()]
    records, output = run_suite(tmp_path, "chrome", tasks, workers=2)
    for name in ("html-parse", "icon-browser", "list-directory"):
        assert records[name]["score"] == 1.0, output


def test_the_session_launchers_of_chromium_and_xterm_start_the_shims(tmp_path):
    session = SessionHome.create(tmp_path / "the home", tmp_path / "run")
    xfce.write_config(session)
    install_shims(session.home, "/usr/bin/chromium", root=False, xterm="/usr/bin/xterm")
    changed = install_launchers(session.home)
    assert {"web-browser.desktop", "terminal.desktop"} <= {path.name for path in changed}
    shims = f'Exec="{session.home / SHIMS}/'
    for path in changed:
        execs = [line for line in path.read_text().splitlines() if line.startswith("Exec=")]
        assert execs and all(line.startswith(shims) for line in execs), path
    icon = (session.home / "Desktop" / "web-browser.desktop").read_text(encoding="utf-8")
    assert f'{shims}google-chrome" --no-sandbox --test-type' in icon
    terminal = (session.home / "Desktop" / "terminal.desktop").read_text(encoding="utf-8")
    assert f'{shims}xterm" -fa' in terminal
    editor = session.home / "Desktop" / "text-editor.desktop"
    assert editor not in changed and SHIMS not in editor.read_text(encoding="utf-8")


def test_relative_days_are_osworlds():
    wednesday = date(2026, 12, 2)

    def filled(relative: dict, expected: dict) -> dict:
        return relative_rules({"relativeTime": relative, "expected": expected}, wednesday)[
            "expected"
        ]

    time = {"time": "{DoW}, {Month} {DayD}, {Year} ({Month0D}/{Day0D}, {month}, {MonthFull})"}
    assert filled({"from": "tomorrow"}, time) == {
        "time": "Thu, Dec 3, 2026 (12/03, december, December)"
    }
    assert filled({"from": "5th next month"}, {"time": "{Day0D}.{Month0D}.{Year}"}) == {
        "time": "05.01.2027"
    }
    assert filled({"from": "next Monday"}, {"time": "{DoW} {DayD}"}) == {"time": "Mon 7"}
    assert filled({"from": "first monday four months later"}, {"time": "{MonthFull} {Day0D}"}) == {
        "time": "April 05"
    }
    week = {"from": "{DoW} {DayD}", "to": "{DoW} {DayD}"}
    assert filled({"from": "this Saturday", "to": "this Sunday"}, week) == {
        "from": "Sat 5",
        "to": "Sun 6",
    }
    assert filled({"from": "next Monday", "to": "next Friday"}, week) == {
        "from": "Mon 7",
        "to": "Fri 11",
    }
    assert filled({"from": "10th next month", "to": "11th next month"}, week) == {
        "from": "Sun 10",
        "to": "Mon 11",
    }
    with pytest.raises(ValueError, match="unknown relative time 'yesterday'"):
        filled({"from": "yesterday"}, time)
