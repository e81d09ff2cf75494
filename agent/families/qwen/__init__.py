"""The Qwen family: Qwen3.5, Qwen3-VL and Qwen2.5-VL with Qwen's computer_use / mobile_use
tools, prompts (package data), presets (`presets.toml`) and request switches."""

from agent.families.qwen.family import FAMILY

__all__ = ["FAMILY"]
