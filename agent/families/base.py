"""What a model family provides: request fields, tools, prompt, image size, history, parser,
presets and the wire format a scripted model of the family speaks.

A family is one module or one small package under `agent.families`; nothing outside it names
the family. The loop talks to a `Family` instance built for one run (`FamilySetup`); the
registry (`agent.families`) holds a `FamilySpec` per family.

The conversation is a list of typed entries that any family can render; the loop appends to
it and the recorder stores it, so a run can be resumed with another instance of the family.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from agent.actions import Action
from agent.errors import AgentError
from agent.grid import Grid
from agent.imaging import EncodedImage
from agent.turn import ModelTurn, ToolCall
from environments.base import Observation

if TYPE_CHECKING:
    from agent.families.presets import Preset, PresetTable
    from agent.model import ChatModel

EnvironmentKind = Literal["desktop", "android"]
FORMAT_VERSION = 2  # of the trajectory's family record; bump when a family's history changes


@dataclass(frozen=True)
class UserEntry:
    """What the agent tells the model: text (task or feedback) and/or a screenshot."""

    text: str = ""
    image: EncodedImage | None = None


@dataclass(frozen=True)
class AssistantEntry:
    """A model turn as it goes back into the history: no reasoning.

    `content` is what the model said as the family wants it repeated (tool-call families: the
    text beside the calls; text-action families: the whole reply, actions included).
    `tool_calls` are the calls it made (a text-action family's calls carry ids it made up,
    and its `render` need not send them); `results` holds one result text per call.
    """

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    results: tuple[str, ...] = ()


Entry = UserEntry | AssistantEntry


@dataclass(frozen=True)
class ParsedCall:
    """One call the model made and the canonical action it maps to (screen pixels), or None
    for a call of another tool (an MCP tool), which the loop routes to whoever owns it.

    `call` is the server's tool call, or for a text-action family one the parser built
    (`agent.turn.new_call_id()` for its id, the action's text in `raw_arguments`)."""

    call: ToolCall
    action: Action | None


@dataclass(frozen=True)
class ParseResult:
    """The actions a turn asks for, or why it cannot be executed (shown to the model).

    `said` is the record of what the model said, as it goes back into the history; None keeps
    the turn's content (the text without the server-parsed tool calls)."""

    calls: tuple[ParsedCall, ...] = ()
    error: str | None = None
    said: str | None = None


@dataclass(frozen=True)
class ToolUse:
    """A call of a tool that is not a screen action (an MCP tool), as a scripted model makes it."""

    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True)
class WireCall:
    """One tool call in a scripted reply: arguments as a dict, or verbatim text."""

    name: str
    arguments: Mapping[str, Any] | str


@dataclass(frozen=True)
class WireTurn:
    """A reply as a model of the family writes it: reasoning, free text, then tool calls.

    Text-action families put the whole reply in `content` and leave `calls` empty."""

    reasoning: str = ""
    content: str = ""
    calls: tuple[WireCall, ...] = ()


