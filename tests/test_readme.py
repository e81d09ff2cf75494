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
