"""Where an action happened, drawn over the screenshot it was chosen on: SVG in screen pixels.

A click is a ring with an open centre and a crosshair that stops short of it, so the label the
model clicked on stays readable under the mark.
"""

from __future__ import annotations

from typing import Any

_RADIUS = 0.014  # of the screen width
_ARROW = (
    "<defs><marker id='arrow' viewBox='0 0 10 10' refX='8' refY='5' markerWidth='4' "
    "markerHeight='4' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#ff00ff'/></marker></defs>"
)


def overlay(actions: list[dict[str, Any]], step: int, screen: list[int]) -> str:
    """One SVG layer with a mark for every action that has a place on the screen."""
    width, height = screen
    radius = max(8, round(width * _RADIUS))
    marks = "".join(_mark(action, step, radius) for action in actions)
    return f"<svg viewBox='0 0 {width} {height}' preserveAspectRatio='none'>{_ARROW}{marks}</svg>"


def _mark(action: dict[str, Any], step: int, radius: int) -> str:
    kind = action["kind"]
    data = f"data-step='{step}' data-kind='{kind}'"
    if kind in ("click", "move", "long_press"):
        x, y = action["x"], action["y"]
        size = radius if kind != "move" else radius * 2 // 3
        gap, reach = size // 2, size + size // 2
        ticks = "".join(
            f"<line class='marker-tick' x1='{x + dx * gap}' y1='{y + dy * gap}' "
            f"x2='{x + dx * reach}' y2='{y + dy * reach}'/>"
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
        )
        return (
            f"<g class='marker' {data} data-x='{x}' data-y='{y}' data-r='{size}'>"
            f"<circle cx='{x}' cy='{y}' r='{size}'/>{ticks}</g>"
        )
    if kind in ("drag", "swipe"):
        x1, y1, x2, y2 = action["x1"], action["y1"], action["x2"], action["y2"]
        return (
            f"<line class='marker-line' {data} x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' "
            "marker-end='url(#arrow)'/>"
        )
    if kind == "scroll":
        x, y = action["x"], action["y"]
        x2 = x + action["dx"] * radius
        y2 = y - action["dy"] * radius
        return (
            f"<line class='marker-line' {data} x1='{x}' y1='{y}' x2='{x2}' y2='{y2}' "
            "marker-end='url(#arrow)'/>"
        )
    return ""
