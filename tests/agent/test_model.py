"""The model client against a server answering as vLLM does, in every configuration."""

import pytest

from agent.builder import family_for
from agent.errors import ModelRequestError, ModelServerUnreachable
from agent.families.base import RequestFields
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import Settings

FAMILY = family_for(  # structured tool calls: the format that sends tools to the server
    "Qwen/Qwen3-VL-8B-Instruct", settings=Settings().with_values({"response_format": "tool_call"})
)
TOOLS = FAMILY.tools((1280, 800))
MESSAGES = [{"role": "user", "content": "click the button"}]
CLICK = {"action": "left_click", "coordinate": [447, 81]}
TURN = ScriptedTurn(
    reasoning="The button is near the top left.",
    content="Clicking it.",
    calls=(ScriptedCall("computer_use", CLICK),),
)

CONFIGS = {
    "reasoning+hermes": VLLMConfig(),
    "reasoning_content+hermes": VLLMConfig(reasoning_parser="reasoning_content"),
    "qwen3.5 qwen3_coder": VLLMConfig(
        model_id="Qwen/Qwen3.5-27B",
        tool_parser="qwen3_coder",
        model_format="qwen3_coder",
        think_open_tag=False,
    ),
    "no parsers, hermes text": VLLMConfig(reasoning_parser=None, tool_parser=None),
    "no parsers, xml text": VLLMConfig(
        reasoning_parser=None, tool_parser=None, model_format="qwen3_coder", think_open_tag=False
    ),
    "parser mismatch": VLLMConfig(tool_parser="hermes", model_format="qwen3_coder"),
}


def client(server: ScriptedModelServer, **settings) -> ModelClient:
    return ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01, **settings))


def complete(server, **settings):
    return client(server, **settings).complete(MESSAGES, TOOLS)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_reasoning_and_tool_calls_are_read_in_every_configuration(name, stream):
    with ScriptedModelServer([TURN], CONFIGS[name]) as server:
        model = client(server, stream=stream)
        turn = FAMILY.read_turn(model.complete(MESSAGES, TOOLS), TOOLS)
        assert model.model == CONFIGS[name].model_id
        assert all(r["tools"] == TOOLS for r in server.requests)
    assert turn.reasoning == TURN.reasoning
    assert turn.content == "Clicking it."
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("computer_use", CLICK)]
    assert turn.calls_from_text == (name.startswith("no parsers") or name == "parser mismatch")
    assert turn.usage.prompt_tokens > 0 and turn.usage.completion_tokens > 0
    without_parser = CONFIGS[name].tool_parser is None
    assert model.tool_choice == ("none" if without_parser else "auto")
    assert bool(model.notes) == without_parser


def test_streamed_reasoning_reaches_the_sink_as_it_arrives():
    pieces: list[str] = []
    with ScriptedModelServer([TURN]) as server:
        client(server, stream=True).complete(MESSAGES, TOOLS, on_reasoning=pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces).strip() == TURN.reasoning


def test_the_familys_request_fields_are_sent_top_level_and_in_the_extra_body():
    fields = RequestFields(
        {"max_tokens": 64, "temperature": 0.3}, {"top_k": 7, "chat_template_kwargs": {"a": 1}}
    )
    with ScriptedModelServer([TURN]) as server:
        client(server).complete(MESSAGES, TOOLS, fields)
        body = server.requests[0]
    assert (body["max_tokens"], body["temperature"], body["top_k"]) == (64, 0.3, 7)
    assert body["chat_template_kwargs"] == {"a": 1}


def test_without_fields_the_client_sends_nothing_model_specific():
    with ScriptedModelServer([TURN]) as server:
        client(server).complete(MESSAGES, TOOLS)
        body = server.requests[0]
    assert set(body) == {"model", "messages", "tools", "tool_choice"}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", ["500", "429", "drop", "drop_mid_stream"])
def test_transient_failures_are_retried(fault, stream):
    with ScriptedModelServer([TURN], faults={0: fault, 1: fault}) as server:
        turn = complete(server, stream=stream)
        assert len(server.requests) >= 1
    assert turn.attempts == 3
    assert FAMILY.read_turn(turn, TOOLS).tool_calls[0].arguments == CLICK


def test_persistent_5xx_ends_with_the_server_message():
    faults = {i: "500" for i in range(5)}
    with (
        ScriptedModelServer([TURN], faults=faults) as server,
        pytest.raises(ModelRequestError, match=r"HTTP 500.*after 3 attempts"),
    ):
        complete(server, max_retries=2)


def test_too_many_images_names_the_vllm_flag():
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )
    messages = [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": png}}] * 2,
        }
    ]
    with (
        ScriptedModelServer([TURN], VLLMConfig(max_images=1)) as server,
        pytest.raises(ModelRequestError, match="--limit-mm-per-prompt"),
    ):
        client(server).complete(messages, TOOLS)


def test_no_server_names_the_url_and_the_vllm_command():
    with ScriptedModelServer([]) as server:
        url = server.url
    model = ModelClient(ModelSettings(base_url=url, retry_base_delay=0.01))
    with pytest.raises(ModelServerUnreachable) as info:
        model.complete(MESSAGES, TOOLS)
    assert url in str(info.value)
    assert "vllm serve" in str(info.value)


def test_truncated_thinking_is_detected():
    with ScriptedModelServer([ScriptedTurn(reasoning="long " * 50, truncated=True)]) as server:
        turn = complete(server)
    assert turn.truncated_in_thinking
    assert turn.finish_reason == "length"
    assert turn.tool_calls == ()


def test_model_id_is_discovered_from_the_models_endpoint():
    config = VLLMConfig(model_id="Qwen/Qwen3.5-9B")
    with ScriptedModelServer([TURN], config) as server:
        complete(server)
        assert server.requests[0]["model"] == "Qwen/Qwen3.5-9B"


def test_a_request_timeout_is_reported_as_such():
    with ScriptedModelServer([TURN], faults={0: "slow:3", 1: "slow:3"}) as server:
        model = client(server, timeout=0.3, max_retries=1, model="Qwen/Qwen3-VL-8B-Instruct")
        with pytest.raises(ModelServerUnreachable, match="timed out after 2 attempts"):
            model.complete(MESSAGES, TOOLS)
