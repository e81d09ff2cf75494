"""`agent bench` and its results file: a missing model server stops the suite before any task,
results of other settings are never mixed or overwritten, --task / -k select, Ctrl-C counts
what never ran, --rollouts scores pass@1 and pass@K, and Ray stays unimported without --ray."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tasks" / "suites" / "desktop"
QUICK = ("infeasible-send-email", "infeasible-print-document")


def agent(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def runs_under(ancestor: int, argv: list[str]) -> bool:
    """Whether a process with exactly `argv` runs somewhere below process `ancestor`."""
    parents, found = {}, []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")[:-1]
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if [part.decode() for part in cmdline] == argv:
            found.append(int(entry.name))
    for pid in found:
        while pid in parents and pid > 1:
            pid = parents[pid]
            if pid == ancestor:
                return True
    return False


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def quick_suite(folder: Path, *extra: tuple[str, str]) -> Path:
    folder.mkdir()
    for name in QUICK:
        (folder / f"{name}.yaml").write_text((SUITE / f"{name}.yaml").read_text())
    for name, text in extra:
        (folder / f"{name}.yaml").write_text(text)
    return folder


def test_without_a_model_server_the_suite_stops_before_any_task_with_the_run_message(tmp_path):
    url = closed_port_url()
    bench = agent("bench", str(SUITE), "--model-url", url, "--out", str(tmp_path / "out"))
    run = agent("run", "write a haiku", "--model-url", url, "--out", str(tmp_path / "runs"))
    assert bench.returncode == 1 and run.returncode == 1
    message = run.stderr.strip().splitlines()[-1]
    assert message.startswith(f"agent: no model server at {url}")
    assert bench.stderr.strip().splitlines()[-1] == message
    assert "[1/" not in bench.stdout  # no task was started
    assert not (tmp_path / "out" / "results.json").exists()


def test_results_of_other_settings_are_never_mixed_or_overwritten(tmp_path):
    suite, out = quick_suite(tmp_path / "suite"), tmp_path / "out"
    assert agent("bench", str(suite), "--oracle", "--out", str(out)).returncode == 0
    before = (out / "results.json").read_text()
    header = json.loads(before)["header"]
    assert header["oracle"] is True and header["family"].startswith("qwen (preset ")
    settings = header["settings"]
    assert (settings["rollouts"], settings["task_timeout"]) == (1, 900.0) and header["date"]
    assert settings["agent"]["family"]["family"] is None  # the family comes from the model id

    again = agent("bench", str(suite), "--oracle", "--out", str(out))
    assert again.returncode == 1
    assert "already holds 2 results of the oracle" in again.stderr
    assert "pass --resume to continue them, or choose another --out" in again.stderr

    other = agent("bench", str(suite), "--oracle", "--rollouts", "2", "--resume", "--out", str(out))
    assert other.returncode == 1
    assert f"cannot resume into {out / 'results.json'}" in other.stderr
    assert "rollouts" in other.stderr

    turn = ScriptedTurn(
        calls=(ScriptedCall("computer_use", {"action": "terminate", "status": "failure"}),)
    )
    with ScriptedModelServer(lambda body: turn) as server:
        model = agent("bench", str(suite), "--model-url", server.url, "--resume", "--out", str(out))
    assert model.returncode == 1
    assert "it holds results of the oracle" in model.stderr
    assert "Qwen/Qwen3-VL-8B-Instruct" in model.stderr
    assert (out / "results.json").read_text() == before  # nothing lost, nothing mixed in


def test_a_model_run_records_the_served_model_in_its_header(tmp_path):
    suite, out = quick_suite(tmp_path / "suite"), tmp_path / "out"
    turn = ScriptedTurn(
        calls=(ScriptedCall("computer_use", {"action": "terminate", "status": "failure"}),)
    )
    with ScriptedModelServer(lambda body: turn) as server:
        result = agent("bench", str(suite), "--model-url", server.url, "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    saved = json.loads((out / "results.json").read_text())
    assert saved["header"]["oracle"] is False
    assert saved["header"]["model"] == "Qwen/Qwen3-VL-8B-Instruct"
    assert saved["header"]["model_url"] == server.url
    assert {r["id"] for r in saved["results"]} == set(QUICK)


def test_task_and_k_select_tasks_and_a_wrong_selection_names_the_tasks(tmp_path):
    one = agent(
        "bench",
        str(SUITE),
        "--oracle",
        "--task",
        "infeasible-send-email",
        "--out",
        str(tmp_path / "one"),
    )
    assert one.returncode == 0, one.stderr
    assert [r["id"] for r in load_records(tmp_path / "one" / "results.json")] == [QUICK[0]]
    some = agent(
        "bench", str(SUITE), "--oracle", "-k", "infeasible-*-email", "--out", str(tmp_path / "some")
    )
    assert some.returncode == 0, some.stderr
    assert [r["id"] for r in load_records(tmp_path / "some" / "results.json")] == [QUICK[0]]
    wrong = agent(
        "bench",
        str(SUITE),
        "--oracle",
        "--task",
        "infeasible-send-mail",
        "--out",
        str(tmp_path / "w"),
    )
    assert wrong.returncode == 1
    assert "no task 'infeasible-send-mail' among the" in wrong.stderr
    assert "did you mean infeasible-send-email or" in wrong.stderr
    none = agent("bench", str(SUITE), "--oracle", "-k", "zzz", "--out", str(tmp_path / "n"))
    assert "-k 'zzz' matches none of the" in none.stderr


def test_ctrl_c_keeps_what_finished_counts_the_rest_as_failed_and_exits_non_zero(tmp_path):
    slow = (SUITE / "infeasible-send-email.yaml").read_text()
    slow = slow.replace("id: infeasible-send-email", "id: infeasible-r-slow")
    slow = slow.replace("setup:\n", "setup:\n  - run: 'sleep 4'\n", 1)
    assert "sleep 4" in slow
    suite = quick_suite(tmp_path / "suite", ("infeasible-r-slow", slow))
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "agent.cli", "bench", str(suite), "--oracle", "--out", str(out)]
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[1/3]"):
            break
    # Ctrl-C once the slow task is under way (its setup's sleep runs), not between two tasks.
    deadline = time.monotonic() + 60
    while not runs_under(process.pid, ["sleep", "4"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=120)
    output = "".join(seen) + rest
    assert process.returncode == 130, output + errors
    assert "stopping: waiting for 1 running task(s); 1 not started" in output
    assert "success rate: 2/3 (67%), mean score 0.67; 1 not run (counted as failed)" in output
    assert "(100%)" not in output
    # --resume runs only the task that never ran.
    again = agent("bench", str(suite), "--oracle", "--out", str(out), "--resume")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming: 2 of 3 tasks already finished" in again.stdout
    assert "[3/3] PASS" in again.stdout and "success rate: 3/3 (100%)" in again.stdout


def test_rollouts_score_pass_at_1_and_pass_at_k_per_task_and_overall(tmp_path):
    wrong = (
        (SUITE / "infeasible-send-email.yaml")
        .read_text()
        .replace("id: infeasible-send-email", "id: wrong")
    )
    wrong = wrong.replace("terminate: failure", "terminate: success")
    assert "terminate: success" in wrong
    suite = quick_suite(tmp_path / "suite", ("wrong", wrong))
    out = tmp_path / "out"
    result = agent("bench", str(suite), "--oracle", "--rollouts", "2", "--out", str(out))
    assert result.returncode == 1
    records = load_records(out / "results.json")
    assert sorted((r["id"], r["rollout"]) for r in records) == sorted(
        (task, rollout) for task in (*QUICK, "wrong") for rollout in (1, 2)
    )
    assert (out / "rollout-2" / "wrong" / "run" / "trajectory.jsonl").exists()
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
    assert rows["wrong"][2:] == ["0/2", "0.00", "0.00"]
    assert rows["infeasible-send-email"][2:] == ["2/2", "1.00", "1.00"]
    assert "success rate: pass@1 0.67, pass@2 0.67 over 3 tasks" in result.stdout


def test_nothing_of_ray_is_imported_without_the_flag(tmp_path):
    code = (
        "import sys; from agent.cli import main; "
        f"rc = main(['bench', {str(SUITE)!r}, '--oracle', '--task', 'infeasible-send-email', "
        f"'--out', {str(tmp_path)!r}]); "
        "print('RESULT', rc, sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))"
    )
    done = subprocess.run(
        [sys.executable, "-P", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert "RESULT 0 []" in done.stdout, done.stdout + done.stderr


def test_a_model_server_that_goes_away_mid_suite_stops_it_with_the_run_message(tmp_path):
    suite = quick_suite(
        tmp_path / "suite",
        (
            "z-third",
            (SUITE / f"{QUICK[0]}.yaml").read_text().replace(f"id: {QUICK[0]}", "id: z-third"),
        ),
    )
    out = tmp_path / "out"
    drops = {index: "drop" for index in range(20)}  # every chat request: no answer at all
    with ScriptedModelServer(lambda body: None, faults=drops) as server:  # type: ignore[arg-type]
        result = agent("bench", str(suite), "--model-url", server.url, "--out", str(out))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"agent: no model server at {server.url} (no answer after")
    assert "[1/3] FAIL infeasible-print-document (error" in result.stdout
    assert "[2/3]" not in result.stdout  # nothing more was started
    assert "success rate: 0/3 (0%), mean score 0.00; 2 not run (counted as failed)" in result.stdout
