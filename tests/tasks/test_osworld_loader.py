"""OSWorld suites in OSWorld's exact format, built here: the index, every kind of skip reason,
`multi` getters, lists of metrics, placeholders, Windows tasks, broken files, the --list table,
--domain, and downloads through the cache from a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tasks.osworld.cache import Cache
from tasks.osworld.index import SuiteOptions, index_file, list_suite
from tasks.osworld.loader import _apps_run_as_root, load_osworld
from tasks.spec import TaskError, load_suite

COMMAND = {"type": "vm_command_line", "command": "echo x", "shell": True}
RULE = {"type": "rule", "rules": {"expected": "x\n"}}


def task(task_id: str, **fields: Any) -> dict[str, Any]:
    data = {
        "id": task_id,
        "snapshot": "os",
        "instruction": "do it",
        "source": "",
        "config": [],
        "trajectory": "trajectories/",
        "related_apps": ["os"],
        "evaluator": {"func": "exact_match", "result": COMMAND, "expected": RULE},
    }
    data.update(fields)
    return data


def suite(root: Path, domains: dict[str, list[dict[str, Any]]], windows: int = 0) -> Path:
    for domain, tasks in domains.items():
        (root / "examples" / domain).mkdir(parents=True)
        for data in tasks:
            (root / "examples" / domain / f"{data['id']}.json").write_text(json.dumps(data))
    for n in range(windows):
        folder = root / "examples_windows" / "excel"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"w{n}.json"
        path.write_text(
            json.dumps(
                task(
                    f"w{n}",
                    config=[{"type": "open", "parameters": {"path": "C:\\Users\\User\\a.xlsx"}}],
                )
            )
        )
    index = {d: [t["id"] for t in tasks] for d, tasks in domains.items()}
    (root / "test_all.json").write_text(json.dumps(index))
    return root


def one(tmp_path: Path, **fields: Any) -> tuple[str, ...]:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(task("t", **fields)))
    return load_osworld(path).unsupported


def test_each_kind_of_reason_is_named(tmp_path):
    url = "http://127.0.0.1:9/never.xlsx"
    assert one(
        tmp_path, config=[{"type": "googledrive", "parameters": {"settings_file": "x"}}]
    ) == ("config: googledrive",)
    assert one(
        tmp_path,
        config=[
            {
                "type": "download",
                "parameters": {"files": [{"url": url, "path": "/home/user/a.xlsx"}]},
            }
        ],
    ) == (f"network: download {url}",)
    assert one(
        tmp_path, config=[{"type": "launch", "parameters": {"command": ["no-such-app"]}}]
    ) == ("program: no-such-app (not installed)",)
    assert one(
        tmp_path,
        config=[
            {
                "type": "execute",
                "parameters": {
                    "command": "echo password | sudo -S apt-get install -y x",
                    "shell": True,
                },
            }
        ],
    )[0].startswith("system: execute 'echo password | sudo -S apt-get")
    assert one(tmp_path, instruction="open {NO_SUCH}") == ("placeholder: {NO_SUCH}",)
    vlc = one(tmp_path, config=[{"type": "launch", "parameters": {"command": "vlc"}}])
    refused = ("program: vlc (refuses to run as root: run as a normal user)",)
    assert vlc == (refused if _apps_run_as_root() else ())  # as root without user namespaces
    evaluator = {
        "func": "compare_everything",
        "result": {"type": "vm_file", "path": "/etc/x", "dest": "x"},
        "expected": {"type": "no_such_getter"},
    }
    assert one(tmp_path, evaluator=evaluator) == (
        "path: vm_file /etc/x (outside /home/user)",
        "getter: no_such_getter",
        "metric: compare_everything",
    )
    tree = {"func": "check_left_panel", "result": {"type": "accessibility_tree"}}
    assert one(tmp_path, evaluator=tree)[0].startswith(
        "getter: accessibility_tree (no AT-SPI tree: LibreOffice here has only its X11 backend"
    )
    rules = {"rules": [{"type": "filter", "sheet_idx0": 0, "sheet_idx1": "EI0"}]}
    table = {
        "func": "compare_table",
        "result": {"type": "vm_file", "path": "~/a.xlsx", "dest": "a.xlsx"},
        "options": rules,
    }
    assert one(tmp_path, evaluator=table) == ("metric: compare_table rule filter",)


def test_multi_getters_lists_of_metrics_and_placeholders_load(tmp_path):
    files = {
        "type": "vm_file",
        "multi": True,
        "path": ["/home/user/a.txt", "~/b.txt"],
        "dest": ["a.txt", "b.txt"],
        "gives": [0, 1],
    }
    evaluator = {
        "func": ["file_contains", "check_line_number"],
        "conj": "or",
        "result": [files, {"type": "vm_file", "path": "/home/user/a.txt", "dest": "a"}],
        "expected": [
            {"type": "rule", "rules": {"expected": ["x"]}},
            {"type": "rule", "rules": {"expected": "3"}},
        ],
    }
    path = tmp_path / "t.json"
    instruction = "click at {SCREEN_WIDTH_HALF},{SCREEN_HEIGHT_HALF}; password {CLIENT_PASSWORD}"
    path.write_text(json.dumps(task("t", instruction=instruction, evaluator=evaluator)))
    loaded = load_osworld(path)
    assert loaded.unsupported == ()
    assert loaded.instruction == "click at 960,540; password password"
    assert loaded.screen == (1920, 1080)
    (step,) = loaded.evaluators
    assert step.args["func"] == ["file_contains", "check_line_number"]
    assert step.args["conj"] == "or" and step.args["result"][0]["multi"] is True


def test_an_infeasible_task_and_home_paths_in_the_instruction(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            task(
                "t",
                instruction="save to /home/user/Desktop/a.txt",
                evaluator={"func": "infeasible"},
            )
        )
    )
    loaded = load_osworld(path)
    assert loaded.unsupported == () and loaded.instruction == "save to {workspace}/Desktop/a.txt"


def test_a_broken_file_fails_alone_but_is_a_skipped_task_in_a_suite(tmp_path):
    root = suite(
        tmp_path / "s",
        {"os": [task("good"), task("bad", evaluator={"func": "x", "result": "not a getter"})]},
    )
    with pytest.raises(TaskError, match=r"task bad: evaluator result 'not a getter' is not a"):
        load_osworld(root / "examples" / "os" / "bad.json")
    tasks = {t.id: t for t in load_suite(root)}
    assert tasks["good"].unsupported == () and tasks["good"].app == "os"
    assert tasks["bad"].unsupported[0].startswith("malformed: task bad: evaluator result")
    (root / "examples" / "os" / "good.json").unlink()
    assert load_suite(root)[0].unsupported[0].startswith("malformed: no task file")


FILE = {"url": "https://x.org/f.txt", "path": "/home/user/f.txt"}


def test_the_list_table_counts_per_domain_and_domains_are_chosen(tmp_path):
    root = suite(
        tmp_path / "s",
        {
            "os": [
                task("a"),
                task("b", evaluator={"func": "infeasible"}),
                task("c", config=[{"type": "login", "parameters": {"url": "https://x.org"}}]),
                task("e", config=[{"type": "download", "parameters": {"files": [FILE]}}]),
            ],
            "vlc": [task("d", evaluator={"func": "compare_videos", "result": COMMAND})],
        },
        windows=2,
    )
    lines: list[str] = []
    assert list_suite(root, SuiteOptions(), lines.append) == 0
    text = "\n".join(lines)
    header, os_row, vlc_row, windows_row, total = text.split("\n")[:5]
    columns = ["domain", "tasks", "run", "online", "windows", "config", "metric", "network"]
    assert header.split() == columns
    assert os_row.split() == ["os", "4", "2", "3", "0", "1", "0", "2"]
    assert vlc_row.split() == ["vlc", "1", "0", "0", "0", "0", "1", "0"]
    assert windows_row.split() == ["windows", "2", "0", "0", "2", "0", "0", "0"]
    assert total.split() == ["total", "7", "2", "3", "2", "1", "1", "2"]
    assert (
        "2 of 7 tasks run here; 3 with network access" in text
        and "   1  metric: compare_videos" in text
    )
    assert "   2  windows: a Windows task" in text and "   1  network: login" in text
    chosen = load_suite(root, SuiteOptions(domains=("vlc",)))
    assert [t.id for t in chosen] == ["d"]
    with pytest.raises(TaskError, match=r"--domain chrome: test_all.json has the domains os, vlc"):
        load_suite(root, SuiteOptions(domains=("chrome",)))


def test_any_index_of_the_same_shape_is_a_suite(tmp_path):
    root = suite(tmp_path / "s", {"os": [task("a"), task("b")]})
    (root / "test_small.json").write_text(json.dumps({"os": ["b"]}))
    assert index_file(root / "test_small.json") == root / "test_small.json"
    assert [t.id for t in load_suite(root / "test_small.json")] == ["b"]
    assert index_file(root / "examples" / "os" / "a.json") is None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    files = tmp_path / "served"
    files.mkdir()
    (files / "data.txt").write_text("from the server\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(files))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_downloads_go_through_the_cache_and_offline_is_needs_network(tmp_path, served):
    good, bad = f"{served}/data.txt", f"{served}/missing.txt"
    download = {
        "type": "download",
        "parameters": {"files": [{"url": good, "path": "/home/user/Desktop/data.txt"}]},
    }
    cloud = {"type": "cloud_file", "path": bad, "dest": "gold.txt"}
    root = suite(
        tmp_path / "s",
        {
            "os": [
                task("a", config=[download]),
                task(
                    "b",
                    evaluator={
                        "func": "compare_text_file",
                        "result": {"type": "vm_file", "path": "~/a.txt", "dest": "a.txt"},
                        "expected": cloud,
                    },
                ),
            ]
        },
    )
    cache = tmp_path / "cache"
    offline = {t.id: t for t in load_suite(root, SuiteOptions(cache=cache))}
    assert offline["a"].unsupported == (f"network: download {good}",)
    fetched = {t.id: t for t in load_suite(root, SuiteOptions(cache=cache, fetch=True))}
    assert fetched["a"].unsupported == ()
    (copy,) = fetched["a"].setup[1].args["files"]
    assert Path(copy["from"]).read_text() == "from the server\n"
    assert Path(copy["from"]).parent == cache / "blobs"
    (reason,) = fetched["b"].unsupported
    assert reason.startswith(f"network: download of {bad} failed: HTTP Error 404")
    again = {t.id: t for t in load_suite(root, SuiteOptions(cache=cache))}
    assert again["a"].unsupported == ()  # now cached, no network needed
    assert Cache(cache).lookup(good) == Path(copy["from"])


def test_the_overlay_is_keyed_by_domain_and_id_in_the_oracle_vocabulary(tmp_path):
    from tasks.osworld.overlay import solutions
    from tasks.spec import SOLUTION_STEPS, _steps

    overlay = solutions()
    assert len(overlay) >= 25
    domains = {key.split("/")[0] for key in overlay}
    assert len(domains) >= 4
    for key, steps in overlay.items():
        assert re.fullmatch(r"[a-z_]+/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", key), key
        assert _steps(key, "solution", steps, SOLUTION_STEPS)
    # a real task's file in OSWorld's layout picks its solution up by domain and id
    key = next(k for k in overlay if k.startswith("os/"))
    domain, task_id = key.split("/")
    root = suite(tmp_path / "s", {domain: [task(task_id)], "vlc": [task(task_id)]})
    loaded = {t.app: t for t in load_suite(root)}
    assert loaded["os"].solution and not loaded["vlc"].solution
