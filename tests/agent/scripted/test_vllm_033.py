"""The stand-in answers as vLLM 0.33.0 does, case by case, seen through the project's client.

Each expectation was read from vLLM 0.33.0's source (vllm/parser/qwen3.py and its parser
engine, vllm/tool_parsers/hermes_tool_parser.py, vllm/renderers/params.py,
vllm/entrypoints/serve/utils/api_utils.py get_max_tokens, vllm/multimodal/processing/context.py
validate_num_items, resolve_finish_reason) and checked by running those parsers on the same
texts. Where the client recovers more than vLLM returns, the test says so.
"""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from agent.builder import family_for
from agent.errors import ModelRequestError
from agent.families.base import RequestFields
from agent.families.qwen.request import read_text_calls
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.turn import ModelTurn

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "computer_use",
            "description": "Use a mouse and keyboard.",
            "parameters": {
                "type": "object",
                "properties": {
                    "action": {"type": "string"},
                    "coordinate": {"type": "array"},
                },
                "required": ["action"],
            },
        },
    }
]
USER = [{"role": "user", "content": "click the button"}]
XML_CLICK = (
    "<tool_call>\n<function=computer_use>\n<parameter=action>\nleft_click\n</parameter>\n"
    "<parameter=coordinate>\n[447, 81]\n</parameter>\n</function>\n</tool_call>"
)
JSON_CLICK = (
    '<tool_call>\n{"name": "computer_use", "arguments": '
    '{"action": "left_click", "coordinate": [447, 81]}}\n</tool_call>'
)
CODER = VLLMConfig(model_id="Qwen/Qwen3.5-27B", tool_parser="qwen3_coder", think_open_tag=False)
THINKING = RequestFields(extra_body={"chat_template_kwargs": {"enable_thinking": True}})


def complete(
    config: VLLMConfig, output: str, *, truncated: bool = False, **fields: object
) -> ModelTurn:
    turn = ScriptedTurn(output=output, truncated=truncated)
    request = RequestFields(dict(fields), THINKING.extra_body)
    with ScriptedModelServer([turn], config) as server:
        client = ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))
        return client.complete(USER, TOOLS, request)


def refusal(config: VLLMConfig, messages: list, **fields: object) -> str:
    with ScriptedModelServer([ScriptedTurn(content="unused")], config) as server:
        client = ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))
        with pytest.raises(ModelRequestError) as info:
            client.complete(messages, None, RequestFields(dict(fields)))
    return str(info.value)


def image_message(*sizes: tuple[int, int]) -> list[dict]:
    parts: list[dict] = [{"type": "text", "text": "What now?"}]
    for size in sizes:
        buffer = io.BytesIO()
        Image.new("RGB", size, "white").save(buffer, format="PNG")
        url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return [{"role": "user", "content": parts}]


def prompt_tokens(config: VLLMConfig, messages: list) -> int:
    with ScriptedModelServer([ScriptedTurn(content="ok")], config) as server:
        client = ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))
        return client.complete(messages, None).usage.prompt_tokens


# ---- lengths ------------------------------------------------------------------------------


def test_prompt_plus_max_tokens_over_the_context_is_clamped_silently() -> None:
    config = VLLMConfig(max_model_len=200)
    turn = complete(config, "<think>\n" + "thinking " * 400, max_tokens=190)
    # No 400: the output is cut where the context ends, with finish_reason "length".
    assert turn.finish_reason == "length"
    assert turn.usage.prompt_tokens + turn.usage.completion_tokens == 200


def test_prompt_alone_over_the_context_gets_vllms_message() -> None:
    message = refusal(VLLMConfig(max_model_len=100), [{"role": "user", "content": "x" * 800}])
    assert (
        "This model's maximum context length is 100 tokens. However, your prompt contains 200 "
        "input tokens, which exceeds this limit even without any output tokens. Please reduce "
        "the length of the input prompt. (parameter=input_tokens, value=200)"
    ) in message
    assert "raise vLLM's --max-model-len" in message  # the client adds the fix


