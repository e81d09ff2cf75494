"""agent.toml: defaults for every `agent run` flag, flags win, `agent config show` says where."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.scripted import ScriptedModelServer
from tests.agent.test_cli import run_dir_of, use

ROOT = Path(__file__).resolve().parents[2]


def agent(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY", "XDG_CONFIG_HOME")
    }
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-secret")
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_show_merges_user_and_project_files_and_names_each_source(tmp_path):
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".config" / "agent").mkdir(parents=True)
    project.mkdir()
    user_file = home / ".config" / "agent" / "agent.toml"
    user_file.write_text('max-steps = 40\nmodel-url = "http://gpu:8000/v1"\n')
    (project / "agent.toml").write_text('max-steps = 12\nscreen = "1920x1080"\nthinking = false\n')
    result = agent(project, home, "config", "show")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert rows["max-steps"].split()[1] == "12" and str(project / "agent.toml") in rows["max-steps"]
    assert "http://gpu:8000/v1" in rows["model-url"] and str(user_file) in rows["model-url"]
    assert "1920x1080" in rows["screen"]
    assert "False" in rows["thinking"]
    assert rows["max-tokens"].endswith("(default)")  # no model known: the preset is unknown
    assert "sk-secret" not in result.stdout and "****" in rows["api-key"]


def test_show_prints_the_models_preset_and_the_source_of_each_value(tmp_path):
    (tmp_path / "agent.toml").write_text('temperature = 0.3\nmodel = "Qwen/Qwen3.5-27B"\n')
    result = agent(tmp_path, tmp_path, "config", "show", "--max-tokens", "4096")
    assert result.returncode == 0, result.stderr
    preset = result.stdout.split("family: qwen, preset qwen3.5-27b; its values:")[1]
    rows = {line.split()[0]: line for line in preset.splitlines() if line.strip()}
    assert "32768" not in rows["max-tokens"] and rows["max-tokens"].endswith("(command line)")
    assert rows["temperature"].split()[1] == "0.3"
    assert rows["temperature"].endswith(f"({tmp_path / 'agent.toml'})")
    assert rows["top-p"].split()[1] == "0.95" and "(preset qwen3.5-27b" in rows["top-p"]
    assert rows["tool-parser"].split()[1] == "qwen3_coder"


def test_a_model_without_a_preset_is_named_with_the_preset_used():
    result = agent(ROOT, ROOT, "config", "show", "--model", "acme/vision-9000")
    assert result.returncode == 0, result.stderr
    assert "no preset matches the model 'acme/vision-9000'" in result.stdout
    assert "(preset qwen3-vl-instruct)" in result.stdout


def test_flags_override_the_file(tmp_path):
    script = [use(action="wait", time=0)] * 3
    with ScriptedModelServer(script) as server:
        (tmp_path / "agent.toml").write_text(
            f'model-url = "{server.url}"\nmax-steps = 1\nout = "records"\n'
        )
        from_file = agent(tmp_path, tmp_path, "run", "wait")
        from_flag = agent(tmp_path, tmp_path, "run", "wait", "--max-steps", "2")
    for result, steps in ((from_file, 1), (from_flag, 2)):
        run_dir = run_dir_of(result.stderr)
        assert run_dir.parent.name == "records"
        saved = json.loads((tmp_path / run_dir / "result.json").read_text())
        assert (saved["status"], saved["steps"]) == ("max_steps", steps)


def test_unknown_settings_and_bad_values_are_named(tmp_path):
    (tmp_path / "agent.toml").write_text("max-stepz = 3\n")
    result = agent(tmp_path, tmp_path, "config", "show")
    assert result.returncode == 2
    assert "unknown setting 'max-stepz'" in result.stderr and "max-steps" in result.stderr
    (tmp_path / "agent.toml").write_text('screen = "huge"\n')
    result = agent(tmp_path, tmp_path, "config", "show")
    assert result.returncode == 2
    assert "screen = 'huge'" in result.stderr and "WIDTHxHEIGHT" in result.stderr
