"""The model client against a server answering as vLLM does, in every configuration."""

import pytest

from agent.errors import ModelRequestError, ModelServerUnreachable
from agent.model import ModelClient, ModelSettings
from agent.protocols.qwen import QwenComputerUse, QwenSettings
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn, VLLMConfig

TOOLS = QwenComputerUse(QwenSettings()).tools((1280, 800))
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
        turn = model.complete(MESSAGES, TOOLS)
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


@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_switch_is_sent_in_chat_template_kwargs_with_card_sampling(thinking):
    with ScriptedModelServer([TURN]) as server:
        turn = complete(server, thinking=thinking)
        body = server.requests[0]
    assert body["chat_template_kwargs"] == {"enable_thinking": thinking}
    assert body["top_k"] == 20
    assert body["temperature"] == (0.6 if thinking else 0.7)
    assert body["presence_penalty"] == (0.0 if thinking else 1.5)
    assert turn.reasoning == (TURN.reasoning if thinking else "")


def test_sampling_overrides_win_over_the_card():
    with ScriptedModelServer([TURN]) as server:
        complete(server, sampling={"temperature": 0.1, "top_k": 5})
        body = server.requests[0]
    assert (body["temperature"], body["top_k"], body["top_p"]) == (0.1, 5, 0.95)


def test_dashscope_gets_a_top_level_enable_thinking():
    model = ModelClient(
        ModelSettings(
            base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1", model="qwen3.5-plus"
        )
    )
    body = model.request_body(MESSAGES, None)
    assert body["extra_body"]["enable_thinking"] is True
    assert "chat_template_kwargs" not in body["extra_body"]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", ["500", "429", "drop", "drop_mid_stream"])
def test_transient_failures_are_retried(fault, stream):
    with ScriptedModelServer([TURN], faults={0: fault, 1: fault}) as server:
        turn = complete(server, stream=stream)
        assert len(server.requests) >= 1
    assert turn.attempts == 3
    assert turn.tool_calls[0].arguments == CLICK


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
