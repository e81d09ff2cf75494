"""The Qwen family as the registry knows it: computer_use on a desktop, mobile_use on a phone."""

from __future__ import annotations

from agent.families.base import Family, FamilyOption, FamilySetup, FamilySpec
from agent.families.presets import claims_word, table_of

table = table_of("agent.families.qwen")
MOBILE_ACTIONS = FamilyOption(
    "mobile_actions",
    "on a phone, the mobile_use action set offered: the tool schema's or the Qwen3-VL "
    "mobile notebook's",
    choices=("tool", "notebook"),
    default="tool",
)


def create(setup: FamilySetup) -> Family:
    from agent.families.qwen.computer_use import QwenComputerUse
    from agent.families.qwen.mobile_use import QwenMobileUse

    if setup.environment == "android":
        return QwenMobileUse(setup)
    return QwenComputerUse(setup)


_claims = claims_word("qwen", 1)


FAMILY = FamilySpec(
    name="qwen",
    create=create,
    presets=table,
    environments=("desktop", "android"),
    description="Qwen3.5, Qwen3-VL and Qwen2.5-VL: computer_use / mobile_use tool calls",
    claims=_claims,
    options=(MOBILE_ACTIONS,),
)
