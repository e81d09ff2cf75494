"""The scripted vLLM stand-in answers over real HTTP as vLLM does, in every configuration."""

from __future__ import annotations

import base64
import http.client
import io
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import openai
import pytest
from PIL import Image

from agent.scripted import (
    ScriptedCall,
    ScriptedModelServer,
    ScriptedTurn,
    VLLMConfig,
    load_script,
)

MODEL = VLLMConfig().model_id
ROOT = Path(__file__).resolve().parents[3]

CLICK = {"action": "left_click", "coordinate": [447, 81]}
TYPE = {"action": "type", "text": 'héllo "world"'}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "computer_use",
            "description": "Use a mouse and keyboard. The screen's resolution is 1280x800.",
            "parameters": {
                "type": "object",
                "properties": {
                    "action": {"type": "string"},
                    "coordinate": {"type": "array"},
                    "text": {"type": "string"},
                    "time": {"type": "number"},
                },
                "required": ["action"],
            },
        },
    }
]
USER = [{"role": "user", "content": "Open the settings."}]
QWEN35 = {"tool_parser": "qwen3_coder", "model_format": "qwen3_coder", "think_open_tag": False}


def click_turn(**fields: Any) -> ScriptedTurn:
    base = {
        "reasoning": "The gear icon is top left.",
        "content": "Thought: click it",
        "calls": (ScriptedCall("computer_use", CLICK),),
    }
    return ScriptedTurn(**{**base, **fields})


def client(server: ScriptedModelServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=5)


def ask(server: ScriptedModelServer, **kwargs: Any) -> Any:
    with client(server) as openai_client:
        return openai_client.chat.completions.create(
            model=MODEL, messages=kwargs.pop("messages", USER), **kwargs
        )


def ask_streamed(server: ScriptedModelServer, **kwargs: Any) -> dict[str, Any]:
    with client(server) as openai_client:
        stream = openai_client.chat.completions.create(
            model=MODEL, messages=kwargs.pop("messages", USER), stream=True, **kwargs
        )
        return collect(stream)


def extra(message: Any, name: str) -> Any:
    return (message.model_extra or {}).get(name, getattr(message, name, None))


