"""The phone's own screens: launcher home, recents, status bar and gesture handle.

The launcher (com.android.launcher3) shows each app as an icon whose TextView carries the app's
label as text and content-desc, as Launcher3 does. That is how a host learns labels from the
shell: `uiautomator dump` on the home screen, then find "Contacts" and tap its bounds.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from environments.android.virtual_phone.theme import Look
from environments.android.virtual_phone.ui import Color, Node, Rect
from environments.android.virtual_phone.widgets import Context, button, label

if TYPE_CHECKING:
    from environments.android.virtual_phone.handset import Handset

LAUNCHER = "com.android.launcher3"
LAUNCHER_ACTIVITY = ".uioverrides.QuickstepLauncher"
SYSTEM_UI = "com.android.systemui"
BATTERY_LEVEL = 85


def compose(handset: Handset) -> list[Node]:
    """The windows on screen, bottom to top: the focused one, then status bar and handle."""
    look = handset.look()
    ctx = Context(look, look.content, handset.focus, handset.set_focus)
    package = handset.foreground or LAUNCHER
    app = handset.apps.get(handset.foreground or "")
    on_wallpaper = handset.recents_open or app is None
    background = look.palette.wallpaper if on_wallpaper else look.palette.background
    window = Node(look.screen, "android.widget.FrameLayout", package=package, fill=background)
    if handset.recents_open:
        window.package = LAUNCHER
        window.add(*recents(handset, ctx))
    elif app is None:
        window.add(*home(handset, ctx))
    else:
        window.add(*app.build(ctx))
    ink = look.palette.wallpaper_text if on_wallpaper else look.palette.text
    bar_fill = background if on_wallpaper else look.palette.bar
    return [window, status_bar(handset, look, bar_fill, ink), gesture_bar(look, background, ink)]


def home(handset: Handset, ctx: Context) -> list[Node]:
    look, area = ctx.look, ctx.area
    ink = look.palette.wallpaper_text
    now = time.localtime()
    clock_rect = Rect(area.left, area.top + look.px(80), area.right, area.top + look.px(280))
    date_rect = Rect(area.left, clock_rect.bottom, area.right, clock_rect.bottom + look.px(80))
    nodes = [
        label(look, clock_rect, time.strftime("%H:%M", now), 160, ink, align="center"),
        label(look, date_rect, time.strftime("%A, %B %-d", now), 44, ink, align="center"),
    ]
    columns = max(4, area.width // look.px(270))
    cell_width, cell_height = area.width // columns, look.px(330)
    top = date_rect.bottom + look.px(140)
    icon_width = min(cell_width, look.px(250))
    for index, app in enumerate(handset.launchable()):
        row, column = divmod(index, columns)
        left = area.left + column * cell_width + (cell_width - icon_width) // 2
        y = top + row * cell_height
        nodes.append(
            Node(
                Rect(left, y, left + icon_width, y + look.px(260)),
                "android.widget.TextView",
                text=app.label,
                desc=app.label,
                on_tap=lambda package=app.package: handset.launch(package),
                shape="icon",
                glyph=app.glyph,
                accent=app.color,
                ink=ink,
                size=look.px(36),
            )
        )
    return nodes


def recents(handset: Handset, ctx: Context) -> list[Node]:
    """Overview: a card per recent app, most recent first, and Clear all."""
    look, area = ctx.look, ctx.area
    margin = look.px(60)
    nodes: list[Node] = []
    y = area.top + margin
    for package in handset.recents:
        app = handset.apps[package]
        rect = Rect(area.left + margin, y, area.right - margin, y + look.px(260))
        if rect.bottom > area.bottom - look.px(260):
            break
        card = Node(
            rect,
            "android.widget.FrameLayout",
            desc=app.label,
            rid=f"{LAUNCHER}:id/snapshot",
            on_tap=lambda package=package: handset.launch(package),
            fill=look.palette.surface,
            radius=look.px(40),
        )
        side = look.px(150)
        icon_top = rect.top + (rect.height - side) // 2
        card.add(
            Node(
                Rect(rect.left + margin, icon_top, rect.left + margin + side, icon_top + side),
                "android.widget.ImageView",
                desc=f"{app.label} icon",
                fill=app.color,
                radius=side // 4,
                text=app.glyph,
                ink=(255, 255, 255),
                size=side // 2,
                align="center",
            ),
            label(
                look,
                Rect(rect.left + 2 * margin + side, rect.top, rect.right - margin, rect.bottom),
                app.label,
                52,
                look.palette.text,
            ),
        )
        nodes.append(card)
        y = rect.bottom + margin
    if not nodes:
        empty = Rect(area.left, area.top + look.px(400), area.right, area.top + look.px(500))
        return [
            label(look, empty, "No recent items", 46, look.palette.wallpaper_text, align="center")
        ]
    width = look.px(380)
    left = area.left + (area.width - width) // 2
    clear = Rect(left, area.bottom - look.px(200), left + width, area.bottom - look.px(80))
    nodes.append(button(look, clear, "Clear all", handset.clear_recents, filled=True))
    return nodes


def status_bar(handset: Handset, look: Look, fill: Color, ink: Color) -> Node:
    bar_rect = look.status_bar
    bar = Node(bar_rect, "android.widget.FrameLayout", package=SYSTEM_UI, fill=fill)
    bar.rid = f"{SYSTEM_UI}:id/status_bar"
    height = bar_rect.height
    clock = Rect(look.px(60), 0, look.px(260), height)
    bar.add(label(look, clock, time.strftime("%H:%M"), 40, ink, rid=f"{SYSTEM_UI}:id/clock"))
    right = bar_rect.right - look.px(60)
    icon = look.px(48)
    top = (height - icon) // 2
    battery = Rect(right - look.px(30) - icon, top + look.px(6), right, top + icon - look.px(6))
    bar.add(
        Node(
            battery,
            "android.widget.ImageView",
            desc=f"Battery {BATTERY_LEVEL} percent.",
            shape="battery",
            ink=ink,
            value=BATTERY_LEVEL / 100,
        )
    )
    right = battery.left - look.px(24)
    settings = handset.settings
    if settings.airplane:
        rect = Rect(right - icon, top, right, top + icon)
        bar.add(
            Node(
                rect,
                "android.widget.ImageView",
                desc="Airplane mode.",
                text="✈",
                ink=ink,
                size=icon,
                align="center",
            )
        )
        right = rect.left - look.px(24)
    if settings.wifi:
        rect = Rect(right - icon, top, right, top + icon)
        bar.add(
            Node(rect, "android.widget.ImageView", desc="Wifi signal full.", shape="wifi", ink=ink)
        )
    return bar


def gesture_bar(look: Look, fill: Color, ink: Color) -> Node:
    area = look.nav_bar
    bar = Node(area, "android.widget.FrameLayout", package=SYSTEM_UI, fill=fill)
    bar.rid = f"{SYSTEM_UI}:id/navigation_bar_frame"
    width, height = look.px(260), look.px(14)
    left = area.left + (area.width - width) // 2
    top = area.top + (area.height - height) // 2
    handle = Node(
        Rect(left, top, left + width, top + height), desc="Home", fill=ink, radius=height // 2
    )
    handle.rid = f"{SYSTEM_UI}:id/home_handle"
    return bar.add(handle)
