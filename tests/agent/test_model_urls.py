"""Common mistakes in --model-url and --model get a message that names the fix, before the
desktop starts."""

from __future__ import annotations

import time

import pytest

from agent import runner
from agent.errors import ModelRequestError
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import Settings

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("model", [None, "Qwen/Qwen3-VL-8B-Instruct"])
def test_a_url_without_v1_suggests_adding_it(model: str | None) -> None:
    with ScriptedModelServer([ScriptedTurn(content="hi")]) as server:
        bare = server.url.removesuffix("/v1")
        client = ModelClient(ModelSettings(base_url=bare, model=model, max_retries=0))
        with pytest.raises(ModelRequestError, match="HTTP 404") as caught:
            client.complete(MESSAGES)
    assert f"try --model-url {bare}/v1" in str(caught.value)


def test_a_url_without_a_scheme_is_fixed_and_said() -> None:
    with ScriptedModelServer([ScriptedTurn(content="hello")]) as server:
        client = ModelClient(ModelSettings(base_url=server.url.removeprefix("http://")))
        assert client.complete(MESSAGES).content == "hello"
    assert client.settings.base_url == server.url
    assert any("no scheme" in note for note in client.notes)


def test_a_wrong_model_is_refused_with_the_served_ids_before_the_desktop_starts() -> None:
    config = VLLMConfig(model_id="Qwen/Qwen3-VL-8B-Instruct")
    with ScriptedModelServer([ScriptedTurn(content="hi")], config) as server:
        settings = Settings().with_values(
            # a display that cannot exist: starting the desktop would fail differently
            {"model_url": server.url, "model": "Qwen/Qwen3-VL-9B", "display": ":99999"}
        )
        started = time.monotonic()
        with pytest.raises(ModelRequestError) as caught:
            runner.run(settings)
    message = str(caught.value)
    assert "does not serve 'Qwen/Qwen3-VL-9B'" in message
    assert "it serves Qwen/Qwen3-VL-8B-Instruct: pass --model" in message
    assert server.requests == []  # nothing was asked of the model
    assert time.monotonic() - started < 10
