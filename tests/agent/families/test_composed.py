"""The composed family: the planner's words become actions, the grounding model is asked where
each target is, and both models are recorded with the step."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from agent import actions as A
from agent.families.base import NO_FIELDS, RequestFields
from agent.turn import ModelTurn
from tests.agent.families.helpers import actions, family, parse, screen


@dataclass
class Grounder:
    """A grounding model stand-in: answers each request with the next scripted reply."""

    model: str
    replies: list[str]
    requests: list[list[dict[str, Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def complete(self, messages, tools=None, fields: RequestFields = NO_FIELDS, on_reasoning=None):
        self.requests.append(messages)
        return ModelTurn(text=self.replies.pop(0), content="")


def _composed(grounder: Grounder, environment: str = "desktop"):
    return family("composed", "Qwen/Qwen3.5-27B", environment, grounding=grounder)


def test_a_click_is_grounded_on_the_qwen3_vl_grid_and_recorded():
    grounder = Grounder("Qwen/Qwen3-VL-8B-Instruct", ["(500, 250)"])
    composed = _composed(grounder)
    reply = "Thought: Save the file.\nAction: click\nTarget: the Save button in the toolbar"
    result = parse(composed, reply, screen(1280, 800))
    assert actions(result) == [A.Click(640, 200)]
    (request,) = grounder.requests
    text = request[0]["content"][1]["text"]
    assert "the Save button in the toolbar" in text
    record = result.calls[0].call.arguments
    assert record["plan"] == "Action: click\nTarget: the Save button in the toolbar"
    assert record["grounding"][0]["model"] == "Qwen/Qwen3-VL-8B-Instruct"
    assert record["grounding"][0]["point"] == [640, 200] and record["grounding"][0]["reply"]


def test_ui_tars_grounds_with_its_own_prompt_and_grid():
    grounder = Grounder("ByteDance-Seed/UI-TARS-1.5-7B", ["Action: click(start_box='(644,406)')"])
    composed = _composed(grounder)
    result = parse(composed, "Action: double_click\nTarget: the report.txt icon", screen())
    assert actions(result) == [A.Click(640, 400, "left", 2)]
    first = grounder.requests[0][0]["content"]
    assert first.startswith("You are a GUI agent.") and first.endswith("the report.txt icon")


def test_a_drag_asks_for_both_ends_and_words_need_no_grounder():
    grounder = Grounder("Hcompany/Holo1.5-7B", ["Click(100, 100)", "Click(300, 200)"])
    composed = _composed(grounder)
    drag = "Action: drag\nTarget: the slider knob\nTo: the right end of the slider"
    assert actions(parse(composed, drag, screen(1288, 812))) == [A.Drag(100, 100, 300, 200)]
    typed = "Action: type\nText: hello\\n"
    assert actions(parse(composed, typed)) == [A.Type("hello"), A.Key(("enter",))]
    assert actions(parse(composed, "Action: key\nKeys: ctrl+s")) == [A.Key(("ctrl", "s"))]
    answer = "Action: answer\nText: 42"
    assert actions(parse(composed, answer)) == [A.Answer("42")]
    assert len(grounder.requests) == 2


def test_phone_steps():
    grounder = Grounder("Qwen/Qwen3-VL-8B-Instruct", ["[500, 500]"])
    composed = _composed(grounder, "android")
    observation = screen(1080, 2400)
    tapped = parse(composed, "Action: tap\nTarget: the Wi-Fi switch", observation)
    assert actions(tapped) == [A.Click(540, 1200)]
    back = parse(composed, "Action: back", observation)
    assert actions(back) == [A.SystemButton("back")]


@pytest.mark.parametrize(
    ("reply", "answers", "error"),
    [
        ("I think I should click Save.", [], "no `Action:` line"),
        ("Action: click", [], "needs a `Target:` line"),
        ("Action: fly\nTarget: x", [], "unknown action 'fly'"),
        ("Action: drag\nTarget: a", [], "needs a `To:` line"),
        ("Action: click\nTarget: the moon", ["I cannot see it"], "did not answer a point"),
        ("Action: click\nTarget: x", ["(5000, 5000)"], "off the screen"),
        ("Action: terminate\nStatus: maybe", [], "Status: success"),
        ("Action: scroll\nTarget: the list", ["(1, 1)"], "Direction"),
    ],
)
def test_what_cannot_be_done_is_fed_back_to_the_planner(reply, answers, error):
    composed = _composed(Grounder("Qwen/Qwen3-VL-8B-Instruct", answers))
    result = parse(composed, reply)
    assert result.calls == () and error in result.error


def test_without_a_grounding_model_the_family_says_how_to_give_one():
    with pytest.raises(ValueError, match="--grounding-url"):
        family("composed", "Qwen/Qwen3.5-27B")


def test_the_planner_thinking_switch_and_the_wire_format():
    composed = _composed(Grounder("Qwen/Qwen3-VL-8B-Instruct", ["(500, 500)"]))
    assert composed.request_fields().extra_body["chat_template_kwargs"] == {
        "enable_thinking": False
    }
    wire = composed.wire(A.Click(640, 400), (1280, 800)).content
    assert "Action: click\nTarget: the point (640, 400) of the screen" in wire