def test_max_tokens_over_max_model_len_gets_vllms_message() -> None:
    message = refusal(VLLMConfig(max_model_len=32768), USER, max_tokens=40960)
    assert (
        "max_tokens=40960 cannot be greater than max_model_len=32768. Please request fewer "
        "output tokens. (parameter=max_tokens, value=40960)"
    ) in message


def test_too_many_images_gets_vllms_message() -> None:
    message = refusal(VLLMConfig(max_images=1), image_message((64, 64), (64, 64)))
    assert "At most 1 image(s) may be provided in one prompt. (parameter=image)" in message
    assert "--limit-mm-per-prompt" in message  # the client names the flag; vLLM does not


# ---- reasoning ----------------------------------------------------------------------------


def test_thinking_without_think_end_is_all_reasoning_even_when_the_model_stopped() -> None:
    turn = complete(VLLMConfig(), "<think>\nThe button is top left, I should click")
    assert turn.reasoning == "The button is top left, I should click"
    assert turn.content == "" and turn.text == "" and not turn.tool_calls
    assert turn.finish_reason == "stop"


def test_an_instruct_models_reply_is_content_only_when_thinking_is_switched_off() -> None:
    # Qwen3-VL Instruct writes no think block; a server with --reasoning-parser qwen3 files
    # its reply under reasoning unless the request says enable_thinking: false, as the Qwen
    # family's requests always do.
    reply = "Action: click it.\n" + JSON_CLICK
    family = family_for("Qwen/Qwen3-VL-8B-Instruct")
    with ScriptedModelServer([ScriptedTurn(output=reply)] * 2) as server:
        client = ModelClient(ModelSettings(base_url=server.url))
        plain = client.complete(USER, TOOLS, RequestFields({"max_tokens": 100}))
        switched = client.complete(USER, TOOLS, family.request_fields())
    assert plain.reasoning == "Action: click it." and plain.content == ""
    assert switched.reasoning == "" and switched.content == "Action: click it."
    assert len(plain.tool_calls) == len(switched.tool_calls) == 1


@pytest.mark.parametrize(("config", "call"), [(CODER, XML_CLICK), (VLLMConfig(), JSON_CLICK)])
def test_a_tool_call_ends_reasoning_implicitly(config: VLLMConfig, call: str) -> None:
    turn = complete(config, "The button is top left.\nAction: click it.\n" + call)
    # The Action line before the call stays in the reasoning: vLLM saw no </think>.
    assert turn.reasoning == "The button is top left.\nAction: click it."
    assert turn.content == ""
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("computer_use", {"action": "left_click", "coordinate": [447, 81]})
    ]
    assert turn.finish_reason == "tool_calls"


def test_reasoning_comes_only_in_the_reasoning_field() -> None:
    turn = ScriptedTurn(reasoning="Top left.", content="Done.")
    with ScriptedModelServer([turn, turn]) as server:
        client = ModelClient(ModelSettings(base_url=server.url))
        raw = client.sdk.chat.completions.create(model=client.model, messages=USER)
        turn = client.complete(USER, None)
    message = raw.choices[0].message
    assert message.reasoning == "\nTop left.\n"
    assert "reasoning_content" not in (message.model_extra or {})
    assert turn.reasoning == "Top left." and turn.content == "Done."


# ---- qwen3_coder --------------------------------------------------------------------------


def test_qwen3_coder_drops_a_parameter_left_open_before_function_end() -> None:
    call = XML_CLICK.replace("[447, 81]\n</parameter>", "[447, 81]")
    turn = complete(CODER, "Top left.\n</think>\n\n" + call)
    # The coordinate is gone; the client cannot get it back (the server kept no text).
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("computer_use", {"action": "left_click"})
    ]


def test_a_cut_right_after_tool_call_gives_no_call_and_after_the_name_an_empty_one() -> None:
    after_tag = complete(CODER, "I will click.\n<tool_call>", truncated=True)
    assert after_tag.reasoning == "I will click." and not after_tag.tool_calls
    assert after_tag.finish_reason == "length" and after_tag.truncated_in_thinking
    after_name = complete(
        CODER, "I will click.\n<tool_call>\n<function=computer_use>\n", truncated=True
    )
    assert [(c.name, c.arguments) for c in after_name.tool_calls] == [("computer_use", {})]
    assert after_name.finish_reason == "length"


