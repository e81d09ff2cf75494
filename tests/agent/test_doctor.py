"""`agent doctor` against the test model server configured each wrong way."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig

TURN = ScriptedTurn(
    reasoning="Waiting as asked.",
    calls=(ScriptedCall("computer_use", {"action": "wait", "time": 1}),),
)


def doctor(url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", "doctor", "--model-url", url, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_well_configured_server_passes():
    with ScriptedModelServer(lambda request: TURN, VLLMConfig()) as server:
        result = doctor(server.url)
    assert result.returncode == 0, result.stdout
    for name in ("display tooling", "model server", "model id", "accepts an image",
                 "structured tool calls", "separate reasoning", "4 images per request",
                 "context length"):  # fmt: skip
        assert f"PASS  {name}" in result.stdout
    assert "FAIL" not in result.stdout


@pytest.mark.parametrize(
    ("config", "flags", "failure", "fix"),
    [
        (
            VLLMConfig(tool_parser=None),
            (),
            "FAIL  structured tool calls",
            "--enable-auto-tool-choice --tool-call-parser hermes",
        ),
        (
            VLLMConfig(tool_parser="hermes", model_format="qwen3_coder"),
            (),
            "FAIL  structured tool calls: tool calls come back as text",
            "--tool-call-parser qwen3_coder (the model writes that format)",
        ),
        (
            VLLMConfig(reasoning_parser=None),
            (),
            "FAIL  separate reasoning: reasoning is mixed into the reply text",
            "--reasoning-parser qwen3",
        ),
        (
            VLLMConfig(max_images=1),
            (),
            "FAIL  4 images per request: At most 1 image(s)",
            "--limit-mm-per-prompt '{\"image\": 4}'",
        ),
        (
            VLLMConfig(max_model_len=8192),
            (),
            "FAIL  context length: 8192 tokens",
            "--max-model-len 16384",
        ),
        (
            VLLMConfig(),
            ("--model", "Qwen/Qwen3.5-9B"),
            "FAIL  model id: 'Qwen/Qwen3.5-9B' is not served",
            "pass --model Qwen/Qwen3-VL-8B-Instruct",
        ),
    ],
)
def test_each_misconfiguration_is_named_with_its_fix(config, flags, failure, fix):
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url, *flags)
    assert result.returncode == 1
    assert failure in result.stdout
    assert fix in result.stdout


def test_a_server_that_is_down_is_named_with_the_vllm_command():
    with ScriptedModelServer([]) as server:
        url = server.url
    result = doctor(url)
    assert result.returncode == 1
    assert f"FAIL  model server: no answer at {url}" in result.stdout
    assert "vllm serve" in result.stdout
