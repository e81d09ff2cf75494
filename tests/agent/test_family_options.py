"""`--family-option NAME=VALUE`: each option of a family changes what the model is sent (seen by
the stand-in server), a bad one is refused with the allowed values before anything starts,
the run records the values and `--resume` takes them back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent import actions as A
from agent.builder import family_for
from agent.families.common import prompt
from agent.scripted import ScriptedModelServer, ScriptedTurn, VLLMConfig
from agent.settings import FamilyConfig, Settings
from tests.agent.test_cli import agent, run_dir_of
from tests.servers import model_requests

UITARS = "ByteDance-Seed/UI-TARS-1.5-7B"
OPENCUA = "xlangai/OpenCUA-7B"
L3 = prompt("agent.families.opencua", "system_l3.txt")


def _says(model_id: str, action: A.Action) -> str:
    """The reply a model of the family writes for `action` (the oracle's wire format)."""
    return family_for(model_id).wire(action, (1280, 800)).content


TERMINATE = {model: _says(model, A.Terminate("success")) for model in (UITARS, OPENCUA)}


def _server(model_id: str, replies: list[str]) -> ScriptedModelServer:
    config = VLLMConfig(model_id=model_id, reasoning_parser=None, tool_parser=None)
    return ScriptedModelServer([ScriptedTurn(raw=r) for r in replies], config)


def _run(tmp_path: Path, url: str, *flags: str) -> tuple[int, str]:
    process = agent("run", "close the window", "--model-url", url, "--out", str(tmp_path), *flags)
    _, err = process.communicate(timeout=90)
    return process.returncode, err


def _text(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False)


@pytest.mark.parametrize(
    ("model_id", "option", "sent"),
    [
        (OPENCUA, "level=l3", lambda m: m[0]["content"] == L3),
        (UITARS, "language=Chinese", lambda m: "Use Chinese in `Thought` part." in _text(m)),
    ],
    ids=["opencua-level", "ui-tars-language"],
)
def test_an_option_changes_the_prompt_the_model_is_sent(tmp_path, model_id, option, sent):
    with _server(model_id, [TERMINATE[model_id]]) as server:
        code, err = _run(tmp_path, server.url, "--family-option", option)
        (request,) = model_requests(server)
    assert code == 0, err
    assert sent(request["messages"]), request["messages"]
    header = json.loads((run_dir_of(err) / "run.json").read_text())
    name, value = option.split("=")
    assert header["family_options"] == {name: value}


def test_the_grounder_option_changes_what_the_grounding_model_is_sent(tmp_path):
    planner = ["Action: click\nTarget: the panel's clock", "Action: terminate\nStatus: success"]
    # The grounding model's id says Qwen3-VL; the option says it answers as UI-TARS does.
    grounding = ["Thought: there.\nAction: click(start_box='(300,200)')"]
    with (
        _server("Qwen/Qwen3.5-27B", planner) as plan,
        _server("Qwen/Qwen3-VL-8B-Instruct", grounding) as ground,
    ):
        flags = ["--family", "composed", "--grounding-url", ground.url]
        code, err = _run(tmp_path, plan.url, *flags, "--family-option", "grounder=ui-tars")
        (asked,) = model_requests(ground)
    assert code == 0, err
    assert "click(start_box='<|box_start|>(x1,y1)<|box_end|>')" in _text(asked["messages"])
    assert "Answer with the point at its centre only" not in _text(asked["messages"])
    run_dir = run_dir_of(err)
    header = json.loads((run_dir / "run.json").read_text())
    assert header["protocol"].endswith("+ui-tars")
    assert header["family_options"] == {"grounder": "ui-tars"}
    click = json.loads((run_dir / "trajectory.jsonl").read_text().splitlines()[0])
    assert click["actions"][0]["action"]["kind"] == "click"


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ("level=l9", "the opencua family's option level takes l1, l2, l3, not 'l9'"),
        ("language=Chinese", "the opencua family has no option 'language'; its options: level"),
    ],
)
def test_a_bad_option_is_refused_naming_what_is_allowed(tmp_path, option, error):
    with _server(OPENCUA, [TERMINATE[OPENCUA]]) as server:
        code, err = _run(tmp_path, server.url, "--family-option", option)
        assert model_requests(server) == []
    assert code == 1
    assert error in err, err
    assert not list(tmp_path.iterdir())  # nothing started, nothing recorded


def test_a_resumed_run_keeps_its_options(tmp_path):
    first = [_says(UITARS, A.Wait(1.0))]
    with _server(UITARS, first) as server:
        flags = ["--family-option", "language=Chinese", "--max-steps", "1"]
        _, err = _run(tmp_path, server.url, *flags)
    run_dir = run_dir_of(err)
    assert json.loads((run_dir / "result.json").read_text())["status"] != "success", err
    with _server(UITARS, [TERMINATE[UITARS]]) as server:
        process = agent("run", "--resume", str(run_dir), "--model-url", server.url)
        _, err = process.communicate(timeout=90)
        (request,) = model_requests(server)
    assert process.returncode == 0, err
    assert "Use Chinese in `Thought` part." in _text(request["messages"])
    header = json.loads((run_dir / "run.json").read_text())
    assert header["family_options"] == {"language": "Chinese"}


def _family(model_id: str, environment, *options: str):
    config = FamilyConfig(response_format="tool_call", family_option=options)
    settings = Settings(family=config)
    return family_for(model_id, environment, settings)


def test_gui_owl_on_a_phone_is_told_the_date_given():
    owl = _family("mPLUG/GUI-Owl-1.5-8B-Instruct", "android", "date=2026-02-03")
    messages = owl.render([owl.first_entry("open settings", _image())])
    assert "Today's date is: 2026-02-03 Tuesday." in _text(messages)
    assert owl.info()["family_options"] == {"date": "2026-02-03"}


def test_qwen_on_a_phone_offers_the_action_set_given():
    qwen = _family("Qwen/Qwen3-VL-8B-Instruct", "android", "mobile-actions=notebook")
    (tool,) = qwen.tools((1080, 2400))
    assert "open" not in tool["function"]["parameters"]["properties"]["action"]["enum"]
    default = _family("Qwen/Qwen3-VL-8B-Instruct", "android")
    (tool,) = default.tools((1080, 2400))
    assert "open" in tool["function"]["parameters"]["properties"]["action"]["enum"]


def _image():
    from agent.imaging import EncodedImage

    return EncodedImage(b"0", "png", (1, 1))


def test_agent_families_lists_each_familys_options():
    process = agent("families")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "--family-option level=l1|l2|l3 (default: l2)" in out
    assert "--family-option language=English|Chinese (default: English)" in out
    assert "--family-option grounder=ui-tars|qwen3-vl|qwen2.5-vl" in out
    assert "--family-option date=YYYY-MM-DD" in out


def test_run_bench_and_doctor_take_family_options_and_config_show_prints_them(tmp_path):
    from agent.cli import parser

    for argv in (["run", "x"], ["bench", "suite"], ["doctor"]):
        args = parser().parse_args([*argv, "--family-option", "level=l3"])
        assert args.family_option == ["level=l3"], argv
    process = agent(
        "config", "show", "--model", OPENCUA, "--family-option", "level=l3", home=tmp_path
    )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert re.search(r"family-option +level=l3 +\(command line\)", out), out
    assert re.search(r"option level +l3 +\(command line\)", out), out
