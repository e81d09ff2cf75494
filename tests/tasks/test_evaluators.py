"""Every evaluator passes on the right end state and fails on a wrong one; crashes score 0."""

from __future__ import annotations

import os

import adbutils
import pytest

from environments.desktop.session import SessionRunner
from tasks.evaluators import EVALUATORS, Probe, evaluate_one, judge_one


@pytest.fixture
def probe(tmp_path) -> Probe:
    (tmp_path / "a.txt").write_text("Hello, Wörld\n")
    (tmp_path / "t.csv").write_text("x,y\n1,2.0001\n")
    (tmp_path / "d.json").write_text('{"n": 1.0001, "l": [1, "a"]}')
    titles = ("haiku.txt - Mousepad",)
    session = SessionRunner(dict(os.environ))
    return Probe(tmp_path, "success", "The total is 1,234.5 euros", titles, session)


CAT = {"func": ["exact_match"], "options": [{}],
       "result": [{"type": "vm_command_line", "command": ["cat", "a.txt"]}]}  # fmt: skip
CASES = [
    ("file_exists", {"path": "a.txt"}, {"path": "b.txt"}),
    ("file_absent", {"path": "b.txt"}, {"path": "a.txt"}),
    (
        "text_equals",
        {"path": "a.txt", "expected": "Hello, Wörld"},
        {"path": "a.txt", "expected": "Hello"},
    ),
    (
        "text_contains",
        {"path": "a.txt", "expected": ["Hello", "Wörld"]},
        {"path": "a.txt", "expected": "World"},
    ),
    ("text_regex", {"path": "a.txt", "pattern": r"W\w+ld"}, {"path": "a.txt", "pattern": r"^\d"}),
    (
        "csv_equal",
        {"path": "t.csv", "expected": "x,y\n1,2", "tolerance": 0.01},
        {"path": "t.csv", "expected": "x,y\n1,2"},
    ),
    (
        "json_equal",
        {"path": "d.json", "expected": {"n": 1, "l": [1, "a"]}, "tolerance": 0.001},
        {"path": "d.json", "expected": {"n": 1, "l": [1, "b"]}},
    ),
    (
        "command_output",
        {"command": "cat a.txt | wc -l", "expected": "1"},
        {"command": "echo 2", "expected": "1"},
    ),
    ("window_title", {"contains": "haiku.txt"}, {"contains": "Firefox"}),
    (
        "answer_match",
        {"expected": "1234.5", "mode": "number"},
        {"expected": "1200", "mode": "number"},
    ),
    (
        "answer_match",
        {"expected": "the TOTAL is 1,234.5 euros!", "mode": "normalized"},
        {"expected": "1,234.5", "mode": "exact"},
    ),
    ("terminated", {"status": "success"}, {"status": "failure"}),
    (
        "osworld",  # each OSWorld metric is covered in test_osworld.py
        {**CAT, "expected": [{"type": "rule", "rules": {"expected": "Hello, Wörld\n"}}]},
        {**CAT, "expected": [{"type": "rule", "rules": {"expected": "Hello"}}]},
    ),
    (
        "all_of",
        {"value": [{"file_exists": {"path": "a.txt"}}, {"terminated": {"status": "success"}}]},
        {"value": [{"file_exists": {"path": "a.txt"}}, {"file_exists": {"path": "z"}}]},
    ),
    (
        "any_of",
        {"value": [{"file_exists": {"path": "z"}}, {"file_exists": {"path": "a.txt"}}]},
        {"value": [{"file_exists": {"path": "z"}}]},
    ),
]


@pytest.mark.parametrize(("name", "right", "wrong"), CASES)
def test_each_evaluator_has_a_passing_and_a_failing_case(probe, name, right, wrong):
    assert evaluate_one(probe, name, right) == (1.0, None)
    assert evaluate_one(probe, name, wrong) == (0.0, None)


