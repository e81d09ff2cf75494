"""`agent serve`: the vLLM command lines, golden, and parseable as vLLM reads them."""

import argparse
import json
import shlex
import subprocess
import sys

import pytest

from agent import serve

GOLDEN = {
    "qwen3.5-397b": "vllm serve Qwen/Qwen3.5-397B-A17B --port 8000 --tensor-parallel-size 8 "
    "--max-model-len 262144 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'qwen3_coder --limit-mm-per-prompt \'{"image": 4, "video": 0}\' --speculative-config '
    '\'{"method":"qwen3_next_mtp","num_speculative_tokens":2}\'',
    "qwen3.5-122b": "vllm serve Qwen/Qwen3.5-122B-A10B --port 8000 --tensor-parallel-size 4 "
    "--max-model-len 131072 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'qwen3_coder --limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
    "qwen3.5-35b": "vllm serve Qwen/Qwen3.5-35B-A3B --port 8000 --tensor-parallel-size 2 "
    "--max-model-len 131072 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'qwen3_coder --limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
    "qwen3.5-27b": "vllm serve Qwen/Qwen3.5-27B --port 8000 --tensor-parallel-size 1 "
    "--max-model-len 65536 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'qwen3_coder --limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
    "qwen3.5-9b": "vllm serve Qwen/Qwen3.5-9B --port 8000 --tensor-parallel-size 1 "
    "--max-model-len 65536 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'qwen3_coder --limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
    "qwen3-vl-8b": "vllm serve Qwen/Qwen3-VL-8B-Thinking --port 8000 --tensor-parallel-size 1 "
    "--max-model-len 32768 --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser "
    'hermes --limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
    "qwen3-vl-30b": "vllm serve Qwen/Qwen3-VL-30B-A3B-Thinking --port 8000 "
    "--tensor-parallel-size 2 --max-model-len 65536 --reasoning-parser qwen3 "
    "--enable-auto-tool-choice --tool-call-parser hermes --limit-mm-per-prompt "
    '\'{"image": 4, "video": 0}\'',
    "qwen3-vl-235b": "vllm serve Qwen/Qwen3-VL-235B-A22B-Thinking --port 8000 "
    "--tensor-parallel-size 8 --max-model-len 131072 --reasoning-parser qwen3 "
    "--enable-auto-tool-choice --tool-call-parser hermes --limit-mm-per-prompt "
    '\'{"image": 4, "video": 0}\'',
    "qwen2.5-vl-7b": "vllm serve Qwen/Qwen2.5-VL-7B-Instruct --port 8000 --tensor-parallel-size 1 "
    "--max-model-len 32768 --enable-auto-tool-choice --tool-call-parser hermes "
    '--limit-mm-per-prompt \'{"image": 4, "video": 0}\'',
}


def agent(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args], capture_output=True, text=True, timeout=30
    )


def vllm_parser() -> argparse.ArgumentParser:
    """The subset of `vllm serve`'s flags the presets use, typed as vLLM types them."""
    parser = argparse.ArgumentParser(prog="vllm serve", exit_on_error=False)
    parser.add_argument("model")
    parser.add_argument("--port", type=int)
    parser.add_argument("--tensor-parallel-size", type=int, required=True)
    parser.add_argument("--max-model-len", type=int, required=True)
    parser.add_argument("--reasoning-parser", choices=["qwen3"])
    parser.add_argument("--enable-auto-tool-choice", action="store_true", required=True)
    parser.add_argument("--tool-call-parser", choices=["hermes", "qwen3_coder"], required=True)
    parser.add_argument("--limit-mm-per-prompt", type=json.loads, required=True)
    parser.add_argument("--speculative-config", type=json.loads)
    return parser


def test_every_preset_is_in_the_golden_table():
    assert set(serve.presets()) == set(GOLDEN)


@pytest.mark.parametrize("name", list(GOLDEN))
def test_preset_output_matches_the_golden_table_and_parses_as_vllm_flags(name):
    result = agent("serve", name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == GOLDEN[name]
    words = shlex.split(result.stdout)
    assert words[:2] == ["vllm", "serve"]
    flags = vllm_parser().parse_args(words[2:])
    assert flags.limit_mm_per_prompt["image"] >= 3 + 1
    assert flags.model == serve.preset(name).model
    thinks = "qwen2.5" not in name
    assert (flags.reasoning_parser == "qwen3") == thinks


def test_tp_and_history_override_the_table():
    words = shlex.split(agent("serve", "qwen3.5-27b", "--tp", "2", "--history-images", "5").stdout)
    flags = vllm_parser().parse_args(words[2:])
    assert flags.tensor_parallel_size == 2
    assert flags.limit_mm_per_prompt == {"image": 6, "video": 0}


def test_list_and_unknown_presets():
    listing = agent("serve", "--list")
    assert all(name in listing.stdout for name in GOLDEN)
    unknown = agent("serve", "qwen9")
    assert unknown.returncode == 1
    assert "unknown preset 'qwen9'" in unknown.stderr and "qwen3.5-397b" in unknown.stderr


def test_exec_without_vllm_names_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "serve", "qwen3-vl-8b", "--exec"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "pip install '.[vllm]'" in result.stderr
