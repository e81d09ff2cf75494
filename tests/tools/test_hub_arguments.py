"""Arguments a model sends to an MCP tool are checked against the tool's input schema before
the call: a misspelt name or a wrong type comes back to the model as an error and the tool does
not run with its defaults."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.hub import Approval, ToolHub
from tools.mcp_config import ServerSpec

SERVER = str(Path(__file__).with_name("sample_server.py"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notes")
    spec = ServerSpec("sample", "stdio", command=sys.executable, args=(SERVER, str(folder)))
    hub = ToolHub([spec], Approval("auto"), call_timeout=5)
    yield hub
    hub.close()


def test_right_arguments_and_defaults_still_work(hub):
    assert hub.call("sample__greet", {"name": "Ann", "times": 2}).text == "hello Ann hello Ann"
    assert hub.call("sample__greet", {}).text == "hello world"


def test_a_misspelt_argument_is_refused_instead_of_running_with_the_default(hub):
    outcome = hub.call("sample__greet", {"nam": "Ann"})
    assert outcome.text == ""
    assert outcome.error == "sample__greet has no argument 'nam'; its arguments are: name, times"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"name": "Ann", "times": "two"},
            "sample__greet: argument times: 'two' is not of type 'integer'",
        ),
        ({"name": ["Ann"]}, "sample__greet: argument name: ['Ann'] is not of type 'string'"),
    ],
)
def test_a_wrong_type_is_refused_with_the_place_and_the_reason(hub, arguments, message):
    assert hub.call("sample__greet", arguments).error == message


def test_a_missing_required_argument_is_refused(hub):
    assert hub.call("sample__echo", {}).error == (
        "sample__echo: argument (all): 'text' is a required property"
    )
