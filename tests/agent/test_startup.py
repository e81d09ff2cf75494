"""What `agent` loads at start-up, and a working directory that holds modules of our names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tasks.results import load_records

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = ("environments.android.virtual_phone", "agent.scripted")
DUMP = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: open(sys.argv[1], 'w').write(json.dumps(sorted(sys.modules))))\n"
    "from agent.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def _modules(tmp_path: Path, *args: str) -> list[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    env.pop("DISPLAY", None)
    subprocess.run(
        [sys.executable, "-P", "-c", DUMP, str(out), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(out.read_text())


def _ours(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in ("agent", "environments", "tools", "tasks")]


def test_agent_help_loads_no_stand_in_and_few_of_our_modules(tmp_path):
    modules = _modules(tmp_path, "--help")
    ours = _ours(modules)
    print(f"agent --help imports {len(modules)} modules, {len(ours)} of ours: {ours}")
    assert not [m for m in ours if m.startswith(STAND_INS)]
    assert len(ours) <= 8, ours


def test_agent_run_loads_no_stand_in(tmp_path):
    modules = _modules(tmp_path, "run", "x", "--model-url", "http://127.0.0.1:9/v1")
    ours = _ours(modules)
    print(f"agent run imports {len(modules)} modules, {len(ours)} of ours")
    assert not [m for m in ours if m.startswith(STAND_INS)]
    assert "mcp" not in modules and "environments.android" not in modules


def test_bench_workers_and_mcp_servers_ignore_modules_in_the_working_directory(tmp_path):
    for name in ("tasks", "agent", "tools"):
        (tmp_path / f"{name}.py").write_text("raise SystemExit('the wrong module was imported')\n")
    suite = ROOT / "tasks" / "suites" / "desktop" / "csv-total-with-mcp.yaml"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "agent.cli",
            "bench",
            str(suite),
            "--oracle",
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = load_records(tmp_path / "out" / "results.json")
    assert record["score"] == 1.0, record
