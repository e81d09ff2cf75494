"""The no-GPU path: the shipped example scripts served by `python -m agent.scripted`, run by
`agent run` on a fresh desktop, with `agent doctor` asked first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.agent.test_first_hour import agent

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def stand_in(script: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", "agent.scripted", "--script", script, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_desktop_haiku_example_runs_as_it_is_after_the_doctor(tmp_path):
    with stand_in("desktop-haiku") as url:
        doctor = subprocess.run(
            [sys.executable, "-m", "agent.cli", "doctor", "--model-url", url],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert "PASS  model server" in doctor.stdout
        process = agent(
            "run", "open the text editor and write a haiku", "--model-url", url,
            "--out", str(tmp_path / "runs"), cwd=tmp_path, home=tmp_path,
        )  # fmt: skip
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.strip() == "wrote a haiku in the text editor"
    run_dir = Path(next(x for x in err.splitlines() if x.startswith("run record: "))[12:])
    steps = [json.loads(x) for x in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert steps[-1]["observation"]["focused"] == "*Untitled 1 - Mousepad"  # typed into


def test_the_csv_summary_example_runs_in_a_folder_of_csvs(tmp_path):
    (tmp_path / "sales.csv").write_text("month,amount\njan,10\nfeb,30\n")
    with stand_in("csv-summary") as url:
        process = agent(
            "run", "summarize CSVs in workspace", "--model-url", url,
            "--out", str(tmp_path / "runs"), cwd=tmp_path / ".", home=tmp_path / "home",
        )  # fmt: skip
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.strip() == "sales.csv: 2 rows (month, amount); amount from 10 to 30, mean 20.0"
    run_dir = Path(next(x for x in err.splitlines() if x.startswith("run record: "))[12:])
    steps = [json.loads(x) for x in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    profile = json.loads(steps[1]["actions"][0]["result"])
    assert (profile["rows"], profile["columns"][1]["mean"]) == (2, 20.0)


def test_a_missing_or_malformed_script_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"reasoning": "x", "calls": [{"arguments": {}}]}]')
    for script, said in (
        (str(tmp_path / "none.json"), "no script"),
        (str(bad), 'turn 1: "calls" is a list of'),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "agent.scripted", "--script", script],
            capture_output=True, text=True, timeout=30, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and said in result.stderr
        assert "Traceback" not in result.stderr


def test_the_turn_format_is_in_the_help():
    result = subprocess.run(
        [sys.executable, "-m", "agent.scripted", "--help"],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )  # fmt: skip
    assert "A script is a JSON list of turns" in result.stdout
    assert "desktop-haiku" in result.stdout and "phone-contact" in result.stdout


def test_the_phone_contact_example_runs_on_the_virtual_phone(tmp_path, adb_server, virtual_phone):
    with stand_in("phone-contact") as url:
        process = agent(
            "run", "open the contacts", "--env", "android", "--device", virtual_phone.address,
            "--adb-port", str(adb_server.port), "--model-url", url,
            "--out", str(tmp_path / "runs"), cwd=tmp_path, home=tmp_path,
        )  # fmt: skip
        _, err = process.communicate(timeout=150)
    assert process.returncode == 0, err
    run_dir = Path(next(x for x in err.splitlines() if x.startswith("run record: "))[12:])
    steps = [json.loads(x) for x in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert steps[0]["observation"]["focused"] == "com.android.launcher3"
    assert steps[-1]["observation"]["focused"] == "com.android.contacts"
