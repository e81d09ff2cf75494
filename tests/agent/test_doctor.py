"""`agent doctor` against the test model server configured each wrong way."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig

TURN = ScriptedTurn(
    reasoning="Waiting as asked.",
    calls=(ScriptedCall("computer_use", {"action": "wait", "time": 1}),),
)


def doctor(
    url: str, *flags: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", "doctor", "--model-url", url, *flags],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_well_configured_server_passes():
    config = VLLMConfig(model_id="Qwen/Qwen3-VL-8B-Thinking")
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url)
    assert result.returncode == 0, result.stdout
    names = (
        "display tooling",
        "model server",
        "model id",
        "accepts an image",
        "image size",
        "tool-call parser",
        "separate reasoning",
        "4 images per request",
        "context length",
    )
    for name in names:
        assert f"PASS  {name}" in result.stdout
    assert "FAIL" not in result.stdout


@pytest.mark.parametrize(
    ("config", "flags", "failure", "fix"),
    [
        (
            VLLMConfig(tool_parser=None),
            ("--response-format", "tool_call"),
            "FAIL  tool-call parser",
            "--enable-auto-tool-choice --tool-call-parser hermes",
        ),
        (
            VLLMConfig(tool_parser="hermes", model_format="qwen3_coder"),
            ("--response-format", "tool_call"),
            "FAIL  tool-call parser: the model writes qwen3_coder tool calls and the server's "
            "parser does not read them: they are left in the text",
            "--tool-call-parser qwen3_coder",
        ),
        (
            VLLMConfig(tool_parser="qwen3_coder", model_format="hermes"),
            ("--response-format", "tool_call"),
            "FAIL  tool-call parser: the model writes hermes tool calls and the server's "
            "parser does not read them: they are swallowed (no content, no call)",
            "--tool-call-parser hermes",
        ),
        (
            VLLMConfig(model_id="Qwen/Qwen2.5-VL-7B-Instruct", image_max_pixels=640 * 28 * 28),
            (),
            "FAIL  image size: the server shrinks a 1316x728 screenshot to about 479808 pixels "
            "(614 tokens, not 1224): clicks computed on the absolute grid would land off",
            "pass --max-pixels 479808",
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


def test_the_default_conversation_only_warns_of_a_mismatched_tool_parser():
    # The makers' conversation sends no tools: the server's parser is not in its way.
    config = VLLMConfig(tool_parser="qwen3_coder", model_format="hermes")
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url)
    assert "WARN  tool-call parser: the model writes hermes tool calls" in result.stdout
    assert "--tool-call-parser hermes" in result.stdout
    assert result.returncode == 0, result.stdout


def test_a_relative_grid_model_only_warns_of_a_server_that_shrinks_images():
    config = VLLMConfig(image_max_pixels=1280 * 28 * 28)
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url)
    assert "WARN  image size: the server shrinks a 1920x1088 screenshot" in result.stdout
    assert "the relative grid is unaffected" in result.stdout
    assert result.returncode == 0, result.stdout


def test_the_context_check_says_how_far_replies_are_clamped():
    with ScriptedModelServer(lambda request: TURN, VLLMConfig()) as server:
        result = doctor(server.url)
    found = re.search(
        r"PASS  context length: 32768 tokens: a 30-step history needs ~(\d+), so replies get at "
        r"most (\d+) of the preset's 32768 output tokens \(vLLM clamps max_tokens silently\)",
        result.stdout,
    )
    assert found, result.stdout
    assert int(found[1]) + int(found[2]) == 32768


def test_a_server_that_is_down_is_named_with_the_vllm_command():
    with ScriptedModelServer([]) as server:
        url = server.url
    result = doctor(url)
    assert result.returncode == 1
    assert f"FAIL  model server: no answer at {url}" in result.stdout
    assert "vllm serve" in result.stdout


def test_a_server_without_parsers_is_the_working_configuration_it_is():
    """No reasoning parser and no tool parser: the default conversation reads both from the
    text, so the doctor warns and passes."""
    config = VLLMConfig(
        model_id="Qwen/Qwen3-VL-8B-Thinking", reasoning_parser=None, tool_parser=None
    )
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url)
    assert result.returncode == 0, result.stdout
    assert "WARN  separate reasoning: reasoning is mixed into the reply text" in result.stdout
    assert "--reasoning-parser qwen3" in result.stdout
    assert "FAIL" not in result.stdout


def test_an_http_error_is_named_for_what_it_is_not_the_image_limit():
    # the image-limit probe is the seventh chat request (after 1 + 2 + 2 + 1 others)
    with ScriptedModelServer(lambda request: TURN, faults={6: "500"}) as server:
        result = doctor(server.url)
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "images per request" in x)
    assert line.startswith("FAIL  4 images per request: HTTP 500")
    assert "the server failed: see its log" in result.stdout
    assert "--limit-mm-per-prompt" not in result.stdout


def test_missing_session_programs_recorder_vnc_and_suite_apps_are_named(tmp_path):
    """A PATH with the display tooling but no ffmpeg, x11vnc or suite apps, and no xfdesktop."""
    from agent.doctor import DESKTOP_TOOLS

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in DESKTOP_TOOLS:
        if tool != "xfdesktop":
            (bin_dir / tool).symlink_to(shutil.which(tool) or "/bin/true")
    env = {**os.environ, "PATH": str(bin_dir)}
    with ScriptedModelServer(lambda request: TURN) as server:
        result = doctor(server.url, env=env)
    out = result.stdout
    assert "FAIL  display tooling: missing xfdesktop" in out
    assert "WARN  ffmpeg: not found: --record-video will not work" in out
    assert "WARN  x11vnc: not found: --vnc will not work" in out
    assert "WARN  desktop suite apps: missing mousepad, gnumeric" in out
    fix = "\n      fix: ./scripts/setup.sh"
    missing = "missing dbus-run-session, gsettings: settings tasks cannot run"
    assert f"WARN  settings database (dconf): {missing}{fix}" in out
    if os.geteuid() == 0:
        unshare = "unshare not found: the desktop's programs run as root (apps warn of it)"
        assert f"WARN  desktop session account: {unshare}{fix}" in out
    with ScriptedModelServer(lambda request: TURN) as server:
        full = doctor(server.url)
    assert "PASS  ffmpeg" in full.stdout and "PASS  x11vnc" in full.stdout
    assert "PASS  desktop suite apps" in full.stdout
    assert "PASS  settings database (dconf): gsettings keep their values" in full.stdout
    assert "PASS  desktop session account: " in full.stdout


def test_a_server_parsing_qwen3_coder_calls_is_said_to_hide_duplicate_parameters():
    config = VLLMConfig(tool_parser="qwen3_coder", model_format="qwen3_coder")
    with ScriptedModelServer(lambda request: TURN, config) as server:
        result = doctor(server.url)
    assert result.returncode == 0, result.stdout
    line = next(x for x in result.stdout.splitlines() if "tool-call parser" in x)
    assert line.startswith("PASS  tool-call parser: the server parses the model's tool calls")
    said = "(qwen3_coder); with it, a parameter the model gives twice is resolved by the server"
    assert f"{said} (the last one wins)" in line
    assert "keep the default --response-format action" in line
    with ScriptedModelServer(lambda request: TURN, VLLMConfig(tool_parser="hermes")) as server:
        result = doctor(server.url)
    assert "PASS  tool-call parser" in result.stdout and "gives twice" not in result.stdout


def test_a_missing_session_account_is_named_with_the_setup_script():
    from agent.doctor import account_check

    check = account_check("no-such-account")
    if os.geteuid() != 0:
        assert check.ok and "run as you" in check.detail
        return
    assert check.line() == (
        "WARN  desktop session account: no account 'no-such-account': the desktop's programs"
        " run as nobody\n      fix: ./scripts/setup.sh"
    )
    assert account_check().ok  # the account scripts/setup.sh creates