CONTACTS = "/sdcard/Android/data/com.android.contacts/files/contacts.json"
ANDROID_CASES = [
    ("android_setting", {"key": "wifi_on", "expected": "1"},
     {"key": "airplane_mode_on", "expected": "1"}),
    ("android_current_app", {"package": "com.android.launcher3"},
     {"package": "com.android.settings"}),
    ("android_file_contains", {"path": CONTACTS, "expected": ["Alice Johnson", "Bob"]},
     {"path": CONTACTS, "expected": "Zed"}),
    ("android_json_has", {"path": CONTACTS, "item": {"name": "alice johnson"}},
     {"path": CONTACTS, "item": {"name": "Alice Johnson"}, "count": 0}),
]  # fmt: skip


@pytest.fixture
def phone_probe(tmp_path, adb_server, virtual_phone) -> Probe:
    device = adbutils.AdbClient("127.0.0.1", adb_server.port).device(virtual_phone.address)
    return Probe(tmp_path, "success", None, (), SessionRunner(), device=device)


@pytest.mark.parametrize(("name", "right", "wrong"), ANDROID_CASES)
def test_each_android_evaluator_reads_the_phone_through_adb(phone_probe, name, right, wrong):
    assert evaluate_one(phone_probe, name, right) == (1.0, None)
    assert evaluate_one(phone_probe, name, wrong) == (0.0, None)


def test_an_android_evaluator_on_a_desktop_task_says_so(probe):
    score, error = evaluate_one(probe, "android_setting", {"key": "wifi_on", "expected": "1"})
    assert score == 0.0 and "needs an Android task" in (error or "")


@pytest.mark.parametrize(("name", "right", "wrong"), CASES)
def test_a_failing_evaluator_says_what_it_expected_and_found(probe, name, right, wrong):
    assert judge_one(probe, name, right).why is None
    assert judge_one(probe, name, wrong).why


@pytest.mark.parametrize(
    ("name", "wrong", "why"),
    [
        (
            "text_equals",
            {"path": "a.txt", "expected": "Hello"},
            "a.txt differs from what was expected:\n--- expected\n+++ a.txt\n@@ -1 +1 @@\n-Hello\n"
            "+Hello, Wörld",
        ),
        (
            "csv_equal",
            {"path": "t.csv", "expected": "x,y\n1,3"},
            "t.csv differs: row 2 column 2: expected '3', found '2.0001'",
        ),
        (
            "json_equal",
            {"path": "d.json", "expected": {"n": 1.0001, "l": [1, "b"]}},
            "d.json differs at $.l[1]: expected 'b', found 'a'",
        ),
        (
            "command_output",
            {"command": "echo 2", "expected": "1"},
            "`echo 2`: expected '1', found '2'",
        ),
        (
            "answer_match",
            {"expected": "1200", "mode": "number"},
            "answer (number): expected '1200', found 'The total is 1,234.5 euros'",
        ),
        (
            "window_title",
            {"contains": "Firefox"},
            'windows: expected "a window titled with \'Firefox\'", found ["haiku.txt - Mousepad"]',
        ),
        (
            "terminated",
            {"status": "failure"},
            "the run's ending: expected 'failure', found 'success'",
        ),
        (
            "file_exists",
            {"path": "b.txt"},
            'no file b.txt; its folder holds ["a.txt", "d.json", "t.csv"]',
        ),
    ],
)
def test_reasons_name_the_difference(probe, name, wrong, why):
    assert judge_one(probe, name, wrong).why == why


def test_every_evaluator_is_covered():
    assert {name for name, _, _ in CASES + ANDROID_CASES} == set(EVALUATORS)


def test_a_crash_inside_an_evaluator_scores_zero_with_the_reason(probe):
    score, error = evaluate_one(probe, "text_equals", {"path": "missing.txt", "expected": "x"})
    assert score == 0.0 and "text_equals failed: FileNotFoundError" in (error or "")
