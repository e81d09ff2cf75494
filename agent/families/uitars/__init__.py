"""The UI-TARS-1.5 family: ByteDance's text actions (`Thought:` / `Action: click(...)`) on the
absolute grid of Qwen2.5-VL's smart_resize, desktop and phone."""

from agent.families.uitars.family import FAMILY

__all__ = ["FAMILY"]
