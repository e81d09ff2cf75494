"""The composed family: a planner model says the next step in words with a target description;
a grounding model turns the description and the screenshot into a point."""

from agent.families.composed.family import FAMILY

__all__ = ["FAMILY"]
