from agent.builder import family_for
from agent.families.qwen.toolcall_text import split_text_calls
from agent.settings import Settings

STRUCTURED = Settings().with_values({"response_format": "tool_call"})
SCHEMAS = {
    t["function"]["name"]: t["function"]["parameters"]
    for t in family_for("Qwen/Qwen3-VL-8B-Instruct", settings=STRUCTURED).tools((1280, 800))
}


def test_hermes_json_calls_are_found_after_the_text():
    text = (
        "Thought: the button is at the top.\nAction: click it.\n"
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [447, 81]}}\n</tool_call>\n'
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "type", "text": "hi"}}\n'
        "</tool_call>"
    )
    content, calls = split_text_calls(text, SCHEMAS)
    assert content == "Thought: the button is at the top.\nAction: click it."
    assert [c.arguments for c in calls] == [
        {"action": "left_click", "coordinate": [447, 81]},
        {"action": "type", "text": "hi"},
    ]
    assert all(c.name == "computer_use" and c.error is None and c.id for c in calls)


def test_qwen3_coder_xml_values_follow_the_schema_types():
    text = (
        "<tool_call>\n<function=computer_use>\n<parameter=action>\nleft_click_drag\n"
        "</parameter>\n<parameter=coordinate>\n[447, 81]\n</parameter>\n"
        "<parameter=text>\n123\n</parameter>\n</function>\n</tool_call>"
    )
    content, calls = split_text_calls(text, SCHEMAS)
    assert content == ""
    assert calls[0].arguments == {
        "action": "left_click_drag",
        "coordinate": [447, 81],
        "text": "123",
    }


def test_a_call_without_closing_tags_is_still_read():
    _, calls = split_text_calls(
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "wait", "time": 2}}', SCHEMAS
    )
    assert calls[0].arguments == {"action": "wait", "time": 2}


def test_broken_json_becomes_a_call_with_an_error_not_an_exception():
    _, calls = split_text_calls(
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", '
        '"coordinate": [1, 2}\n</tool_call>',
        SCHEMAS,
    )
    assert calls[0].arguments is None
    assert "not valid JSON" in (calls[0].error or "")


def test_text_without_calls_is_left_alone():
    assert split_text_calls("I am done thinking.", SCHEMAS) == ("I am done thinking.", [])
