"""A corpus of malformed replies (tests/data/malformed_replies.json), each played by the
scripted vLLM stand-in and read through the real HTTP client, in every server configuration
the stand-in plays: tool parser hermes / qwen3_coder / none, reasoning parser on / off,
streaming on / off, for both of Qwen's conversations (the makers' text format and structured
tool calls). A reply may be fed back or do what it means; it may never end the run (a crash)
nor execute anything it does not mean.

One exception is named per entry (`misread_by`): when tools go in the request and the server's
own qwen3_coder parser reads the reply, the client receives only the parsed call, never the
text (vLLM keeps the last of a parameter given twice, and reads XML inside hermes JSON), so
those entries may be executed as the server read them in exactly those configurations.

`python -m tests.agent.test_malformed_replies` prints the counts per configuration.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agent import actions as A
from agent.builder import family_for
from agent.loop import AgentLoop, LoopSettings
from agent.model import ModelClient, ModelSettings
from agent.records import NullObserver, StepRecord
from agent.scripted import ScriptedModelServer, VLLMConfig
from agent.scripted.server import turn_from_dict
from agent.settings import Settings
from tests.fakes import FakeEnvironment

CORPUS = Path(__file__).parents[1] / "data" / "malformed_replies.json"
MODEL = "Qwen/Qwen3-VL-8B-Thinking"
TOOL_PARSERS = ("hermes", "qwen3_coder", None)


@dataclass(frozen=True)
class Configuration:
    response_format: str
    tool_parser: str | None
    reasoning_parser: bool
    stream: bool

    def __str__(self) -> str:
        return (
            f"{self.response_format}, tool parser {self.tool_parser or 'none'}, reasoning "
            f"parser {'on' if self.reasoning_parser else 'off'}, "
            f"{'streaming' if self.stream else 'not streaming'}"
        )


# The makers' format sends no tools, so the server's tool parser never runs: one suffices.
CONFIGURATIONS = [
    Configuration(*values)
    for values in itertools.product(("tool_call",), TOOL_PARSERS, (True, False), (False, True))
] + [Configuration("action", "hermes", *v) for v in itertools.product((True, False), (False, True))]


@dataclass
class Counts:
    """What became of each reply: fed back, executed as meant, or one of the two defects."""

    outcomes: Counter[str] = field(default_factory=Counter)
    defects: list[str] = field(default_factory=list)

    def line(self) -> str:
        kinds = (
            "fed back",
            "executed as meant",
            "executed as the server's parser read it",
            "crash",
            "wrong execution",
        )
        return ", ".join(f"{self.outcomes[k]} {k}" for k in kinds)


def corpus(family: str | None = None) -> list[dict[str, Any]]:
    """The entries written for one family (None: Qwen's, which name no family)."""
    entries: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return [e for e in entries if e.get("family") == family]


def every_entry() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return entries


def _matches(action: A.Action, meant: dict[str, Any]) -> bool:
    return all(getattr(action, key, None) == value for key, value in meant.items())


def _server_reads(entry: dict[str, Any], configuration: Configuration) -> bool:
    """Whether the server's tool parser, not the client, reads this entry's calls."""
    parsers = entry.get("misread_by") or ()
    return configuration.response_format == "tool_call" and configuration.tool_parser in parsers


def play(configuration: Configuration, entries: list[dict[str, Any]]) -> Counts:
    """Run each entry as the only reply of a one-step run; classify what happened."""
    config = VLLMConfig(
        model_id=MODEL,
        reasoning_parser="reasoning" if configuration.reasoning_parser else None,
        tool_parser=configuration.tool_parser,  # type: ignore[arg-type]
        model_format="hermes",
    )
    turns = [turn_from_dict(entry["turn"]) for entry in entries]
    counts = Counts()
    with ScriptedModelServer(turns, config) as server:
        settings = ModelSettings(
            base_url=server.url, model=MODEL, stream=configuration.stream, retry_base_delay=0.01
        )
        client = ModelClient(settings)
        values = {"max_tokens": 8192, "response_format": configuration.response_format}
        family = family_for(MODEL, settings=Settings().with_values(values))
        for entry in entries:
            env = FakeEnvironment(size=(640, 400))
            loop = AgentLoop(env, client, family, LoopSettings(max_steps=1))
            result = loop.run("a test task")
            meant = entry.get("means") or []
            wrong = len(env.performed) > len(meant) or not all(
                _matches(a, m) for a, m in zip(env.performed, meant, strict=False)
            )
            if result.status == "error":
                outcome = "crash"
                counts.defects.append(f"{entry['id']}: crash: {result.reason.splitlines()[0]}")
            elif wrong and _server_reads(entry, configuration):
                outcome = "executed as the server's parser read it"
            elif wrong or result.status in ("success", "failure"):
                outcome = "wrong execution"
                done = [a.kind for a in env.performed] or [result.reason]
                counts.defects.append(f"{entry['id']}: executed {done}")
            else:
                outcome = "executed as meant" if env.performed else "fed back"
            counts.outcomes[outcome] += 1
    return counts


def test_the_corpus_is_large_and_well_formed() -> None:
    entries = every_entry()
    assert len(corpus()) >= 100 and len(corpus("uitars")) >= 15
    assert len({e["id"] for e in entries}) == len(entries)
    assert {e.get("family") for e in entries} == {None, "uitars"}
    for entry in entries:
        turn_from_dict(entry["turn"])


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=str)
def test_no_malformed_reply_crashes_a_run_or_executes_what_it_does_not_mean(
    configuration: Configuration,
) -> None:
    counts = play(configuration, corpus())
    print(f"{configuration}: {counts.line()}")
    assert counts.defects == []
    assert sum(counts.outcomes.values()) == len(corpus())


