"""Coordinate grids: how a model's numbers map to screen pixels and back.

Qwen3-VL and Qwen3.5 answer on a relative 0..1000 grid, whatever size the image was; Qwen2.5-VL
answers in pixels of the image it saw after smart_resize. Mapping lives here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GridKind = Literal["relative", "absolute"]
RELATIVE_SCALE = 1000


@dataclass(frozen=True)
class Grid:
    kind: GridKind
    screen: tuple[int, int]
    image: tuple[int, int]
    scale: int = RELATIVE_SCALE  # a relative grid's divisor (1000, or 999 in some makers' code)

    @property
    def model_size(self) -> tuple[int, int]:
        """The resolution the model is told the screen has."""
        return (self.scale, self.scale) if self.kind == "relative" else self.image

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        """Screen pixel for a model coordinate, clamped onto the screen."""
        (mw, mh), (sw, sh) = self.model_size, self.screen
        px = min(max(round(x * sw / mw), 0), sw - 1)
        py = min(max(round(y * sh / mh), 0), sh - 1)
        return px, py

    def from_screen(self, x: int, y: int) -> tuple[int, int]:
        """The model coordinate nearest to screen pixel (x, y) (used by scripted models).

        A 0..1000 grid on a screen wider than 1000 pixels cannot name every pixel: the round
        trip lands within half a grid cell of (x, y)."""
        (mw, mh), (sw, sh) = self.model_size, self.screen
        return round(x * mw / sw), round(y * mh / sh)
