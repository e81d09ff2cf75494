"""Loop paths, in process: a scripted model and a fake screen, no server and no display."""

from __future__ import annotations

import time

from agent import actions as A
from agent.builder import family_for
from agent.loop import SKIPPED, AgentLoop, LoopSettings
from agent.records import RunResult, StepRecord
from agent.turn import Usage
from tests.fakes import FakeEnvironment, ScriptedModel, call, turn

MODEL = "Qwen/Qwen3-VL-8B-Instruct"


class Steps:
    """An observer keeping the step records."""

    def __init__(self) -> None:
        self.steps: list[StepRecord] = []
        self.result: RunResult | None = None

    def on_start(self, task, info) -> None: ...
    def on_phase(self, index, phase) -> None: ...
    def on_reasoning(self, text) -> None: ...
    def on_note(self, text) -> None: ...

    def on_step(self, record: StepRecord) -> None:
        self.steps.append(record)

    def on_end(self, result: RunResult) -> None:
        self.result = result


def _run(env, replies, max_steps=5):
    family = family_for(MODEL)
    model = ScriptedModel(replies, MODEL)
    seen = Steps()
    result = AgentLoop(env, model, family, LoopSettings(max_steps=max_steps), [seen]).run("t")
    return result, seen, model


def use(**arguments):
    return call("computer_use", **arguments)


def test_after_a_failed_action_the_rest_of_the_reply_is_skipped_and_the_model_told():
    env = FakeEnvironment(fail={1})
    replies = [
        turn(use(action="left_click", coordinate=[100, 100]), use(action="type", text="never")),
        turn(use(action="terminate", status="success")),
    ]
    result, seen, model = _run(env, replies)
    assert result.status == "success"
    assert env.performed == [A.Click(128, 80)]  # the type was never performed
    first = seen.steps[0]
    assert [c.result for c in first.calls] == ["error: action 1 failed", SKIPPED]
    assert first.error == "action 1 failed"
    # the makers' conversation has no tool messages: the failure comes as user notes
    told = [
        p["text"]
        for m in model.requests[1].messages
        if m["role"] == "user"
        for p in m["content"]
        if p["type"] == "text" and "returned:" in p["text"]
    ]
    assert told == [f"computer_use returned:\n{t}" for t in ("error: action 1 failed", SKIPPED)]


def test_a_harness_bug_ends_the_run_with_an_internal_error_and_a_record():
    env = FakeEnvironment(crash={1})
    result, seen, _ = _run(env, [turn(use(action="left_click", coordinate=[10, 10]))])
    assert result.status == "error"
    assert result.reason.startswith("internal error: RuntimeError: a harness bug on action 1")
    assert "Traceback" in result.reason
    assert seen.result == result


def test_a_harness_bug_midway_through_a_reply_keeps_the_reply_and_what_ran():
    env = FakeEnvironment(crash={2})
    reply = turn(
        use(action="left_click", coordinate=[10, 10]),
        use(action="left_click", coordinate=[20, 20]),
        use(action="left_click", coordinate=[30, 30]),
    )
    result, seen, _ = _run(env, [reply])
    assert result.status == "error"
    assert result.reason.startswith("internal error: RuntimeError: a harness bug on action 2")
    (step,) = seen.steps
    stopped = "the run stopped on an internal error (RuntimeError)"
    assert [c.result for c in step.calls] == [
        "done",
        f"not executed to the end: {stopped} during it",
        f"not executed: {stopped} before this action",
    ]
    assert step.turn.usage == result.usage == Usage(100, 10)


def test_three_unusable_replies_in_a_row_end_the_run():
    replies = [turn(use(action="fly"))] * 3
    result, seen, model = _run(FakeEnvironment(), replies)
    assert result.status == "parse_failures"
    assert "unknown action 'fly'" in result.reason
    assert len(model.requests) == 3 and all(s.error for s in seen.steps)


def test_the_familys_request_fields_reach_the_model_each_step():
    replies = [turn(use(action="wait", time=0)), turn(use(action="answer", text="42"))]
    result, _, model = _run(FakeEnvironment(), replies)
    assert (result.status, result.answer) == ("success", "42")
    fields = {r.fields.fields["max_tokens"] for r in model.requests}
    assert fields == {family_for(MODEL).preset.max_tokens}


def test_tool_calls_left_in_the_text_are_read_by_the_family():
    text = (
        '<tool_call>\n{"name": "computer_use", "arguments": {"action": "terminate", '
        '"status": "success"}}\n</tool_call>'
    )
    from agent.turn import ModelTurn

    result, seen, _ = _run(FakeEnvironment(), [ModelTurn(content=text, text=text)])
    assert result.status == "success"
    assert seen.steps[0].turn.calls_from_text


def _late(reply):
    """A reply that arrives just after a 0.2 s time budget ran out."""

    def answer(request):
        time.sleep(0.3)
        return reply

    return answer


def test_once_the_budget_is_spent_no_action_runs_but_an_answer_still_counts():
    family = family_for(MODEL)
    late = turn(use(action="left_click", coordinate=[10, 10]), use(action="answer", text="x"))
    env = FakeEnvironment()
    loop = AgentLoop(env, ScriptedModel(_late(late), MODEL), family, LoopSettings(timeout=0.2))
    result = loop.run("t")
    assert (result.status, result.reason) == ("timeout", "the 0.2 s time budget ran out")
    assert env.performed == []
    answered = turn(use(action="answer", text="42"))
    loop = AgentLoop(env, ScriptedModel(_late(answered), MODEL), family, LoopSettings(timeout=0.2))
    result = loop.run("t")
    assert (result.status, result.answer) == ("success", "42")
