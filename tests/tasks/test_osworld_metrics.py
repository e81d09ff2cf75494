"""OSWorld's metrics and getters on real files, each with a case that passes and one that fails
(and the edge cases OSWorld's own code handles), and its scoring rules: infeasible, FAIL scored
0, and/or over several metrics with partial credit."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from environments.desktop.session import SessionRunner
from tasks.osworld import chrome_metrics
from tasks.osworld import metrics as m
from tasks.osworld.conventions import install_shims, task_env
from tasks.osworld.getters import GETTERS, Machine
from tasks.osworld.scoring import judge
from tasks.osworld.tables import compare_table


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_general_metrics(tmp_path):
    assert m.exact_match("Directory exists.\n", {"expected": "Directory exists.\n"}) == 1.0
    assert m.exact_match("Directory exists.", {"expected": "Directory exists.\n"}) == 0.0
    assert m.is_in_list(["a", "conda 1"], {"expected": "conda 1"}) == 1.0
    assert m.is_in_list("no conda here", {"expected": "conda 2"}) == 0.0
    rules = {"include": ["spotify"], "exclude": ["not found"]}
    assert m.check_include_exclude("/usr/bin/spotify", rules) == 1.0
    assert m.check_include_exclude("spotify: not found", rules) == 0.0
    assert m.check_include_exclude(None, rules) == 0.0
    assert m.literal_match("A", "a", ignore_case=True) == 1.0
    assert m.literal_match(["a", 1], ["a", "1"], type="list") == 1.0
    assert m.literal_match(["a"], "a", type="list") == 0.0


def test_check_direct_json_object_exact_and_expect_in_result():
    assert m.check_direct_json_object("{'a': 1, 'b': 'x'}", {"expected": {"a": 1}}) == 1.0
    assert m.check_direct_json_object({"a": 2}, {"expected": {"a": 1}}) == 0.0
    assert m.check_direct_json_object("not json", {"expected": {"a": 1}}) == 0.0
    within = {"expect_in_result": True, "expected": {"s": "ell", "l": ["q", "y"]}}
    assert m.check_direct_json_object({"s": "hello", "l": ["x", "y"]}, within) == 1.0
    assert m.check_direct_json_object({"s": "hello", "l": ["x"]}, within) == 0.0


def test_file_metrics(tmp_path):
    report = write(tmp_path / "r.txt", "CPU %user\n12:00:01 a\n12:00:02 b\n25:00:00 no\n")
    assert m.file_contains(report, {"expected": ["CPU", "%user"]}) == 1.0
    assert m.file_contains(report, {"expected": ["%steal"]}) == 0.0
    assert m.file_contains(str(tmp_path / "none.txt"), {"expected": []}) == 0.0
    assert m.check_line_number(report, {"expected": "2"}) == 1.0
    assert m.check_line_number(report, {"expected": "3"}) == 0.0
    assert m.check_list(report, {"expect": [r"^CPU"], "unexpect": ["zzz"]}) == 1.0
    assert m.check_list(report, {"expect": [r"^CPU"], "unexpect": ["25:"]}) == 0.0
    gold, near = (
        write(tmp_path / "g.txt", "a\nb\nc\nd\n"),
        write(tmp_path / "n.txt", "a\nb\nc\nD\n"),
    )
    assert m.diff_text_file(gold, gold) == 1.0 and m.diff_text_file(near, gold) == 0.75
    assert (
        m.compare_text_file(
            write(tmp_path / "s.txt", "a  b\n"),
            write(tmp_path / "t.txt", "a b"),
            ignore_blanks=True,
        )
        == 1.0
    )
    assert m.compare_text_file(near, gold) == 0.0
    assert (
        m.compare_csv(
            write(tmp_path / "1.csv", " x,1\n"), write(tmp_path / "2.csv", "x,1"), strict=False
        )
        == 1.0
    )
    assert m.compare_csv(str(tmp_path / "1.csv"), str(tmp_path / "2.csv")) == 0.0


def test_os_app_and_settings_metrics(tmp_path):
    assert m.check_text_enlarged("1.25\n") == 1.0 and m.check_text_enlarged("1.0\n") == 0.0
    apps = "['thunderbird.desktop', 'google-chrome.desktop']\n"
    assert (
        m.check_gnome_favorite_apps(
            apps, {"expected": ["google-chrome.desktop", "thunderbird.desktop"]}
        )
        == 1.0
    )
    assert m.check_gnome_favorite_apps("@as []\n", {"expected": ["a.desktop"]}) == 0.0
    lines = "a\nb\nc\n                Time zone: Etc/UTC (UTC, +0000)"
    assert m.is_utc_0(lines) == 1.0 and m.is_utc_0(lines.replace("+0000", "+0100")) == 0.0
    gimprc = write(tmp_path / "gimprc", '# GIMP gimprc\n\n(undo-levels 100)\n(theme "Light")\n')
    assert m.check_config_status(gimprc, {"key": "undo-levels", "value": "100"}) == 1.0
    assert m.check_config_status(gimprc, {"key": "theme", "value": '"Light"'}) == 1.0
    assert m.check_config_status(gimprc, {"key": "undo-levels", "value": "5"}) == 0.0
    sessionrc = write(tmp_path / "sessionrc", '(session-info "toplevel"\n(hide-docks yes)\n')
    assert (
        m.check_config_status(
            sessionrc, {"key": ["session-info", '"toplevel"'], "value": '"toplevel"'}
        )
        == 1.0
    )
    assert m.check_config_status(None, {"key": "x", "value": "y"}) == 0.0
    xcu = (
        '<?xml version="1.0"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
        '<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop '
        'oor:name="AutoSaveTimeIntervall" oor:op="fuse"><value>{}</value></prop></item>'
        "</oor:items>"
    )
    assert m.check_auto_saving_time(write(tmp_path / "a.xcu", xcu.format(3)), {"minutes": 3}) == 1
    assert m.check_auto_saving_time(write(tmp_path / "b.xcu", xcu.format(10)), {"minutes": 3}) == 0
    assert m.check_auto_saving_time(write(tmp_path / "c.xcu", "<broken"), {"minutes": 3}) == 0


def _book(path: Path, sheets: dict[str, list[list[Any]]]) -> str:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return str(path)


def test_compare_table_on_xlsx(tmp_path):
    gold = _book(tmp_path / "gold.xlsx", {"Sheet1": [["item", "n"], ["pens", 1.00001], ["ink", 2]]})
    same = _book(
        tmp_path / "same.xlsx", {"Sheet1": [["item", "n"], ["pens", 1], ["ink", 2.0], [None, None]]}
    )
    other = _book(tmp_path / "other.xlsx", {"Sheet1": [["item", "n"], ["pens", 1], ["ink", 3]]})
    renamed = _book(tmp_path / "renamed.xlsx", {"Data": [["item", "n"], ["pens", 1], ["ink", 2]]})
    data = [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]
    assert compare_table(same, gold, rules=data) == 1.0
    assert compare_table(other, gold, rules=data) == 0.0
    exact = [
        {"type": "sheet_data", "sheet_idx0": "RNSheet1", "sheet_idx1": "ENSheet1", "precision": 6}
    ]
    assert compare_table(same, gold, rules=exact) == 0.0  # 1 != 1.00001 to six digits
    names = [{"type": "sheet_name"}]
    assert compare_table(renamed, gold, rules=names) == 0.0
    assert compare_table(renamed, gold, rules=data) == 1.0
    assert compare_table(renamed, gold, rules=exact) == 0.0  # no sheet named Sheet1
    csv = write(tmp_path / "same.csv", "item,n\npens,1\nink,2\n")
    assert compare_table(csv, gold, rules=data) == 0.0  # OSWorld opens xlsx only
    assert compare_table(None, gold, rules=data) == 0.0


def test_file_and_command_getters_in_the_task_home(home):
    machine = Machine(home, SessionRunner(task_env(dict(os.environ), home)))
    write(home / "Desktop" / "a.txt", "x")
    vm_file = GETTERS["vm_file"]
    assert vm_file(machine, {"path": "/home/user/Desktop/a.txt"}) == str(home / "Desktop/a.txt")
    assert vm_file(machine, {"path": "~/missing.txt"}) is None
    multi = {"multi": True, "path": ["~/Desktop/a.txt", "/home/user/none"], "gives": [0, 1]}
    assert vm_file(machine, multi) == [str(home / "Desktop/a.txt"), None]
    line = GETTERS["vm_command_line"]
    assert line(machine, {"command": "[ -d ~/Desktop ] && echo yes", "shell": True}) == "yes\n"
    assert line(machine, {"command": ["ls", "/home/user/Desktop"]}) == "a.txt\n"
    assert line(machine, {"command": "ls ~/Desktop"}) == "a.txt\n"
    error = GETTERS["vm_command_error"](machine, {"command": "ls /home/user/none", "shell": True})
    assert "No such file" in error


def test_chrome_and_gimp_getters_read_the_profile_files(home):
    machine = Machine(home, SessionRunner())
    prefs = {
        "enable_do_not_track": True,
        "profile": {"name": "Thomas"},
        "default_search_provider_data": {"template_url_data": {"short_name": "Bing"}},
        "webkit": {"webprefs": {"default_font_size": 20}},
    }
    assert GETTERS["default_search_engine"](machine, {}) == "Google"  # OSWorld's default
    assert GETTERS["enable_do_not_track"](machine, {}) == "false"
    write(home / ".config/google-chrome/Default/Preferences", json.dumps(prefs))
    assert GETTERS["default_search_engine"](machine, {}) == "Bing"
    assert GETTERS["profile_name"](machine, {}) == "Thomas"
    assert GETTERS["enable_do_not_track"](machine, {}) == "true"
    assert GETTERS["enable_enhanced_safety_browsing"](machine, {}) == "false"
    assert GETTERS["data_delete_automacally"](machine, {}) == "false"
    size = GETTERS["chrome_font_size"](machine, {})
    assert m.check_font_size(size, {"type": "range", "min": 16, "max": 99999}) == 1.0
    assert m.check_font_size(size, {"type": "value", "value": 16}) == 0.0
    write(
        home / ".config/google-chrome/Local State",
        json.dumps({"browser": {"enabled_labs_experiments": ["chrome-refresh-2023@2"]}}),
    )
    experiments = GETTERS["enabled_experiments"](machine, {})
    assert (
        m.check_enabled_experiments(
            experiments, {"type": "names", "names": ["chrome-refresh-2023"]}
        )
        == 1.0
    )
    bookmarks = {"roots": {"bookmark_bar": {"children": [{"type": "folder", "name": "Work"}]}}}
    write(home / ".config/google-chrome/Default/Bookmarks", json.dumps(bookmarks))
    roots = GETTERS["bookmarks"](machine, {})
    rule = {"type": "bookmark_bar_folders_names", "names": ["Work"]}
    assert chrome_metrics.is_expected_bookmarks(roots, rule) == 1.0
    assert chrome_metrics.is_expected_bookmarks(roots, {**rule, "names": ["Home"]}) == 0.0
    assert GETTERS["gimp_config_file"](machine, {"file_name": "gimprc"}) is None
    write(home / ".config/GIMP/2.10/gimprc", "(undo-levels 100)\n")
    assert GETTERS["gimp_config_file"](machine, {"file_name": "gimprc"}).endswith("gimprc")


def _judge(
    home: Path,
    status: str,
    func: list[str],
    result: list[Any],
    expected: list[Any],
    conj: str = "and",
) -> float:
    options = [{} for _ in func]
    return judge(
        home, SessionRunner(dict(os.environ)), status, func, result, expected, options, conj
    )


def test_scoring_as_osworld(home):
    assert _judge(home, "failure", ["infeasible"], [None], [None]) == 1.0
    assert _judge(home, "success", ["infeasible"], [None], [None]) == 0.0
    command = {"type": "vm_command_line", "command": "echo x", "shell": True}
    yes, no = (
        {"type": "rule", "rules": {"expected": "x\n"}},
        {"type": "rule", "rules": {"expected": "y\n"}},
    )
    assert _judge(home, "success", ["exact_match"], [command], [yes]) == 1.0
    assert _judge(home, "failure", ["exact_match"], [command], [yes]) == 0.0  # FAIL scores 0
    write(home / "g.txt", "a\nb\nc\nd\n")
    write(home / "n.txt", "a\nb\nc\nD\n")
    near = [{"type": "vm_file", "path": "~/n.txt"}, {"type": "vm_file", "path": "~/g.txt"}]
    two = ["exact_match", "diff_text_file"]
    assert _judge(home, "success", two, [command, near[0]], [yes, near[1]]) == 0.875  # the mean
    assert _judge(home, "success", two, [command, near[0]], [no, near[1]]) == 0.0
    assert _judge(home, "success", two, [command, near[0]], [no, near[1]], "or") == 0.75
    assert _judge(home, "success", two, [command, near[0]], [yes, near[1]], "or") == 1.0


def test_the_shims_run_sudo_as_the_user_and_pkill_only_the_tasks_processes(home, tmp_path):
    install_shims(home, None, root=False)
    assert (home / "Desktop").is_dir() and (home / "Downloads").is_dir()
    env = task_env(dict(os.environ), home)
    done = subprocess.run(
        "echo password | sudo -S mkdir ~/Desktop/made && python -c "
        "'import pyautogui.__init__' 2>/dev/null; echo $?",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (home / "Desktop" / "made").is_dir()
    other = {**os.environ, "HOME": str(tmp_path)}
    mine = subprocess.Popen(["sleep", "117"], env=env)
    theirs = subprocess.Popen(["sleep", "117"], env=other)
    # Chromium overwrites its environ; its profile flag names the home
    named = subprocess.Popen(["sh", "-c", "sleep 117", f"--user-data-dir={home}/p"], env=other)
    try:
        subprocess.run("pkill 'sleep 117'", shell=True, env=env, timeout=30, check=True)
        assert mine.wait(5) != 0 and named.wait(5) != 0
        time.sleep(0.2)
        assert theirs.poll() is None
    finally:
        for process in (mine, theirs, named):
            process.kill()
    assert done.returncode == 0


def _docx(path: Path, paragraphs: list[str]) -> str:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return str(path)


def test_compare_docx_files_by_paragraph_text(tmp_path):
    gold = _docx(tmp_path / "gold.docx", ["Title", "Second  line"])
    spaced = _docx(tmp_path / "spaced.docx", ["Title ", "Second line"])
    upper = _docx(tmp_path / "upper.docx", ["TITLE", "Second line"])
    swapped = _docx(tmp_path / "swapped.docx", ["Second  line", "Title"])
    merged = _docx(tmp_path / "merged.docx", ["Title Second line"])
    assert m.compare_docx_files(spaced, gold) == 1.0  # blanks ignored by default
    assert m.compare_docx_files(spaced, gold, ignore_blanks=False) == 0.0
    assert m.compare_docx_files(merged, gold) == 1.0  # one text, white space folded
    assert m.compare_docx_files(merged, gold, ignore_blanks=False) == 0.0  # paragraph count
    assert m.compare_docx_files(upper, gold) == 0.0
    assert m.compare_docx_files(upper, gold, ignore_case=True) == 1.0
    assert m.compare_docx_files(swapped, gold) == 0.0
    assert m.compare_docx_files(swapped, gold, ignore_order=True) == 1.0
    assert m.compare_docx_files(write(tmp_path / "a.txt", "Title"), gold) == 0.0
    assert m.compare_docx_files(None, gold) == 0.0
    assert m.compare_docx_files(write(tmp_path / "broken.docx", "not a zip"), gold) == 0.0
    odt = [{"type": "vm_file", "path": "~/a.odt"}]
    assert m.check_options("compare_docx_files", {"content_only": True}, odt) == [
        ("metric", "compare_docx_files on odt files"),
    ]
