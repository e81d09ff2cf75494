"""Colours for the light and dark themes, and sizes scaled to the screen.

Layouts are designed in pixels of a 1080-pixel-wide, 420 dpi portrait screen; `Look.px` scales
them to the current short side and density, so an overridden `wm size` or `wm density` and a
rotated screen all lay out sensibly.
"""

from __future__ import annotations

from dataclasses import dataclass

from environments.android.virtual_phone.ui import Color, Rect


@dataclass(frozen=True)
class Palette:
    background: Color
    surface: Color
    card: Color
    primary: Color
    on_primary: Color
    text: Color
    text_secondary: Color
    hint: Color
    divider: Color
    switch_on_track: Color
    switch_on_thumb: Color
    switch_off_track: Color
    switch_off_thumb: Color
    bar: Color
    menu: Color
    wallpaper: Color
    wallpaper_text: Color


LIGHT = Palette(
    background=(255, 251, 254),
    surface=(243, 237, 247),
    card=(236, 230, 240),
    primary=(103, 80, 164),
    on_primary=(255, 255, 255),
    text=(28, 27, 31),
    text_secondary=(73, 69, 79),
    hint=(121, 116, 126),
    divider=(202, 196, 208),
    switch_on_track=(103, 80, 164),
    switch_on_thumb=(255, 255, 255),
    switch_off_track=(231, 224, 236),
    switch_off_thumb=(121, 116, 126),
    bar=(243, 237, 247),
    menu=(236, 230, 240),
    wallpaper=(30, 96, 120),
    wallpaper_text=(255, 255, 255),
)

DARK = Palette(
    background=(28, 27, 31),
    surface=(43, 41, 48),
    card=(54, 52, 59),
    primary=(208, 188, 255),
    on_primary=(56, 30, 114),
    text=(230, 225, 229),
    text_secondary=(202, 196, 208),
    hint=(147, 143, 153),
    divider=(73, 69, 79),
    switch_on_track=(208, 188, 255),
    switch_on_thumb=(56, 30, 114),
    switch_off_track=(54, 52, 59),
    switch_off_thumb=(147, 143, 153),
    bar=(43, 41, 48),
    menu=(54, 52, 59),
    wallpaper=(12, 44, 58),
    wallpaper_text=(230, 225, 229),
)


@dataclass(frozen=True)
class Look:
    """Palette and scale for one screen configuration."""

    palette: Palette
    width: int
    height: int
    density: int = 420

    @property
    def scale(self) -> float:
        return min(self.width, self.height) / 1080 * self.density / 420

    def px(self, value: float) -> int:
        return round(value * self.scale)

    @property
    def screen(self) -> Rect:
        return Rect(0, 0, self.width, self.height)

    @property
    def status_bar(self) -> Rect:
        return Rect(0, 0, self.width, self.px(110))

    @property
    def nav_bar(self) -> Rect:
        return Rect(0, self.height - self.px(63), self.width, self.height)

    @property
    def content(self) -> Rect:
        """Where an app's views go: between the status bar and the gesture area."""
        return Rect(0, self.status_bar.bottom, self.width, self.nav_bar.top)
