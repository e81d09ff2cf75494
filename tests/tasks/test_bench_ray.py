"""`agent bench --ray` on a real Ray cluster started here: a head and one worker node, two
`ray start` processes with their own temporary folders and a few `desktop` resources each."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.ray_local import LocalCluster
from tasks.results import load_records

# Ray clusters on one machine share fixed agent ports: one at a time.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300), pytest.mark.xdist_group("ray")]
ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tasks" / "suites" / "desktop"
SMALL = (
    "csv-total-with-mcp",
    "infeasible-print-document",
    "infeasible-send-email",
    "mousepad-append-line",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    with LocalCluster(tmp_path_factory.mktemp("cluster")) as local:
        local.start_head({"desktop": 1})
        local.add_worker({"desktop": 2})  # two workers on one node: nothing may collide
        yield local


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


def small_suite(folder: Path) -> Path:
    folder.mkdir()
    for name in SMALL:
        (folder / f"{name}.yaml").write_text((SUITE / f"{name}.yaml").read_text())
    return folder


def outcome(records: list[dict]) -> dict[str, tuple]:
    return {r["id"]: (r["score"], r["status"], r["steps"], r["reason"]) for r in records}


def test_the_oracle_on_ray_gives_the_results_of_a_local_run_and_resumes_across_nodes(
    cluster, tmp_path
):
    suite = small_suite(tmp_path / "suite")
    local = bench(str(suite), "--oracle", "--workers", "2", "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stdout + local.stderr
    out = tmp_path / "ray"
    first = bench(
        str(suite),
        "--oracle",
        "--ray",
        cluster.address,
        "--out",
        str(out),
        "--task",
        SMALL[0],
        "--task",
        SMALL[3],
    )
    assert first.returncode == 0, first.stdout + first.stderr
    rest = bench(str(suite), "--oracle", "--ray", cluster.address, "--out", str(out), "--resume")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert "resuming: 2 of 4 tasks already finished" in rest.stdout
    assert "[3/4] PASS" in rest.stdout and "[4/4] PASS" in rest.stdout
    assert "success rate: 4/4 (100%)" in rest.stdout

    records = load_records(out / "results.json")
    assert outcome(records) == outcome(load_records(tmp_path / "local" / "results.json"))
    for record in records:
        assert record["node"].count("/") == 1 and record["attempts"] == 1, record
        run_dir = Path(record["run_dir"])
        assert run_dir.is_relative_to(out) and (run_dir / "trajectory.jsonl").exists()
        assert f" on {record['node']}" in first.stdout + rest.stdout
    # The MCP task's end state came back with its trajectory.
    assert (out / "csv-total-with-mcp" / "workspace").is_dir()
    assert not (out / "csv-total-with-mcp" / "home").exists()  # app profiles stay on the node


def test_with_shared_out_nodes_write_the_trajectories_to_the_shared_folder(cluster, tmp_path):
    suite = small_suite(tmp_path / "suite")
    out = tmp_path / "shared"
    result = bench(
        str(suite),
        "--oracle",
        "--ray",
        cluster.address,
        "--shared-out",
        "--task",
        "infeasible-send-email",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (record,) = load_records(out / "results.json")
    assert record["run_dir"] == str(out / "infeasible-send-email" / "run")
    assert (out / "infeasible-send-email" / "home").is_dir()  # written there, not shipped


def test_a_task_hanging_on_a_node_is_stopped_and_scored_zero_with_the_reason(cluster, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "hang.yaml").write_text(
        "id: hang\ninstruction: x\nsetup:\n  - run: 'sleep 60'\n"
        "evaluators:\n  - terminated: {status: failure}\n"
    )
    out = tmp_path / "out"
    result = bench(
        str(suite), "--oracle", "--ray", cluster.address, "--task-timeout", "5", "--out", str(out)
    )
    assert result.returncode == 1
    (record,) = load_records(out / "results.json")
    assert (record["score"], record["status"]) == (0.0, "timeout")
    assert record["reason"] == "timed out after 5 s" and record["node"]
    assert "[1/1] FAIL hang (timeout, 0 steps" in result.stdout


def test_a_worker_node_killed_mid_task_leaves_every_task_finished_exactly_once(cluster, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    template = (SUITE / "infeasible-send-email.yaml").read_text()
    ids = [f"slow-{n}" for n in range(3)]
    for task_id in ids:
        text = template.replace("id: infeasible-send-email", f"id: {task_id}")
        (suite / f"{task_id}.yaml").write_text(
            text.replace("setup:\n", "setup:\n  - run: 'sleep 6'\n")
        )
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "agent.cli",
        "bench",
        str(suite),
        "--oracle",
        "--ray",
        cluster.address,
        "--out",
        str(out),
    ]
    driver = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    worker = cluster.nodes[-1]
    runs = worker.tmp / "qwen-operator-ray" / "runs"
    deadline = time.monotonic() + 90
    while not (runs.is_dir() and any(runs.iterdir())):
        assert driver.poll() is None and time.monotonic() < deadline, driver.communicate()
        time.sleep(0.2)
    cluster.kill(worker)
    stdout, stderr = driver.communicate(timeout=180)
    assert driver.returncode == 0, stdout + stderr
    records = load_records(out / "results.json")
    assert sorted(r["id"] for r in records) == ids  # each once
    assert all(r["score"] == 1.0 for r in records)
    retried = [r for r in records if r["retried"]]
    assert retried and all(r["attempts"] == 2 and "Error: " in r["retried"][0] for r in retried)
    assert all((Path(r["run_dir"]) / "trajectory.jsonl").exists() for r in records)
    assert [line[:5] for line in stdout.splitlines() if line.startswith("[")] == [
        "[1/3]",
        "[2/3]",
        "[3/3]",
    ]
    assert "lost its node" in stdout and "success rate: 3/3 (100%)" in stdout
