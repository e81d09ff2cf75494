"""A run whose --out disk fills up ends with a clear reason and a complete, valid record, and
continues with --resume once space is freed; result.json then counts the whole run's tokens.
The disk is a real 3 MiB tmpfs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from agent.scripted import ScriptedModelServer
from tests.agent.test_cli import agent, run_dir_of, use


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _steps(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


def test_a_full_disk_ends_the_run_cleanly_and_resume_finishes_it(small_disk):
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (1_500 * 1024))  # leaves about 1.5 MiB, 1 MiB of it reserved
    moves = [use(action="mouse_move", coordinate=[100 + 10 * n, 500]) for n in range(40)]
    with ScriptedModelServer(moves) as server:
        process = agent(
            "run",
            "fill the disk",
            "--model-url",
            server.url,
            "--out",
            str(small_disk / "runs"),
            "--max-steps",
            "40",
        )
        _, err = process.communicate(timeout=180)
    assert process.returncode != 0, err
    run_dir = run_dir_of(err)
    assert "is full (No space left on device)" in err and "Traceback" not in err
    assert f"continue with: agent run --resume {run_dir}" in err
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "error" and "is full" in result["reason"]
    steps = _steps(run_dir)
    assert 0 < len(steps) < 40
    for step in steps:  # every recorded screenshot is whole
        Image.open(run_dir / step["screenshot"]).load()
    assert not list(run_dir.glob("*.tmp"))

    filler.unlink()
    done = len(steps)
    rest = [use(action="mouse_move", coordinate=[300, 300]), use(action="answer", text="ok")]
    with ScriptedModelServer(rest) as server:
        process = agent("run", "--resume", str(run_dir), "--model-url", server.url)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.strip() == "ok"
    steps = _steps(run_dir)
    assert [s["step"] for s in steps] == list(range(1, done + 3))
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "success" and result["steps"] == done + 2
    prompt = sum(s["usage"]["prompt_tokens"] for s in steps)
    assert result["usage"]["prompt_tokens"] == prompt > 0
    assert not (run_dir / ".reserve").exists()
