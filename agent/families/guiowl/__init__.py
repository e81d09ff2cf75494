"""The GUI-Owl-1.5 family (Mobile-Agent-v3.5): Qwen's computer_use / mobile_use calls written in
the reply after a one-line `Action:`, with the makers' system prompts, desktop and phone."""

from agent.families.guiowl.family import FAMILY

__all__ = ["FAMILY"]