def main() -> int:
    """Print the counts of every configuration; exit 1 if any reply crashed or misfired."""
    entries, failed = corpus(), False
    print(f"{len(entries)} malformed replies")
    for configuration in CONFIGURATIONS:
        counts = play(configuration, entries)
        print(f"{configuration}: {counts.line()}")
        for defect in counts.defects:
            print(f"    {defect}")
        failed = failed or bool(counts.defects)
    return 1 if failed else 0


UITARS = "ByteDance-Seed/UI-TARS-1.5-7B"
HANG = 10.0  # seconds: a reply still being read after this long has hung the run


class _Steps(NullObserver):
    def __init__(self) -> None:
        self.records: list[StepRecord] = []

    def on_step(self, record: StepRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("stream", [False, True], ids=["not streaming", "streaming"])
def test_no_malformed_uitars_reply_escapes_the_family_parser(stream: bool) -> None:
    """UI-TARS replies that crashed or hung its parser (a box of NaN, a run of whitespace the
    makers' regular expression reads in quadratic time, deep nesting): each is refused by the
    family's own parser, with its feedback, quickly, and nothing is executed."""
    entries = corpus("uitars")
    # a server and a run that allow long replies, so that the longest entries arrive whole
    config = VLLMConfig(
        model_id=UITARS, reasoning_parser=None, tool_parser=None, max_model_len=131072
    )
    turns = [turn_from_dict(entry["turn"]) for entry in entries]
    defects = []
    with ScriptedModelServer(turns, config) as server:
        client = ModelClient(ModelSettings(base_url=server.url, model=UITARS, stream=stream))
        family = family_for(UITARS, settings=Settings().with_values({"max_tokens": 32768}))
        for entry in entries:
            env, steps = FakeEnvironment(size=(640, 400)), _Steps()
            loop = AgentLoop(env, client, family, LoopSettings(max_steps=1), [steps])
            result = loop.run("a test task")
            (record,) = steps.records
            error = record.error or ""
            if env.performed or result.status != "max_steps":
                defects.append(f"{entry['id']}: {result.status}: {result.reason[:80]}")
            elif not error or error.startswith("the reply could not be read"):
                defects.append(f"{entry['id']}: not the family's parse error: {error[:80]}")
            elif record.timings["parse"] > HANG:
                defects.append(f"{entry['id']}: hung for {record.timings['parse']:.0f} s")
    assert defects == []


if __name__ == "__main__":
    raise SystemExit(main())
