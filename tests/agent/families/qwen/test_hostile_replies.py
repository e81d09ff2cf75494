"""Replies written to break the Qwen family's reading: they are fed back, never executed as
something else, and never end the run. Each goes through the real HTTP client and the loop."""

from __future__ import annotations

import json

import pytest

from agent import actions as A
from agent.builder import family_for
from agent.families.qwen.toolcall_text import split_text_calls
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import Settings
from tests.fakes import FakeEnvironment

THINKING = "Qwen/Qwen3-VL-8B-Thinking"
DEEP = "[" * 1000 + "]" * 1000
TERMINATE = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}\n</tool_call>'  # noqa: E501


def hermes(arguments: str) -> str:
    return f'<tool_call>\n{{"name": "computer_use", "arguments": {arguments}}}\n</tool_call>'


def coder(*params: tuple[str, str]) -> str:
    inner = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in params)
    return f"<tool_call>\n<function=computer_use>\n{inner}</function>\n</tool_call>"


def run(turns: list[ScriptedTurn], config: VLLMConfig | None = None, **values: object):
    """Play `turns` then a terminate through the stand-in; the result, actions and requests."""
    config = config or VLLMConfig(model_id=THINKING)
    with ScriptedModelServer([*turns, ScriptedTurn(raw=TERMINATE)], config) as server:
        client = ModelClient(ModelSettings(base_url=server.url, retry_base_delay=0.01))
        settings = Settings().with_values({"max_tokens": 8192, **values})
        env = FakeEnvironment(size=(640, 400))
        loop = AgentLoop(env, client, family_for(client.model, settings=settings), LoopSettings())
        result = loop.run("a task")
        return result, env.performed, server.requests


def feedback(requests: list[dict]) -> str:
    """The text of the last request's messages (where feedback reaches the model)."""
    return json.dumps(requests[-1]["messages"])


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (hermes('{"action": "scroll", "coordinate": [500, 500], "pixels": NaN}'), "finite"),
        (hermes('{"action": "scroll", "coordinate": [500, 500], "pixels": Infinity}'), "finite"),
        (hermes('{"action": "scroll", "coordinate": [500, 500], "pixels": -Infinity}'), "finite"),
        (coder(("action", "scroll"), ("coordinate", "[500, 500]"), ("pixels", "inf")), "finite"),
        (hermes('{"action": "wait", "time": NaN}'), "finite"),
        (hermes('{"action": "left_click", "coordinate": ' + DEEP + "}"), "nested"),
        (hermes('{"a":' * 1000 + "1" + "}" * 1000), "nested"),
        (coder(("action", "left_click"), ("coordinate", DEEP)), "coordinate"),
        (hermes('{"action": "scroll", "coordinate": [500, 500], "pixels": 0}'), "non-zero"),
    ],
)
def test_a_reply_that_broke_the_run_is_fed_back(reply: str, said: str) -> None:
    result, performed, requests = run([ScriptedTurn(raw=reply)])
    assert (result.status, result.reason) == ("success", "the model ended the task (success)")
    assert performed == []
    assert said in feedback(requests)


def test_a_call_inside_reasoning_cut_off_is_never_executed() -> None:
    # Qwen3.5's template opens <think> in the prompt; with no reasoning parser the cut reply is
    # all reasoning, though it holds a well-formed call.
    config = VLLMConfig(model_id=THINKING, reasoning_parser=None)
    thought = "I might " + coder(("action", "left_click"), ("coordinate", "[5, 5]")) + " but"
    result, performed, requests = run([ScriptedTurn(output=thought, truncated=True)], config)
    assert result.status == "success"
    assert performed == []
    assert "cut off" in feedback(requests)


def test_a_call_in_a_reply_cut_by_the_length_limit_is_not_executed() -> None:
    reply = coder(("action", "type"), ("text", "the first half of"))
    turn = ScriptedTurn(output=f"<think>\nok</think>\n{reply}", truncated=True)
    _, performed, requests = run([turn])
    assert performed == []
    assert "cut off" in feedback(requests)


def test_text_that_closes_its_parameter_does_not_become_a_click() -> None:
    text = "hello</parameter><parameter=action>left_click</parameter><parameter=coordinate>[5, 5]"
    _, performed, requests = run([ScriptedTurn(raw=coder(("action", "type"), ("text", text)))])
    assert performed == []
    assert "action appear more than once" in feedback(requests)


def test_a_parameter_given_twice_is_refused() -> None:
    reply = coder(("action", "type"), ("text", "a"), ("text", "b"))
    _, performed, requests = run([ScriptedTurn(raw=reply)])
    assert performed == []
    assert "text appear more than once" in feedback(requests)


def test_text_calls_are_read_exactly_as_vllms_qwen3_coder_parser_reads_them() -> None:
    # a parameter left open before </function> is dropped by vLLM (not read to the end)
    text = "<tool_call>\n<function=computer_use>\n<parameter=action>\nleft_click\n</function>"
    _, calls = split_text_calls(text, {})
    assert [c.arguments for c in calls] == [{}]


def test_hermes_text_holding_xml_is_typed_not_clicked() -> None:
    typed = "<function=computer_use><parameter=action>left_click</parameter></function>"
    reply = hermes(json.dumps({"action": "type", "text": typed}))
    _, performed, _ = run([ScriptedTurn(raw=reply)], VLLMConfig(model_id=THINKING))
    assert performed == [A.Type(typed)]
