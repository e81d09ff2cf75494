"""A broken or hung model server, played by the stand-in, through the real HTTP client: every
fault ends within the time budget and is reported as what it is."""

from __future__ import annotations

import time

import pytest

from agent.builder import family_for
from agent.errors import ModelRequestError, ModelServerUnreachable, TimeBudgetExceeded
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedModelServer, ScriptedTurn
from agent.settings import Settings
from tests.fakes import FakeEnvironment

MODEL = "Qwen/Qwen3-VL-8B-Instruct"
TURN = ScriptedTurn(content="hello")
MESSAGES = [{"role": "user", "content": "hi"}]


def client(server: ScriptedModelServer, **settings: object) -> ModelClient:
    values = {"retry_base_delay": 0.01, "model": MODEL, **settings}
    return ModelClient(ModelSettings(base_url=server.url, **values))  # type: ignore[arg-type]


def test_a_hung_server_ends_the_run_at_its_time_budget_as_a_timeout() -> None:
    with ScriptedModelServer([TURN], faults={0: "slow:60"}) as server:
        model = client(server)
        family = family_for(MODEL, settings=Settings().with_values({"max_tokens": 512}))
        loop = AgentLoop(FakeEnvironment(size=(320, 200)), model, family, LoopSettings(timeout=2))
        result = loop.run("a task")
    assert result.status == "timeout"
    assert "time budget" in result.reason and "no model server" not in result.reason
    assert result.seconds < 10


@pytest.mark.parametrize(
    ("fault", "stream", "said"),
    [
        ("endless_stream", True, "still going"),
        ("stall_stream", True, "timed out"),
        ("trickle", False, "still arriving"),
    ],
)
def test_a_stream_or_body_without_end_is_cut(fault: str, stream: bool, said: str) -> None:
    with ScriptedModelServer([TURN], faults={0: fault, 1: fault}) as server:
        model = client(server, timeout=1.0, max_retries=1, stream=stream)
        started = time.monotonic()
        with pytest.raises(ModelRequestError, match=said):
            model.complete(MESSAGES)
    assert time.monotonic() - started < 8


def test_retry_after_is_honoured() -> None:
    with ScriptedModelServer([TURN], faults={0: "429:1"}) as server:
        started = time.monotonic()
        turn = client(server).complete(MESSAGES)
    assert turn.content == "hello" and turn.attempts == 2
    assert time.monotonic() - started >= 1


def test_a_retry_after_past_the_budget_ends_it_at_once() -> None:
    with ScriptedModelServer([TURN], faults={0: "429:30"}) as server:
        model = client(server)
        model.set_deadline(time.monotonic() + 3)
        started = time.monotonic()
        with pytest.raises(TimeBudgetExceeded):
            model.complete(MESSAGES)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("bad_json", "not JSON"),
        ("empty_choices", "without choices"),
        ("error_200", "engine died"),
    ],
)
def test_a_200_without_a_completion_is_retried_then_named(fault: str, said: str) -> None:
    with ScriptedModelServer([TURN], faults={0: fault}) as server:
        assert client(server).complete(MESSAGES).content == "hello"
    failing = ScriptedModelServer([TURN], faults={i: fault for i in range(3)})
    with failing as server, pytest.raises(ModelRequestError, match=said):
        client(server, max_retries=2).complete(MESSAGES)


@pytest.mark.parametrize("stream", [False, True])
def test_a_reset_mid_response_is_not_called_no_model_server(stream: bool) -> None:
    faults = {i: "drop_mid_stream" for i in range(2)}
    failing = ScriptedModelServer([TURN], faults=faults)
    with failing as server, pytest.raises(ModelRequestError, match="broke in the middle") as caught:
        client(server, max_retries=1, stream=stream).complete(MESSAGES)
    assert not isinstance(caught.value, ModelServerUnreachable)
    assert "no model server" not in str(caught.value)


@pytest.mark.parametrize(
    ("fault", "stream"),
    [("stall_stream", True), ("keepalive_stream", True), ("trickle", False)],
)
def test_an_answer_without_progress_is_cut_at_the_stall_limit_and_named(
    fault: str, stream: bool
) -> None:
    """Two chunks then silence, two chunks then keep-alive comments, a body of whitespace: each
    is cut after --stall-timeout (not the request timeout), retried, and named."""
    with ScriptedModelServer([TURN], faults={0: fault, 1: fault}) as server:
        model = client(server, timeout=60.0, stall_timeout=1.0, max_retries=1, stream=stream)
        started = time.monotonic()
        with pytest.raises(ModelRequestError) as caught:
            model.complete(MESSAGES)
        attempts = len(server.requests)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert f"the model server at {server.url} stopped sending for 1 s" in message
    assert "--stall-timeout" in message and "(2 attempts)" in message
    assert not isinstance(caught.value, ModelServerUnreachable)
    assert "no model server" not in message
    assert attempts == 2


@pytest.mark.parametrize("stream", [False, True])
def test_a_stalled_answer_is_retried_and_the_retry_answers(stream: bool) -> None:
    fault = "stall_stream" if stream else "trickle"
    with ScriptedModelServer([TURN], faults={0: fault}) as server:
        model = client(server, timeout=60.0, stall_timeout=1.0, stream=stream)
        started = time.monotonic()
        turn = model.complete(MESSAGES)
    assert (turn.content, turn.attempts) == ("hello", 2)
    assert time.monotonic() - started < 8


def test_a_stalled_stream_ends_the_run_as_what_it_is() -> None:
    faults = {i: "stall_stream" for i in range(3)}
    with ScriptedModelServer([TURN], faults=faults) as server:
        model = client(server, timeout=60.0, stall_timeout=1.0, max_retries=2, stream=True)
        family = family_for(MODEL, settings=Settings().with_values({"max_tokens": 512}))
        loop = AgentLoop(FakeEnvironment(size=(320, 200)), model, family, LoopSettings())
        result = loop.run("a task")
    assert result.status == "error"
    assert "stopped sending for 1 s in the middle of its answer" in result.reason
    assert "no model server" not in result.reason
    assert result.seconds < 15
