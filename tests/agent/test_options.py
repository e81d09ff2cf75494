"""Every `agent run` option that makes sense for a suite reaches `agent bench`'s workers; the
others say why they do not."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agent import options
from agent.cli import parser
from agent.settings import Settings
from tasks.attempt import WorkerOptions, worker_argv
from tasks.spec import load_task
from tasks.worker import main as worker_main

ROOT = Path(__file__).resolve().parents[2]
TASK = ROOT / "tasks" / "suites" / "desktop" / "terminal-read-result.yaml"
# A value for each option, different from its default.
VALUES: dict[str, tuple[list[str], object]] = {
    "model_url": (["--model-url", "http://gpu:9000/v1"], "http://gpu:9000/v1"),
    "model": (["--model", "Qwen/Qwen3.5-9B"], "Qwen/Qwen3.5-9B"),
    "api_key": (["--api-key", "sk-1"], "sk-1"),
    "grounding_url": (["--grounding-url", "http://gpu2:8000/v1"], "http://gpu2:8000/v1"),
    "grounding_model": (["--grounding-model", "ground"], "ground"),
    "request_timeout": (["--request-timeout", "12.5"], 12.5),
    "stall_timeout": (["--stall-timeout", "7.5"], 7.5),
    "check_images": (["--no-check-images"], False),
    "stream": (["--stream"], True),
    "family": (["--family", "qwen"], "qwen"),
    "preset": (["--preset", "qwen3.5-9b"], "qwen3.5-9b"),
    "thinking": (["--no-thinking"], False),
    "sampling": (["--sampling", "precise"], "precise"),
    "temperature": (["--temperature", "0.3"], 0.3),
    "top_p": (["--top-p", "0.5"], 0.5),
    "top_k": (["--top-k", "7"], 7),
    "presence_penalty": (["--presence-penalty", "0.2"], 0.2),
    "max_tokens": (["--max-tokens", "999"], 999),
    "grid": (["--grid", "absolute"], "absolute"),
    "divisor": (["--divisor", "999"], 999),
    "max_pixels": (["--max-pixels", "1000000"], 1000000),
    "history_images": (["--history-images", "2"], 2),
    "response_format": (["--response-format", "tool_call"], "tool_call"),
    "family_option": (
        ["--family-option", "level=l3", "--family-option", "language=Chinese"],
        ("level=l3", "language=Chinese"),
    ),
    "max_steps": (["--max-steps", "7"], 7),
}


def _value(settings: Settings, name: str) -> object:
    for group in ("model", "family", "environment", "tools", "loop", "recording"):
        if hasattr(getattr(settings, group), name):
            return getattr(getattr(settings, group), name)
    raise KeyError(name)


def test_every_run_option_is_a_bench_option_or_says_why_not():
    run = set(options.option_names(options.RUN))
    bench = set(options.option_names(options.BENCH))
    assert run - bench == set(options.RUN_ONLY)
    assert set(VALUES) == run & bench


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_run_option_given_to_bench_reaches_the_worker(name, monkeypatch):
    flags, expected = VALUES[name]
    args = parser().parse_args(["bench", "suite", *flags])
    agent = options.settings_from(args, {name: "command line"}, task="")
    assert _value(agent, name) == expected
    argv = worker_argv(load_task(TASK).path, Path("out"), WorkerOptions(settings=agent.to_json()))
    assert argv[1:4] == ["-P", "-m", "tasks.worker"]
    seen: dict[str, Settings] = {}

    def run_task(task, out, oracle, settings):
        seen["settings"] = settings
        return {"id": task.id}

    monkeypatch.setattr("tasks.worker.run_task", run_task)
    assert worker_main(argv[4:]) == 0
    assert _value(seen["settings"], name) == expected
    assert seen["settings"].sources.get(name) == "command line"


def test_no_thinking_is_accepted_by_bench_and_doctor():
    for command in ("bench", "doctor"):
        extra = ["suite"] if command == "bench" else []
        args = parser().parse_args([command, *extra, "--no-thinking"])
        assert isinstance(args, argparse.Namespace) and args.thinking is False


def test_agent_toml_applies_to_run_bench_and_doctor(tmp_path):
    from agent import config

    toml = tmp_path / "agent.toml"
    toml.write_text(
        'model-url = "http://gpu:8000/v1"\nthinking = false\nsampling = "precise"\n'
        'family-option = ["level=l3"]\n'
    )
    root = parser()
    parsers = root.command_parsers
    files = config.load_all(parsers, [toml])
    for command_parser in parsers.values():
        config.apply(command_parser, files)
    for argv in (["run", "x"], ["bench", "suite"], ["doctor"]):
        args = root.parse_args(argv)
        sources = config.sources(parsers[argv[0]], args, files)
        settings = options.settings_from(args, sources, task="")
        assert settings.model.model_url == "http://gpu:8000/v1", argv
        assert settings.family.thinking is False, argv
        assert settings.family.family_option == ("level=l3",), argv
        assert sources["model_url"] == str(toml)
        if argv[0] != "doctor":
            assert settings.family.sampling == "precise"


def test_a_family_option_of_the_wrong_form_in_agent_toml_names_the_file(tmp_path):
    from agent import config
    from agent.errors import AgentError

    toml = tmp_path / "agent.toml"
    toml.write_text('family-option = ["level"]\n')
    with pytest.raises(AgentError, match=r"agent.toml: family-option = 'level': .*NAME=VALUE"):
        config.load_all(parser().command_parsers, [toml])
