"""OSWorld task JSON: translation of each setup type and getter, each metric on real files (a
passing and a failing case), unsupported features named, and the sample suite end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tasks.bench import table
from tasks.evaluators import Probe, evaluate_one
from tasks.open_with import can_open, open_argv
from tasks.results import load_records
from tasks.spec import Step, Task, TaskError, load_suite, load_task

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tasks" / "suites" / "osworld-sample"
RULE = {"type": "rule", "rules": {"expected": "x"}}
COMMAND = {"type": "vm_command_line", "command": "echo x", "shell": True}


def osworld(tmp_path: Path, **fields: Any) -> Task:
    data = {"id": "t", "instruction": "do it", "config": [],
            "evaluator": {"func": "exact_match", "result": COMMAND, "expected": RULE}}  # fmt: skip
    data.update(fields)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    return load_task(path)


def config(tmp_path: Path, kind: str, **parameters: Any) -> tuple[Step, ...]:
    task = osworld(tmp_path, config=[{"type": kind, "parameters": parameters}])
    assert task.unsupported == ()
    return task.setup


# --- setup types ---------------------------------------------------------------------------


def test_launch_takes_an_argv_a_string_or_a_shell_line_and_home_becomes_the_workspace(tmp_path):
    argv = ["xterm", "-e", "ls /home/user/Desktop"]
    assert config(tmp_path, "launch", command=argv) == (
        Step("launch", {"value": ["xterm", "-e", "ls {workspace}/Desktop"]}),
    )
    assert config(tmp_path, "launch", command="xterm -title 'a b'")[0].args["value"] == [
        "xterm", "-title", "a b"]  # fmt: skip
    assert config(tmp_path, "launch", command="sleep 1 && ls ~", shell=True)[0].args == {
        "value": ["bash", "-c", "sleep 1 && ls ~"]}  # fmt: skip


def test_execute_and_command_run_an_argv_or_a_shell_line(tmp_path):
    assert config(tmp_path, "execute", command=["touch", "/home/user/a"], stdout="o.txt") == (
        Step("execute", {"value": ["touch", "{workspace}/a"]}),
    )
    assert config(tmp_path, "command", command="cd /home/user/x && ls", shell=True) == (
        Step("execute", {"value": ["bash", "-c", "cd {workspace}/x && ls"]}),
    )


def test_open_sleep_and_download_from_local_files(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.csv").write_text("x\n")
    (tmp_path / "b.txt").write_text("y\n")
    assert config(tmp_path, "open", path="/home/user/Desktop/a.csv") == (
        Step("open", {"value": "Desktop/a.csv"}),
    )
    assert config(tmp_path, "open", path="/home/user/Documents") == (
        Step("open", {"value": "Documents"}),
    )
    assert config(tmp_path, "sleep", seconds=2) == (Step("sleep", {"value": 2.0}),)
    files = [{"url": "files/a.csv", "path": "/home/user/a.csv"},
             {"url": (tmp_path / "b.txt").as_uri(), "path": "docs/b.txt"}]  # fmt: skip
    assert config(tmp_path, "download", files=files) == (
        Step("write_file", {"path": "a.csv", "from": str(tmp_path / "files" / "a.csv")}),
        Step("write_file", {"path": "docs/b.txt", "from": str(tmp_path / "b.txt")}),
    )


def test_the_instruction_postconfig_solution_and_app_are_translated(tmp_path):
    task = osworld(
        tmp_path,
        instruction="Save it as /home/user/out.txt, not /home/username/out.txt.",
        related_apps=["gnumeric", "os"],
        evaluator={"func": "exact_match", "result": COMMAND, "expected": RULE,
                   "postconfig": [{"type": "sleep", "parameters": {"seconds": 1}}]},
        x_solution=[{"key": ["ctrl", "s"]}, {"terminate": "success"}],
    )  # fmt: skip
    assert task.instruction == "Save it as {workspace}/out.txt, not /home/username/out.txt."
    assert task.app == "gnumeric"
    assert task.postconfig == (Step("sleep", {"value": 1.0}),)
    assert task.solution == (Step("key", {"value": ["ctrl", "s"]}), Step("terminate",
                             {"value": "success"}))  # fmt: skip


# --- getters and the evaluator step --------------------------------------------------------


def test_getters_become_workspace_paths_argvs_rules_and_absolute_local_files(tmp_path):
    (tmp_path / "gold.csv").write_text("a\n")
    evaluator = {
        "func": ["compare_csv", "exact_match", "compare_table"],
        "conj": "or",
        "result": [{"type": "vm_file", "path": "/home/user/Desktop/r.csv", "dest": "r.csv"},
                   {"type": "vm_command_line", "command": ["cat", "/home/user/n"]},
                   {"type": "vm_file", "path": "r.csv", "dest": "r.csv"}],
        "expected": [{"type": "local_file", "path": "gold.csv"},
                     {"type": "rule", "rules": {"expected": "1\n"}},
                     {"type": "cloud_file", "path": (tmp_path / "gold.csv").as_uri(),
                      "dest": "g.csv"}],
        "options": [{"strict": False}, {}, {}],
    }  # fmt: skip
    task = osworld(tmp_path, evaluator=evaluator)
    gold = {"type": "local_file", "path": str(tmp_path / "gold.csv")}
    assert task.unsupported == ()
    assert task.evaluators == (
        Step("osworld", {
            "func": ["compare_csv", "exact_match", "compare_table"],
            "result": [{"type": "vm_file", "path": "Desktop/r.csv"},
                       {"type": "vm_command_line", "command": ["cat", "{workspace}/n"]},
                       {"type": "vm_file", "path": "r.csv"}],
            "expected": [gold, {"type": "rule", "rules": {"expected": "1\n"}}, gold],
            "options": [{"strict": False}, {}, {}],
            "conj": "or",
        }),
    )  # fmt: skip


# --- unsupported features --------------------------------------------------------------------


def test_everything_unsupported_is_listed_by_name(tmp_path):
    task = osworld(
        tmp_path,
        config=[
            {"type": "googledrive", "parameters": {}},
            {"type": "download", "parameters": {"files": [
                {"url": "https://x.org/a.xlsx", "path": "/home/user/a.xlsx"}]}},
            {"type": "download", "parameters": {"files": [
                {"url": "https://x.org/a.xlsx", "path": "/home/user/b.xlsx"}]}},
            {"type": "open", "parameters": {"path": "/home/user/a.docx"}},
            {"type": "open", "parameters": {"path": "/tmp/elsewhere.txt"}},
            {"type": "execute", "parameters": {"command": ["true"], "until": {"returncode": 0}}},
            {"type": "launch", "parameters": {"command": ["google-chrome-nowhere"]}},
        ],
        evaluator={
            "func": ["compare_table", "compare_table", "compare_docx_files", "exact_match"],
            "result": [{"type": "vm_file", "path": "/home/user/a.xlsx", "dest": "a.xlsx"},
                       {"type": "vm_file", "path": "/home/user/a.csv", "dest": "a.csv"},
                       {"type": "vm_file", "path": "/home/user/a.docx", "dest": "a.docx"},
                       {"type": "accessibility_tree"}],
            "expected": [None, None,
                         {"type": "cloud_file", "path": "https://x.org/gold.docx", "dest": "g"},
                         RULE],
            "options": [{"rules": [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]},
                        {"rules": [{"type": "chart", "sheet_idx0": 0, "sheet_idx1": "EI0"}]},
                        {}, {"ignore_case": True}],
            "postconfig": [{"type": "activate_window", "parameters": {"window_name": "a"}}],
        },
    )  # fmt: skip
    assert task.unsupported == (
        "config type 'googledrive'",
        "download from 'https://x.org/a.xlsx'",
        "open of '.docx' files",
        "path '/tmp/elsewhere.txt' outside /home/user",
        "execute parameter 'until'",
        "program 'google-chrome-nowhere' (not installed)",
        "compare_table on 'a.xlsx' (CSV only)",
        "compare_table rule 'chart'",
        "cloud_file from 'https://x.org/gold.docx'",
        "metric 'compare_docx_files'",
        "result getter 'accessibility_tree'",
        "metric 'exact_match' option 'ignore_case'",
        "postconfig type 'activate_window'",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evaluator": {"func": "exact_match", "result": [COMMAND, COMMAND]}},
         "evaluator.result must match 'func'"),
        ({"evaluator": {"func": "exact_match", "conj": "xor"}}, "evaluator.conj 'xor'"),
        ({"evaluator": None}, "'evaluator' must be a mapping with 'func'"),
        ({"instruction": 3}, "task t: 'instruction' must be a string"),
        ({"x_solutions": []}, "unknown field 'x_solutions'"),
        ({"x_solution": [{"teleport": 1}]}, "x_solution[0] has unknown kind 'teleport'"),
        ({"config": [{"type": "download", "parameters": {"files": [
            {"url": "missing.csv", "path": "a.csv"}]}}]}, "download from 'missing.csv': no such"),
        ({"config": [{"type": "sleep", "parameters": {}}]}, "config sleep: missing or malformed"),
        ({"config": ["sleep"]}, "config has 'sleep', not a step"),
        ({"evaluator": {"func": "exact_match", "result": {"type": "vm_file"}}},
         "evaluator of 'exact_match': a getter is missing or has a malformed field"),
    ],
)  # fmt: skip
def test_a_broken_task_file_fails_with_the_task_and_the_field(tmp_path, fields, message):
    with pytest.raises(TaskError, match=message.replace("[", r"\[").replace("]", r"\]")):
        osworld(tmp_path, **fields)


def test_a_file_that_is_not_json_or_not_a_task(tmp_path):
    (tmp_path / "a.json").write_text("{nope")
    with pytest.raises(TaskError, match="is not valid JSON"):
        load_task(tmp_path / "a.json")
    (tmp_path / "a.json").write_text("[1]")
    with pytest.raises(TaskError, match="expected an OSWorld task with a string 'id'"):
        load_task(tmp_path / "a.json")


def test_suites_mix_yaml_and_json_and_one_json_file_is_a_suite(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\ninstruction: x\nevaluators:\n  - file_exists: "
                                     "{path: a}\n")  # fmt: skip
    osworld(tmp_path)
    assert [task.id for task in load_suite(tmp_path)] == ["a", "t"]
    assert [task.id for task in load_suite(tmp_path / "t.json")] == ["t"]


def test_the_sample_suite_has_solutions_every_metric_and_one_unsupported_task():
    tasks = load_suite(SAMPLE)
    runnable = [task for task in tasks if not task.unsupported]
    assert len(runnable) >= 4 and all(task.solution for task in runnable)
    metrics = {func for task in runnable for func in task.evaluators[0].args["func"]}
    assert metrics == {"exact_match", "check_include_exclude", "diff_text_file", "compare_csv",
                       "compare_table"}  # fmt: skip
    kinds = {step.kind for task in runnable for step in task.setup + task.postconfig}
    assert kinds == {"write_file", "execute", "launch", "open", "sleep"}
    (skipped,) = [task for task in tasks if task.unsupported]
    assert "config type 'googledrive'" in skipped.unsupported
    assert "metric 'compare_docx_files'" in skipped.unsupported


# --- metrics on real files ---------------------------------------------------------------------


@pytest.fixture
def probe(tmp_path: Path) -> Probe:
    work = tmp_path / "work"
    (work / "Desktop").mkdir(parents=True)
    (work / "Desktop" / "notes.txt").write_text("one\ntwo\nthree\nfour\n")
    (work / "t.csv").write_text("name,n\nana,1.00001\nben,2\n")
    (tmp_path / "notes-gold.txt").write_text("one\ntwo\nthree\nfour\n")
    (tmp_path / "notes-near.txt").write_text("one\ntwo\nthree\nFOUR\n")
    (tmp_path / "t-gold.csv").write_text("name,n\nana,1\nben,2.0\n")
    (tmp_path / "t-same.csv").write_text("Name,n\n ana,1.00001\nben,2\n")
    (tmp_path / "t-other.csv").write_text("name,n\nana,1\nben,3\n")
    return Probe(work, "success", None, (), dict(os.environ))


def vm_file(path: str) -> dict[str, Any]:
    return {"type": "vm_file", "path": path}


def rule(**rules: Any) -> dict[str, Any]:
    return {"type": "rule", "rules": rules}


def local(probe: Probe, name: str) -> dict[str, Any]:
    return {"type": "local_file", "path": str(probe.workspace.parent / name)}


def score(probe: Probe, func: str, result: Any, expected: Any, **options: Any) -> float:
    args = {"func": [func], "result": [result], "expected": [expected], "options": [options]}
    value, error = evaluate_one(probe, "osworld", args)
    assert error is None
    return value


def test_exact_match_on_command_output(probe):
    command = {"type": "vm_command_line", "command": ["head", "-n", "1", "{workspace}/t.csv"]}
    assert score(probe, "exact_match", command, rule(expected="name,n\n")) == 1.0
    assert score(probe, "exact_match", command, rule(expected="name,n")) == 0.0


def test_check_include_exclude_on_command_output(probe):
    command = {"type": "vm_command_line", "command": ["cat", "Desktop/notes.txt"]}
    assert score(probe, "check_include_exclude", command, rule(include=["two", "four"],
                 exclude=["five"])) == 1.0  # fmt: skip
    assert score(probe, "check_include_exclude", command, rule(include=["two"],
                 exclude=["four"])) == 0.0  # fmt: skip


def test_diff_text_file_is_a_similarity_ratio_over_lines(probe):
    notes = vm_file("Desktop/notes.txt")
    assert score(probe, "diff_text_file", notes, local(probe, "notes-gold.txt")) == 1.0
    assert score(probe, "diff_text_file", notes, local(probe, "notes-near.txt")) == 0.75
    assert score(probe, "diff_text_file", vm_file("gone.txt"), local(probe, "notes-gold.txt")) == 0


def test_compare_csv_is_line_by_line_with_strict_and_ignore_case(probe):
    result = vm_file("t.csv")
    (probe.workspace / "copy.csv").write_text((probe.workspace / "t.csv").read_text())
    assert score(probe, "compare_csv", result, {"type": "local_file",
                 "path": str(probe.workspace / "copy.csv")}) == 1.0  # fmt: skip
    assert score(probe, "compare_csv", result, local(probe, "t-same.csv")) == 0.0
    assert score(probe, "compare_csv", result, local(probe, "t-same.csv"), strict=False,
                 ignore_case=True) == 1.0  # fmt: skip


def test_compare_table_compares_csv_rows_of_cells(probe):
    result, gold, other = vm_file("t.csv"), local(probe, "t-gold.csv"), local(probe, "t-other.csv")
    assert score(probe, "compare_table", result, gold) == 1.0  # numbers to 4 digits
    assert score(probe, "compare_table", result, other) == 0.0
    exact = [{"type": "sheet_data", "sheet_idx0": "RI0", "sheet_idx1": "EI0", "precision": 6}]
    assert score(probe, "compare_table", result, gold, rules=exact) == 0.0
    printed = [{"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0", "ignore_case": True}]
    assert score(probe, "compare_table", vm_file("t.csv"), {"type": "local_file", "path": str(
        probe.workspace / "t.csv")}, rules=printed) == 1.0  # fmt: skip
    assert score(probe, "compare_table", vm_file("missing.csv"), gold) == 0.0


def test_several_metrics_combine_as_in_osworld(probe):
    notes, near = vm_file("Desktop/notes.txt"), local(probe, "notes-near.txt")
    good = {"type": "vm_command_line", "command": ["echo", "x"]}
    args = {"func": ["diff_text_file", "exact_match"], "result": [notes, good],
            "expected": [near, rule(expected="x\n")], "options": [{}, {}]}  # fmt: skip
    assert evaluate_one(probe, "osworld", args | {"conj": "and"}) == (0.875, None)  # the mean
    assert evaluate_one(probe, "osworld", args | {"conj": "or"}) == (1.0, None)
    failing = args | {"expected": [near, rule(expected="y\n")]}
    assert evaluate_one(probe, "osworld", failing | {"conj": "and"}) == (0.0, None)
    assert evaluate_one(probe, "osworld", failing | {"conj": "or"}) == (0.75, None)  # the best


# --- opening files, skipped tasks in the bench ------------------------------------------------


def test_the_open_table(tmp_path):
    profile = tmp_path / "profile"
    assert open_argv(tmp_path, profile) == ["pcmanfm", str(tmp_path)]
    assert open_argv(tmp_path / "a.TXT", profile) == ["mousepad", str(tmp_path / "a.TXT")]
    assert open_argv(tmp_path / "a.csv", profile) == ["gnumeric", str(tmp_path / "a.csv")]
    page = open_argv(tmp_path / "p.html", profile)
    assert page[0] == "chromium" and page[-2:] == [f"--user-data-dir={profile}",
                                                    (tmp_path / "p.html").as_uri()]  # fmt: skip
    with pytest.raises(ValueError, match=r"no app here opens 'a\.docx'"):
        open_argv(tmp_path / "a.docx", profile)
    assert can_open("Documents") and can_open("x.py") and not can_open("x.pptx")


def test_a_page_and_a_folder_open_in_their_apps(desktop, apps, tmp_path):
    (tmp_path / "page.html").write_text("<!doctype html><title>Sample page</title><p>hi</p>")
    (tmp_path / "folder-to-open").mkdir()
    apps(open_argv(tmp_path / "page.html", tmp_path / "profile"))
    assert "Sample page" in desktop.wait_for_window("Sample page", 30).title
    apps(open_argv(tmp_path / "folder-to-open", tmp_path / "profile"))
    desktop.wait_for_window("folder-to-open", 30)


def test_the_table_marks_skipped_tasks_and_leaves_them_out_of_the_rates():
    ran = {"id": "a", "app": "xterm", "score": 1.0, "steps": 2, "seconds": 1.0, "tokens": 5}
    skipped = {"id": "b", "app": "writer", "score": None, "steps": 0, "seconds": 0.0, "tokens": 0}
    text = table([ran, skipped])
    assert re.search(r"^b +writer +skip +- +0 ", text, re.MULTILINE)
    assert "success rate: 1/1 (100%), 1 skipped" in text and "writer:" not in text


def test_the_worker_reports_an_unsupported_task_as_skipped(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tasks.worker", str(SAMPLE / "unsupported-docx-review.json"),
         "--out", str(tmp_path), "--oracle"], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    record = json.loads(done.stdout.splitlines()[-1])
    assert (record["status"], record["score"]) == ("skipped", None)
    assert record["reason"].startswith("unsupported config type 'googledrive'")


def test_the_sample_suite_under_the_oracle(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli", "bench", str(SAMPLE), "--oracle", "--workers", "2",
         "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    records = {r["id"]: r for r in load_records(tmp_path / "results.json")}
    skipped = records.pop("osworld-unsupported-docx-review")
    assert (skipped["status"], skipped["score"]) == ("skipped", None)
    assert len(records) == 5 and all(r["score"] == 1.0 for r in records.values()), records
    assert "SKIP osworld-unsupported-docx-review: skipped: unsupported config type " in done.stdout
    assert "metric 'compare_docx_files'" in done.stdout
    assert "success rate: 5/5 (100%), 1 skipped" in done.stdout