def post(server: ScriptedModelServer, body: dict[str, Any]) -> tuple[int, dict, Any]:
    """Raw POST /v1/chat/completions: status, headers, parsed JSON body."""
    request = urllib.request.Request(
        server.url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.loads(error.read())


def png_data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def screenshot_message(*sizes: tuple[int, int]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": "What now?"}]
    parts += [{"type": "image_url", "image_url": {"url": png_data_url(*s)}} for s in sizes]
    return [{"role": "user", "content": parts}]


def collect(stream: Any) -> dict[str, Any]:
    """Reassemble a streamed answer from its deltas, keeping the raw chunks."""
    out: dict[str, Any] = {"chunks": [], "reasoning": "", "content": "", "calls": {}}
    for chunk in stream:
        out["chunks"].append(chunk)
        for choice in chunk.choices:
            delta = choice.delta
            out["reasoning"] += extra(delta, "reasoning") or extra(delta, "reasoning_content") or ""
            out["content"] += delta.content or ""
            for call in delta.tool_calls or ():
                slot = out["calls"].setdefault(call.index, {"id": None, "name": "", "args": ""})
                slot["id"] = slot["id"] or call.id
                slot["name"] += (call.function and call.function.name) or ""
                slot["args"] += (call.function and call.function.arguments) or ""
            out["finish"] = choice.finish_reason or out.get("finish")
    return out


@pytest.fixture(autouse=True)
def no_server_threads_left() -> Any:
    yield
    leftover = [t for t in threading.enumerate() if t.name.startswith("scripted-vllm")]
    assert leftover == []


# ---- model list, routes, errors -----------------------------------------------------------


def test_model_list_has_vllm_shape_and_unknown_paths_404() -> None:
    with ScriptedModelServer([], VLLMConfig(max_model_len=4096)) as server:
        with urllib.request.urlopen(server.url + "/models", timeout=5) as response:
            body = json.loads(response.read())
        assert body["object"] == "list"
        (card,) = body["data"]
        assert card["id"] == MODEL and card["object"] == "model" and card["owned_by"] == "vllm"
        assert card["root"] == MODEL and card["parent"] is None and card["max_model_len"] == 4096
        with client(server) as openai_client:
            assert [m.id for m in openai_client.models.list().data] == [MODEL]
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.url + "/nowhere", timeout=5)
        with info.value:
            assert info.value.code == 404
            assert json.loads(info.value.read()) == {"detail": "Not Found"}


def test_unknown_model_gets_vllm_404() -> None:
    with ScriptedModelServer([ScriptedTurn(content="hi")]) as server:
        status, _, body = post(server, {"model": "gpt-4o", "messages": USER})
        assert status == 404
        assert body == {
            "error": {
                "message": "The model `gpt-4o` does not exist.",
                "type": "NotFoundError",
                "param": "model",
                "code": 404,
            }
        }
        assert post(server, {"messages": USER})[0] == 200  # no "model" is accepted


# ---- reasoning ----------------------------------------------------------------------------


def test_reasoning_in_the_reasoning_field() -> None:
    with ScriptedModelServer([ScriptedTurn(reasoning="Look first.", content="Done.")]) as server:
        message = ask(server).choices[0].message
    # vLLM's qwen3 parser splits at </think> without trimming the template's newlines.
    assert extra(message, "reasoning") == "\nLook first.\n"
    assert message.content == "\n\nDone."
    assert "reasoning_content" not in (message.model_extra or {})


def test_reasoning_in_reasoning_content_for_older_vllm() -> None:
    config = VLLMConfig(reasoning_parser="reasoning_content")
    with ScriptedModelServer([ScriptedTurn(reasoning="Look first.", content="Done.")], config) as s:
        message = ask(s).choices[0].message
    assert extra(message, "reasoning_content") == "\nLook first.\n"
    assert "reasoning" not in (message.model_extra or {})


@pytest.mark.parametrize(
    ("open_tag", "expected"),
    [(True, "<think>\nLook first.\n</think>\n\nDone."), (False, "Look first.\n</think>\n\nDone.")],
)
def test_without_reasoning_parser_the_think_block_stays_in_content(
    open_tag: bool, expected: str
) -> None:
    config = VLLMConfig(reasoning_parser=None, think_open_tag=open_tag)
    with ScriptedModelServer([ScriptedTurn(reasoning="Look first.", content="Done.")], config) as s:
        message = ask(s).choices[0].message
    assert message.content == expected
    assert extra(message, "reasoning") is None


def test_thinking_off_drops_the_reasoning() -> None:
    for parser in ("reasoning", None):
        config = VLLMConfig(reasoning_parser=parser)
        with ScriptedModelServer([ScriptedTurn(reasoning="Hmm.", content="Done.")], config) as s:
            off = {"chat_template_kwargs": {"enable_thinking": False}}
            message = ask(s, extra_body=off).choices[0].message
        assert message.content == "Done." and extra(message, "reasoning") is None


def test_truncated_turn_is_all_reasoning_with_finish_length() -> None:
    turns = [click_turn(truncated=True), click_turn(reasoning="x" * 400)]
    with ScriptedModelServer(turns) as server:
        cut = ask(server, tools=TOOLS).choices[0]
        short = ask(server, tools=TOOLS, max_tokens=10).choices[0]
    assert cut.finish_reason == "length" and cut.message.content is None
    assert not cut.message.tool_calls
    assert extra(cut.message, "reasoning") == "\nThe gear icon is top left."
    assert short.finish_reason == "length" and short.message.content is None
    assert not short.message.tool_calls
    # 10 tokens of 4 characters: "<think>\n" and 32 x; the parser drops "<think>".
    assert extra(short.message, "reasoning") == "\n" + "x" * 32


# ---- tool calls ---------------------------------------------------------------------------


def test_hermes_parser_gives_structured_calls() -> None:
    turn = click_turn(
        calls=(ScriptedCall("computer_use", CLICK), ScriptedCall("computer_use", TYPE))
    )
    with ScriptedModelServer([turn]) as server:
        choice = ask(server, tools=TOOLS).choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "\n\nThought: click it\n"  # text before the first call
    first, second = choice.message.tool_calls
    assert first.id.startswith("chatcmpl-tool-") and first.type == "function"
    assert first.function.name == "computer_use"
    assert json.loads(first.function.arguments) == CLICK
    assert json.loads(second.function.arguments) == TYPE
    assert "héllo" in second.function.arguments  # ensure_ascii=False, as vLLM


def test_qwen3_coder_parser_converts_values_by_the_tool_schema() -> None:
    arguments = {"action": "wait", "time": 2, "coordinate": [10, 20], "undeclared": 5}
    turn = ScriptedTurn(calls=(ScriptedCall("computer_use", arguments),))
    with ScriptedModelServer([turn], VLLMConfig(**QWEN35)) as server:
        choice = ask(server, tools=TOOLS).choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    # Parameters the schema does not declare come back as strings, as from vLLM.
    assert json.loads(call.function.arguments) == {**arguments, "undeclared": "5"}


HERMES_TEXT = (
    "Thought: click it\n<tool_call>\n"
    '{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [447, 81]}}'
    "\n</tool_call>"
)
XML_TEXT = (
    "Thought: click it\n<tool_call>\n<function=computer_use>\n"
    "<parameter=action>\nleft_click\n</parameter>\n"
    "<parameter=coordinate>\n[447, 81]\n</parameter>\n</function>\n</tool_call>"
)


@pytest.mark.parametrize(
    ("model_format", "text"), [("hermes", HERMES_TEXT), ("qwen3_coder", XML_TEXT)]
)
def test_without_tool_parser_calls_stay_text(model_format: str, text: str) -> None:
    config = VLLMConfig(tool_parser=None, model_format=model_format)  # type: ignore[arg-type]
    with ScriptedModelServer([click_turn(), click_turn()], config) as server:
        no_tools = ask(server).choices[0]
        choice_none = ask(server, tools=TOOLS, tool_choice="none").choices[0]
        with pytest.raises(openai.BadRequestError) as info:
            ask(server, tools=TOOLS)  # tool_choice defaults to "auto"
    for choice in (no_tools, choice_none):
        assert choice.message.content == "\n\n" + text
        assert not choice.message.tool_calls and choice.finish_reason == "stop"
    assert info.value.status_code == 400
    assert info.value.body["message"] == (
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
    )
    assert info.value.body["type"] == "BadRequestError" and info.value.body["code"] == 400


def test_xml_calls_under_the_hermes_parser_stay_in_content() -> None:
    config = VLLMConfig(tool_parser="hermes", model_format="qwen3_coder")
    with ScriptedModelServer([click_turn()], config) as server:
        choice = ask(server, tools=TOOLS).choices[0]
    assert "<tool_call>\n<function=computer_use>" in choice.message.content
    assert not choice.message.tool_calls and choice.finish_reason == "stop"


def test_hermes_calls_under_the_qwen3_coder_parser_are_swallowed() -> None:
    config = VLLMConfig(tool_parser="qwen3_coder", model_format="hermes")
    with ScriptedModelServer([click_turn()], config) as server:
        choice = ask(server, tools=TOOLS).choices[0]
    # vLLM 0.33 keeps the text before the call and drops the call: no trace of it anywhere.
    assert choice.message.content == "\n\nThought: click it\n"
    assert not choice.message.tool_calls and choice.finish_reason == "stop"


def test_malformed_hermes_json_stays_content_but_streams_as_a_call() -> None:
    turn = ScriptedTurn(calls=(ScriptedCall("computer_use", '{"action": "left_click", '),))
    with ScriptedModelServer([turn, turn]) as server:
        choice = ask(server, tools=TOOLS).choices[0]
        streamed = ask_streamed(server, tools=TOOLS)
    assert not choice.message.tool_calls and choice.finish_reason == "stop"
    assert choice.message.content.startswith('\n\n<tool_call>\n{"name": "computer_use"')
    # vLLM's streaming hermes parser cuts the argument text out without checking the JSON.
    assert streamed["calls"][0]["args"].startswith('{"action": "left_click",')
    assert streamed["finish"] == "tool_calls"


def test_required_tool_choice_and_named_function() -> None:
    named = {"type": "function", "function": {"name": "computer_use"}}
    with ScriptedModelServer([click_turn(reasoning=""), click_turn(reasoning="")]) as server:
        required = ask(server, tools=TOOLS, tool_choice="required").choices[0]
        chosen = ask(server, tools=TOOLS, tool_choice=named).choices[0]
    assert required.finish_reason == "tool_calls" and required.message.content == ""
    assert json.loads(required.message.tool_calls[0].function.arguments) == CLICK
    assert chosen.finish_reason == "stop"
    assert json.loads(chosen.message.tool_calls[0].function.arguments) == CLICK


# ---- streaming ----------------------------------------------------------------------------


def test_streaming_reassembles_to_the_non_streamed_answer() -> None:
    turn = click_turn(
        calls=(ScriptedCall("computer_use", CLICK), ScriptedCall("computer_use", TYPE))
    )
    with ScriptedModelServer([turn, turn]) as server:
        full = ask(server, tools=TOOLS).choices[0]
        streamed = ask_streamed(server, tools=TOOLS)
    first = streamed["chunks"][0].choices[0]
    assert first.delta.role == "assistant" and first.delta.content == ""
    assert streamed["reasoning"] == extra(full.message, "reasoning")
    assert streamed["content"] == full.message.content
    assert streamed["finish"] == full.finish_reason == "tool_calls"
    assert [json.loads(c["args"]) for c in streamed["calls"].values()] == [CLICK, TYPE]
    assert all(c["id"].startswith("chatcmpl-tool-") for c in streamed["calls"].values())
    call_deltas = [
        call
        for chunk in streamed["chunks"]
        for c in chunk.choices
        for call in c.delta.tool_calls or ()
    ]
    heads = [d for d in call_deltas if d.id]
    assert [h.function.name for h in heads] == ["computer_use", "computer_use"]
    assert all(h.type == "function" for h in heads)
    assert all(d.id is None and d.function.name is None for d in call_deltas if d not in heads)


def test_qwen3_coder_streams_a_header_then_json_fragments() -> None:
    with ScriptedModelServer([click_turn()], VLLMConfig(**QWEN35)) as server:
        streamed = ask_streamed(server, tools=TOOLS)
    (call,) = streamed["calls"].values()
    assert call["id"].startswith("call_") and call["name"] == "computer_use"
    assert json.loads(call["args"]) == CLICK
    assert streamed["reasoning"] == "The gear icon is top left.\n"
    assert streamed["finish"] == "tool_calls"


def test_streaming_sse_framing_and_usage_chunk() -> None:
    body = {"model": MODEL, "messages": USER, "stream": True}
    body["stream_options"] = {"include_usage": True}
    with ScriptedModelServer([ScriptedTurn(content="Done.")]) as server:
        host, port = server.url.split("//")[1].split("/")[0].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("POST", "/v1/chat/completions", json.dumps(body))
        response = connection.getresponse()
        raw = response.read().decode()
        connection.close()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    events = raw.split("\n\n")
    assert events[-1] == "" and events[-2] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert all(e.startswith("data: {") for e in events[:-2])
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["id"].startswith("chatcmpl-")
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    # "<think>\n\n</think>\n\nDone." is 24 characters: 6 tokens at 4 characters a token
    assert chunks[-1]["usage"]["completion_tokens"] == 6
    usage = chunks[-1]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


# ---- requests: images, usage, limits ------------------------------------------------------


def test_usage_counts_image_tokens() -> None:
    with ScriptedModelServer([ScriptedTurn(content="ok"), ScriptedTurn(content="ok")]) as server:
        text_only = ask(server, messages=[{"role": "user", "content": "What now?"}]).usage
        with_image = ask(server, messages=screenshot_message((1280, 800))).usage
    # 40 x 25 patches of 32 px, plus the vision start and end tokens
    assert with_image.prompt_tokens - text_only.prompt_tokens == 1002


def test_too_many_images_gets_vllm_400() -> None:
    with ScriptedModelServer([ScriptedTurn(content="ok")], VLLMConfig(max_images=1)) as server:
        status, _, body = post(server, {"messages": screenshot_message((64, 64), (64, 64))})
        assert status == 400
        assert body["error"] == {
            "message": "At most 1 image(s) may be provided in one prompt. (parameter=image)",
            "type": "BadRequestError",
            "param": "image",
            "code": 400,
        }
        assert (
            ask(server, messages=screenshot_message((64, 64))).choices[0].message.content
            == "\n\nok"
        )


def test_prompt_over_max_model_len_gets_vllm_400() -> None:
    with ScriptedModelServer([], VLLMConfig(max_model_len=100)) as server:
        status, _, body = post(server, {"messages": [{"role": "user", "content": "x" * 800}]})
    assert status == 400
    assert body["error"]["message"].startswith("This model's maximum context length is 100 tokens")


# ---- faults, request log, script --------------------------------------------------------


def test_500_and_429_faults_do_not_consume_replies() -> None:
    turns = [ScriptedTurn(content="first"), ScriptedTurn(content="second")]
    with ScriptedModelServer(turns, faults={0: "500", 1: "429", 3: "429"}) as server:
        with pytest.raises(openai.InternalServerError) as error_500:
            ask(server)
        with pytest.raises(openai.RateLimitError) as error_429:
            ask(server)
        assert ask(server).choices[0].message.content == "\n\nfirst"
        status, headers, body = post(server, {"messages": USER})
        assert ask(server).choices[0].message.content == "\n\nsecond"
        assert len(server.requests) == 5 and server.replies_served == 2
    assert error_500.value.status_code == 500
    assert error_500.value.body["type"] == "InternalServerError"
    assert error_429.value.status_code == 429
    assert status == 429 and headers["Retry-After"] == "0"
    assert (
        set(body["error"]) == {"message", "type", "param", "code"} and body["error"]["code"] == 429
    )


def test_dropped_connections_raise_connection_errors() -> None:
    faults = {0: "drop", 1: "drop_mid_stream", 2: "drop_mid_stream"}
    with ScriptedModelServer([ScriptedTurn(content="after")], faults=faults) as server:
        with pytest.raises(openai.APIConnectionError):
            ask(server)
        with pytest.raises(openai.APIConnectionError):
            ask_streamed(server)
        with pytest.raises(openai.APIConnectionError):
            ask(server)
        assert ask(server).choices[0].message.content == "\n\nafter"


def test_slow_fault_delays_then_answers() -> None:
    with ScriptedModelServer([ScriptedTurn(content="late")], faults={0: "slow:0.3"}) as server:
        started = time.monotonic()
        assert ask(server).choices[0].message.content == "\n\nlate"
        assert time.monotonic() - started >= 0.3


def test_close_does_not_wait_for_a_slow_fault() -> None:
    server = ScriptedModelServer([ScriptedTurn(content="late")], faults={0: "slow:30"})
    errors: list[Exception] = []

    def call() -> None:
        try:
            ask(server)
        except openai.APIError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not server.requests:
        time.sleep(0.01)
    started = time.monotonic()
    server.close()
    caller.join(timeout=5)
    assert time.monotonic() - started < 2 and not caller.is_alive()
    assert len(errors) == 1  # the waiting client sees its connection end


def test_running_out_of_script_is_a_clear_500() -> None:
    with ScriptedModelServer([ScriptedTurn(content="only")]) as server:
        ask(server)
        status, _, body = post(server, {"messages": USER})
    assert status == 500 and "ran out of replies" in body["error"]["message"]


def test_callable_replies_see_the_request() -> None:
    def reply(request: dict[str, Any]) -> ScriptedTurn:
        (image,) = [p for p in request["messages"][-1]["content"] if p["type"] == "image_url"]
        header = base64.b64decode(image["image_url"]["url"].partition(",")[2])
        width, height = Image.open(io.BytesIO(header)).size
        action = {"action": "left_click", "coordinate": [width // 2, height // 2]}
        return ScriptedTurn(calls=(ScriptedCall("computer_use", action),))

    with ScriptedModelServer(reply) as server:
        choice = ask(server, messages=screenshot_message((200, 100)), tools=TOOLS).choices[0]
    arguments = json.loads(choice.message.tool_calls[0].function.arguments)
    assert arguments["coordinate"] == [100, 50]


def test_request_log_keeps_bodies_in_order() -> None:
    turns = [ScriptedTurn(content="a"), ScriptedTurn(content="b")]
    with ScriptedModelServer(turns, faults={1: "500"}) as server:
        ask(server, messages=[{"role": "user", "content": "one"}])
        with pytest.raises(openai.InternalServerError):
            ask(server, messages=[{"role": "user", "content": "two"}])
        ask(server, messages=[{"role": "user", "content": "three"}], temperature=0.6)
        log = server.requests
    assert [r["messages"][0]["content"] for r in log] == ["one", "two", "three"]
    assert log[2]["temperature"] == 0.6 and log[2]["model"] == MODEL


def test_close_ends_all_threads_even_with_open_keep_alive_connections() -> None:
    before = threading.active_count()
    server = ScriptedModelServer([ScriptedTurn(content="hi")])
    kept_open = client(server)
    kept_open.chat.completions.create(model=MODEL, messages=USER)  # keeps a pooled connection
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 2
    assert threading.active_count() == before, threading.enumerate()
    server.close()  # idempotent
    kept_open.close()


def test_command_line_serves_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    turn = {
        "reasoning": "Hm.",
        "content": "",
        "calls": [{"name": "computer_use", "arguments": CLICK}],
    }
    script.write_text(json.dumps([turn]))
    assert load_script(script) == [
        ScriptedTurn(reasoning="Hm.", calls=(ScriptedCall("computer_use", CLICK),))
    ]
    command = [
        sys.executable,
        "-m",
        "agent.scripted",
        "--script",
        str(script),
        "--port",
        "0",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        with openai.OpenAI(base_url=url, api_key="x", max_retries=0, timeout=5) as answer:
            reply = answer.chat.completions.create(model=MODEL, messages=USER, tools=TOOLS)
        assert json.loads(reply.choices[0].message.tool_calls[0].function.arguments) == CLICK
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