@dataclass(frozen=True)
class RequestFields:
    """What a family adds to each chat-completion request: top-level fields (temperature,
    top_p, max_tokens, ...) and fields under `extra_body` (top_k, chat_template_kwargs, ...)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] = field(default_factory=dict)


NO_FIELDS = RequestFields()


@dataclass(frozen=True)
class FamilySetup:
    """Everything a family instance is built from, for one run.

    `preset` holds the resolved values (the model's preset with the user's overrides);
    `thinking` and `sampling` are what this run asks for (resolved from the preset's modes);
    `server_url` is the model server's (some providers take switches in other places);
    `extra_tools` are function schemas (MCP tools) offered beside the family's own;
    `grounding` is a second model for families that compose a planner and a grounder;
    `options` carries the family's own options by name (`FamilySpec.option_values`; a text
    value is read by the family's `FamilyOption.of`)."""

    model_id: str
    environment: EnvironmentKind
    preset: Preset
    thinking: bool
    sampling: Mapping[str, float] = field(default_factory=dict)
    server_url: str = ""
    extra_tools: tuple[dict[str, Any], ...] = ()
    grounding: ChatModel | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def not_executed(error: str, fix: str) -> str:
    """The corrective message after a reply that could not be executed: why, that nothing was
    done, and `fix`, what a reply of the family must look like."""
    return f"Your last reply could not be executed: {error}\nNothing was done. {fix}"


class Family(abc.ABC):
    """A model family's way of seeing the screen, talking to the model and acting."""

    name: str  # the registry name, e.g. "qwen"
    protocol: str  # what this instance speaks, e.g. "qwen-computer-use"; recorded per run

    def __init__(self, setup: FamilySetup) -> None:
        self.setup = setup
        self.preset = setup.preset
        self.options: dict[str, Any] = {}  # the values of its options this instance uses

    def option(self, declared: FamilyOption) -> Any:
        """The value of one of the family's options for this run, noted for the record (a
        family that decides an option left at None notes what it chose in `options`)."""
        value = declared.of(self.setup, self.name)
        if value is not None:
            self.options[declared.name] = value
        return value

    # --- the request -------------------------------------------------------------------
    @abc.abstractmethod
    def request_fields(self) -> RequestFields:
        """Sampling, output length and template switches (thinking) for every request."""

    def read_turn(self, turn: ModelTurn, tools: list[dict[str, Any]]) -> ModelTurn:
        """The turn with what the server left in the text understood (e.g. tool calls a server
        without a tool-call parser did not split off). The default keeps the turn."""
        return turn

    # --- the screen ----------------------------------------------------------------------
    @abc.abstractmethod
    def grid(self, screen: tuple[int, int]) -> Grid:
        """The grid for a screen: decides the image size sent and how coordinates map back."""

    @abc.abstractmethod
    def encode(self, observation: Observation) -> EncodedImage: ...

    @abc.abstractmethod
    def tools(self, screen: tuple[int, int]) -> list[dict[str, Any]]:
        """Function schemas sent with each request ([] for text-only families)."""

    # --- the conversation --------------------------------------------------------------
    @abc.abstractmethod
    def first_entry(self, task: str, image: EncodedImage) -> UserEntry: ...

    @abc.abstractmethod
    def render(self, entries: list[Entry]) -> list[dict[str, Any]]:
        """Chat messages for the whole conversation so far, history policy applied."""

    @abc.abstractmethod
    def parse(self, turn: ModelTurn, observation: Observation) -> ParseResult:
        """The actions of a turn; never raises for what the model wrote (errors go in the
        result and are fed back). A composed family may ask `setup.grounding` here."""

    @abc.abstractmethod
    def feedback(self, error: str) -> str:
        """The corrective message sent after a reply that could not be executed."""

    def parser_for_text(self, text: str) -> str | None:
        """The server tool-call parser that would have parsed calls left in this text (for
        `agent doctor`), or None when the text shows none."""
        return None

    def max_images(self) -> int:
        """The most images one request holds (what vLLM's --limit-mm-per-prompt must allow)."""
        return 1

    # --- the oracle ----------------------------------------------------------------------
    @abc.abstractmethod
    def wire(self, step: Action | ToolUse, screen: tuple[int, int]) -> WireTurn:
        """The reply a model of this family would send to perform `step` (screen pixels) on a
        screen of this size; parsing it must give back `step`. Used by the oracle."""

    # --- the record ----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """What the trajectory records about the family for this run."""
        return {
            "family": self.name,
            "protocol": self.protocol,
            "preset": self.preset.name,
            "format_version": FORMAT_VERSION,
            "family_options": {name: str(value) for name, value in self.options.items()},
        }


@dataclass(frozen=True)
class FamilyOption:
    """A choice one family offers beyond the preset (a prompt level, a language), set with
    `--family-option NAME=VALUE` or `family-option = ["NAME=VALUE"]` in agent.toml.

    `choices` lists the values allowed (empty: any that `type` reads); `default` is the value
    when none is given (None: the family decides, as `help` says); `type` turns the text into
    the value the family gets (raising ValueError with the reason); `value` shows the form of
    a free value in listings (e.g. YYYY-MM-DD)."""

    name: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    type: Callable[[str], Any] = str
    value: str = "TEXT"

    def read(self, text: str, family: str) -> Any:
        """The value of `text`, or an error naming the allowed values and the flag."""
        if self.choices and text not in self.choices:
            allowed = ", ".join(self.choices)
            raise AgentError(
                f"the {family} family's option {self.name} takes {allowed}, not {text!r} "
                f"(--family-option {self.name}=VALUE)"
            )
        try:
            return self.type(text)
        except ValueError as exc:
            raise AgentError(
                f"the {family} family's option {self.name} takes {self.value}, not {text!r} ({exc})"
            ) from None

    def of(self, setup: FamilySetup, family: str) -> Any:
        """The value a family instance uses: the setup's (text is read as given on the command
        line), else the default."""
        given = setup.options.get(self.name)
        if given is None:
            return None if self.default is None else self.read(self.default, family)
        return self.read(given, family) if isinstance(given, str) else given

    def describe(self) -> str:
        """One line for listings: `name=a|b (default: a): help`."""
        form = "|".join(self.choices) or self.value
        default = f" (default: {self.default})" if self.default is not None else ""
        return f"{self.name}={form}{default}: {self.help}"


@dataclass(frozen=True)
class FamilySpec:
    """A family as the registry knows it.

    `presets` loads the family's preset table (package data); `create` builds an instance for
    a run; `environments` lists where it can act; `aliases` are more names for `--family`.
    `claims` says how closely a model id that no preset matches belongs to the family
    (0: not at all), to pick the closest family's defaults; `options` are the choices it
    offers beyond the preset (`FamilyOption`)."""

    name: str
    create: Callable[[FamilySetup], Family]
    presets: Callable[[], PresetTable]
    environments: tuple[EnvironmentKind, ...] = ("desktop",)
    description: str = ""
    aliases: tuple[str, ...] = ()
    claims: Callable[[str], int] = lambda model_id: 0
    options: tuple[FamilyOption, ...] = ()

    def option_values(self, given: Sequence[str]) -> dict[str, Any]:
        """The options named in `NAME=VALUE` texts, read (the last one of a name wins; the
        family takes the defaults of the others); an unknown name or a bad value is an error
        naming what is allowed."""
        declared = {option.name: option for option in self.options}
        values: dict[str, Any] = {}
        for item in given:
            name, value = split_option(item)
            if name not in declared:
                known = ", ".join(declared) or "none"
                raise AgentError(
                    f"the {self.name} family has no option {name!r}; its options: {known} "
                    "(`agent families` lists each family's)"
                )
            values[name] = declared[name].read(value, self.name)
        return values


def split_option(text: str) -> tuple[str, str]:
    """`NAME=VALUE` as (name, value); a dash in the name is read as an underscore."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise AgentError(f"a family option is NAME=VALUE, e.g. level=l3, not {text!r}")
    return name.strip().replace("-", "_"), value.strip()
