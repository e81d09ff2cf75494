"""Qwen's scroll amount: wheel clicks as the makers' executors pass them, monotonic, bounded."""

from itertools import pairwise

from agent.families.qwen.computer_use import MAX_SCROLL_CLICKS, scroll_clicks


def test_the_amount_is_the_makers_wheel_clicks() -> None:
    # OSWorld's Qwen3-VL agent and GUI-Owl run pyautogui.scroll(pixels).
    assert [scroll_clicks(p) for p in (1, 5, -5, 30, 31, -31, 2.4)] == [1, 5, -5, 30, 31, -31, 2]


def test_the_amount_never_shrinks_when_the_model_asks_for_more() -> None:
    asked = [x / 2 for x in range(-2000, 2001) if x]
    clicks = [scroll_clicks(p) for p in asked]
    assert all(a <= b for a, b in pairwise(clicks))
    assert scroll_clicks(-500) == -MAX_SCROLL_CLICKS and scroll_clicks(1000) == MAX_SCROLL_CLICKS
    assert scroll_clicks(0.2) == 1 and scroll_clicks(-0.2) == -1
