"""Task files with each kind of error fail with the task id, the field and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.spec import TaskError, load_suite, load_task

GOOD = """id: t1
instruction: do it
evaluators:
  - file_exists: {path: a.txt}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "task.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + "colour: red\n", "task t1: unknown field 'colour'"),
        (
            GOOD.replace("file_exists", "file_exsts"),
            "task t1: evaluators[0] has unknown kind 'file_exsts'",
        ),
        (GOOD + "setup:\n  - teleport: x\n", "task t1: setup[0] has unknown kind 'teleport'"),
        (
            GOOD + "setup:\n  - write_file: {path: a, from: missing.txt}\n",
            "from 'missing.txt': no such file",
        ),
        ("id: t2\ninstruction: x\n", "task t2: 'evaluators' needs at least one evaluator"),
        ("id: t3\nevaluators: []\n", "task t3: 'instruction' must be a string"),
        ("- just a list\n", "expected a mapping with a string 'id'"),
        (
            GOOD + "environment: {type: phone}\n",
            "environment.type 'phone': expected desktop or android",
        ),
        (
            GOOD + "environment: {type: android}\nsetup: [{launch: [xterm]}]\n",
            "setup[0] has unknown kind 'launch'; expected one of adb_shell, open_app, push",
        ),
        (
            GOOD + "environment: {type: android}\nsolution: [{click_window: {title: x}}]\n",
            "solution[0] has unknown kind 'click_window'; expected one of answer, key, long_press",
        ),
        (
            GOOD
            + "environment: {type: android}\nsetup: [{push: {path: /sdcard/x, from: nope.txt}}]\n",
            "setup push from 'nope.txt': no such file next to",
        ),
        ("id: [unclosed\n", "is not valid YAML"),
    ],
)
def test_each_error_names_the_task_and_the_field(tmp_path, text, message):
    with pytest.raises(TaskError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_task(write(tmp_path, text))


def test_parameters_fill_the_task_and_run_time_placeholders_stay(tmp_path):
    task = load_task(write(tmp_path, GOOD + "params: {name: Zoë}\nsetup:\n"
                           "  - launch: [app, '{workspace}/{name}.txt']\n"))  # fmt: skip
    assert task.setup[0].args == {"value": ["app", "{workspace}/Zoë.txt"]}


def test_missing_files_and_duplicate_ids(tmp_path):
    with pytest.raises(TaskError, match="does not exist"):
        load_task(tmp_path / "nope.yaml")
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(TaskError, match="task t1: the id is used twice"):
        load_suite(tmp_path)


def test_the_shipped_suite_loads():
    tasks = load_suite(Path(__file__).resolve().parents[2] / "tasks" / "suites" / "desktop")
    assert len(tasks) >= 5 and all(task.solution for task in tasks)


def test_the_shipped_tasks_follow_the_json_schema():
    import json

    import jsonschema
    import yaml

    root = Path(__file__).resolve().parents[2] / "tasks"
    schema = json.loads((root / "task.schema.json").read_text())
    for path in sorted((root / "suites" / "desktop").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
