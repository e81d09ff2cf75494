"""The README's commands and examples are the ones that work."""

import re
import subprocess
import sys
from pathlib import Path

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    command = "./scripts/setup.sh && .venv/bin/python -m pytest"
    assert f"    {command}\n" in README
    assert command in (ROOT / ".ci" / "run").read_text()


def test_the_library_example_runs_against_an_openai_compatible_server(tmp_path):
    code = re.search(r"```python\n(.*?)```", README, re.DOTALL).group(1)
    answer = ScriptedTurn(
        calls=(ScriptedCall("computer_use", {"action": "answer", "text": "typed"}),)
    )
    with ScriptedModelServer([answer]) as server:
        code = code.replace("http://localhost:8000/v1", server.url)
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
    assert result.returncode == 0, result.stderr
    status, answer_text, run_dir = result.stdout.split()
    assert (status, answer_text) == ("success", "typed")
    assert (Path(tmp_path) / run_dir / "result.json").exists()


def test_every_documented_run_flag_exists():
    from agent.cli import parser

    run = parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    known = {opt for action in run._actions for opt in action.option_strings}
    documented = set(re.findall(r"^\| `(--[a-z-]+)", README, re.MULTILINE))
    assert documented <= known | {"--thinking"}, documented - known


def _block_after(marker: str) -> list[str]:
    """The indented lines of the first code block after a README sentence."""
    tail = README[README.index(marker) + len(marker) :].splitlines()
    lines: list[str] = []
    for line in tail[1:]:
        if line.startswith("    "):
            lines.append(line[4:])
        elif lines:
            break
    return lines


def test_the_csv_example_runs_as_typed_and_prints_what_the_readme_shows(tmp_path):
    import os
    import socket

    commands = _block_after("the design's example works as typed:")
    shown = _block_after("on stderr what the model may touch:")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    folder = tmp_path / "sales"
    folder.mkdir()
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("DISPLAY", None)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    printf, serve, run = (c.replace("8000", port) for c in commands)
    subprocess.run(printf, shell=True, cwd=folder, check=True)
    server = subprocess.Popen(
        serve.removesuffix(" &").replace("python ", f"{sys.executable} -P ", 1).split(),
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None and server.stdout.readline()
        result = subprocess.run(
            run.replace("agent ", f"{sys.executable} -P -m agent.cli ", 1) + " --out ../runs",
            shell=True, cwd=folder, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shown[-1]
    for line in shown[:-1]:
        expected = line.replace("/home/me/sales", str(folder)).removesuffix(" ...")
        assert expected in result.stderr, line