def test_a_call_cut_by_the_length_limit_finishes_with_length() -> None:
    cut = XML_CLICK[: XML_CLICK.index("<parameter=coordinate>") + 30]
    turn = complete(CODER, "Top left.\n</think>\n\n" + cut, truncated=True)
    assert turn.finish_reason == "length"
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("computer_use", {"action": "left_click"})
    ]


def test_hermes_json_under_qwen3_coder_is_swallowed() -> None:
    config = VLLMConfig(tool_parser="qwen3_coder")
    turn = complete(config, "<think>\nTop left.\n</think>\n\n" + JSON_CLICK)
    assert turn.reasoning == "Top left."
    assert turn.content == "" and turn.text == "" and not turn.tool_calls
    # Nothing is left to recover: the client cannot read a call the server threw away.
    assert not read_text_calls(turn, TOOLS).tool_calls


def test_qwen3_coder_xml_under_hermes_stays_in_content_and_the_client_reads_it() -> None:
    config = VLLMConfig(tool_parser="hermes")
    turn = complete(config, "<think>\nTop left.\n</think>\n\nAction: click it.\n" + XML_CLICK)
    assert not turn.tool_calls and XML_CLICK in turn.text and turn.finish_reason == "stop"
    # The client recovers more than vLLM: it reads the XML call out of the text.
    read = read_text_calls(turn, TOOLS)
    assert read.calls_from_text and read.content == "Action: click it."
    assert [(c.name, c.arguments) for c in read.tool_calls] == [
        ("computer_use", {"action": "left_click", "coordinate": [447, 81]})
    ]


@pytest.mark.parametrize(
    ("config", "call", "content"),
    [
        (CODER, XML_CLICK, "Action: click it."),  # qwen3_coder strips
        (VLLMConfig(), JSON_CLICK, "\n\n  Action: click it.  \n"),  # hermes does not
    ],
)
def test_whitespace_before_a_call(config: VLLMConfig, call: str, content: str) -> None:
    blank = complete(config, "<think>\nTop left.\n</think>\n\n  \n" + call)
    assert blank.text == "" and blank.content == "" and len(blank.tool_calls) == 1
    with ScriptedModelServer(
        [ScriptedTurn(output="<think>\nTop left.\n</think>\n\n  Action: click it.  \n" + call)],
        config,
    ) as server:
        client = ModelClient(ModelSettings(base_url=server.url))
        raw = client.sdk.chat.completions.create(model=client.model, messages=USER, tools=TOOLS)
        assert raw.choices[0].message.content == content


# ---- images -------------------------------------------------------------------------------


def test_image_tokens_are_28_px_for_qwen25_vl_and_32_px_for_qwen3_vl_plus_two() -> None:
    text = prompt_tokens(VLLMConfig(), [{"role": "user", "content": "What now?"}])
    qwen3 = prompt_tokens(VLLMConfig(), image_message((1280, 800)))
    qwen25 = VLLMConfig(model_id="Qwen/Qwen2.5-VL-7B-Instruct")
    assert qwen3 - text == 40 * 25 + 2
    assert prompt_tokens(qwen25, image_message((1288, 812))) - text == 46 * 29 + 2


def test_a_server_with_a_lower_max_pixels_resizes_the_image_again() -> None:
    text = prompt_tokens(VLLMConfig(), [{"role": "user", "content": "What now?"}])
    own = VLLMConfig(model_id="Qwen/Qwen2.5-VL-7B-Instruct")
    capped = VLLMConfig(model_id="Qwen/Qwen2.5-VL-7B-Instruct", image_max_pixels=1280 * 28 * 28)
    screenshot = image_message((1932, 1092))  # 69 x 39 patches of 28 px
    assert prompt_tokens(own, screenshot) - text == 69 * 39 + 2
    # smart_resize to at most 1,003,520 pixels: 1316 x 742, 47 x 26 patches
    assert prompt_tokens(capped, screenshot) - text == 47 * 26 + 2
