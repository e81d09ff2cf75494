"""The OpenCUA family: xlang-ai's thought/action preamble and pyautogui code, parsed with `ast`
and never executed; desktop only."""

from agent.families.opencua.family import FAMILY

__all__ = ["FAMILY"]
