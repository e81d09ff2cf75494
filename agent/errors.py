"""The project's short error hierarchy.

Errors the model caused (bad tool calls, impossible actions) are fed back to the model; errors of
the harness (no server, a display that died) end the run with a reason. Every message names the
fix where there is one.
"""


class AgentError(Exception):
    """Base class of every error this project raises on purpose."""


class InvalidAction(AgentError):
    """The model asked for something that cannot be executed as written; it is told why."""


class EnvironmentFailure(AgentError):
    """The environment cannot go on (display gone, device lost); the run ends with this reason."""


class ModelServerUnreachable(AgentError):
    """No OpenAI-compatible server answers at the configured URL."""


class ModelRequestError(AgentError):
    """The server answered, but refused the request (bad request, context too long, ...)."""


class TimeBudgetExceeded(AgentError):
    """The run's time budget (--timeout) ran out inside a model call or an action."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped from outside: `how` names by what, for the record and the console
    (Ctrl-C raises a plain KeyboardInterrupt; agent.cli raises a subclass for SIGTERM)."""

    how = "the user (Ctrl-C)"
