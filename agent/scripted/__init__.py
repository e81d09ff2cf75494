"""The model stand-in: an OpenAI-compatible server answering exactly as vLLM does, from a script.

Tests use it for every server configuration a user may have; task oracles play reference
solutions through it; `python -m agent.scripted --script FILE` lets a user try the agent
without a GPU.
"""

from agent.scripted.request import RequestError, ScriptedCall, ScriptedTurn, VLLMConfig, error_body
from agent.scripted.server import ScriptedModelServer, load_script, main, turn_from_dict

__all__ = [
    "RequestError",
    "ScriptedCall",
    "ScriptedModelServer",
    "ScriptedTurn",
    "VLLMConfig",
    "error_body",
    "load_script",
    "main",
    "turn_from_dict",
]
