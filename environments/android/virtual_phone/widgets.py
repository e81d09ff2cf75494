"""Building blocks the apps share: app bars, list rows, switches, fields, buttons, menus.

Each returns `Node`s with Android's widget class names and resource ids, so a dump of a virtual
app reads like a dump of a real one (a RecyclerView of LinearLayout rows with TextView title and
summary and a Switch widget, an EditText per field, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from environments.android.virtual_phone.text_buffer import TextBuffer
from environments.android.virtual_phone.theme import Look
from environments.android.virtual_phone.ui import Action, Color, Node, Rect


@dataclass
class Context:
    """What an app needs to build its screen: where, in which look, and the keyboard focus."""

    look: Look
    area: Rect
    focus: TextBuffer | None
    set_focus: Callable[[TextBuffer | None], None]


def label(
    look: Look,
    rect: Rect,
    text: str,
    size: int = 46,
    color: Color | None = None,
    *,
    bold: bool = False,
    align: str = "left",
    rid: str = "",
) -> Node:
    return Node(
        rect,
        "android.widget.TextView",
        text=text,
        rid=rid,
        ink=color or look.palette.text,
        size=look.px(size),
        bold=bold,
        align=align,
    )


def icon_button(look: Look, rect: Rect, glyph: str, desc: str, action: Action) -> Node:
    return Node(
        rect,
        "android.widget.ImageButton",
        desc=desc,
        on_tap=action,
        text=glyph,
        ink=look.palette.text,
        size=look.px(60),
        align="center",
    )


def button(look: Look, rect: Rect, text: str, action: Action, *, filled: bool = False) -> Node:
    palette = look.palette
    return Node(
        rect,
        "android.widget.Button",
        text=text,
        on_tap=action,
        fill=palette.primary if filled else None,
        radius=rect.height // 2,
        ink=palette.on_primary if filled else palette.primary,
        size=look.px(42),
        bold=True,
        align="center",
    )


def app_bar(
    ctx: Context,
    title: str,
    *,
    back: Action | None = None,
    actions: tuple[tuple[str, Action], ...] = (),
) -> tuple[Node, Rect]:
    """A top bar with an optional Navigate-up arrow and text actions; returns it and the area
    left below it."""
    look, area = ctx.look, ctx.area
    height = look.px(170)
    bar = Node(Rect(area.left, area.top, area.right, area.top + height), "android.view.ViewGroup")
    bar.rid = "android:id/action_bar"
    left = area.left + look.px(30)
    if back is not None:
        side = look.px(126)
        top = area.top + (height - side) // 2
        bar.add(
            icon_button(look, Rect(left, top, left + side, top + side), "←", "Navigate up", back)
        )
        left += side + look.px(20)
    right = area.right - look.px(30)
    buttons = []
    for text, action in reversed(actions):
        width = look.px(60 + 28 * len(text))
        top = area.top + (height - look.px(110)) // 2
        buttons.append(
            button(look, Rect(right - width, top, right, top + look.px(110)), text, action)
        )
        right -= width + look.px(16)
    title_rect = Rect(left + look.px(20), area.top, right, area.top + height)
    bar.add(label(look, title_rect, title, 58, rid="android:id/title"), *reversed(buttons))
    return bar, Rect(area.left, area.top + height, area.right, area.bottom)


Row = tuple[int, Callable[[Rect], Node]]


def scroll_list(
    look: Look,
    rect: Rect,
    rows: list[Row],
    offset: int,
    set_offset: Callable[[int], None],
    rid: str = "",
) -> Node:
    """A vertically scrolling RecyclerView of rows (height, builder); only rows at least partly
    inside `rect` are built, as a RecyclerView only has views for visible items."""
    total = sum(height for height, _ in rows)
    limit = max(0, total - rect.height)
    offset = min(max(offset, 0), limit)
    container = Node(rect, "androidx.recyclerview.widget.RecyclerView", rid=rid, clip=True)
    if limit:
        container.on_scroll = lambda dy: set_offset(min(max(offset + dy, 0), limit))
    y = rect.top - offset
    for height, build in rows:
        if y + height > rect.top and y < rect.bottom:
            container.add(build(Rect(rect.left, y, rect.right, y + height)))
        y += height
    return container


def switch(look: Look, rect: Rect, checked: bool, action: Action) -> Node:
    palette = look.palette
    return Node(
        rect,
        "android.widget.Switch",
        rid="android:id/switch_widget",
        text="ON" if checked else "OFF",
        checkable=True,
        checked=checked,
        on_tap=action,
        shape="switch",
        fill=palette.switch_on_track if checked else palette.switch_off_track,
        outline=None if checked else palette.switch_off_thumb,
        accent=palette.switch_on_thumb if checked else palette.switch_off_thumb,
    )


def list_row(
    look: Look,
    rect: Rect,
    title: str,
    summary: str = "",
    *,
    on_tap: Action | None = None,
    on_long_press: Action | None = None,
    checked: bool | None = None,
    leading: Node | None = None,
) -> Node:
    """A LinearLayout row: optional leading view, title over summary, optional switch."""
    row = Node(rect, "android.widget.LinearLayout", on_tap=on_tap, on_long_press=on_long_press)
    left = rect.left + look.px(56)
    if leading is not None:
        row.add(leading)
        left = leading.rect.right + look.px(40)
    right = rect.right - look.px(56)
    if checked is not None:
        width, height = look.px(132), look.px(80)
        top = rect.top + (rect.height - height) // 2
        toggle = on_tap or (lambda: None)
        row.add(switch(look, Rect(right - width, top, right, top + height), checked, toggle))
        right -= width + look.px(40)
    if summary:
        middle = rect.top + rect.height // 2
        row.add(
            label(
                look,
                Rect(left, middle - look.px(62), right, middle),
                title,
                46,
                rid="android:id/title",
            )
        )
        row.add(
            label(
                look,
                Rect(left, middle + look.px(4), right, middle + look.px(56)),
                summary,
                38,
                look.palette.text_secondary,
                rid="android:id/summary",
            )
        )
    else:
        row.add(
            label(look, Rect(left, rect.top, right, rect.bottom), title, 46, rid="android:id/title")
        )
    return row


def header(look: Look, rect: Rect, title: str) -> Node:
    inner = Rect(rect.left + look.px(56), rect.top + look.px(30), rect.right, rect.bottom)
    return label(look, inner, title, 38, look.palette.primary, bold=True)


def text_field(
    ctx: Context,
    rect: Rect,
    buffer: TextBuffer,
    rid: str = "",
    *,
    filled: bool = False,
    size: int = 46,
) -> Node:
    palette = ctx.look.palette

    def focus() -> None:
        buffer.move_to(len(buffer.value))
        ctx.set_focus(buffer)

    return Node(
        rect,
        "android.widget.EditText",
        rid=rid,
        field=buffer,
        focused=buffer is ctx.focus,
        on_tap=focus,
        shape="field",
        fill=palette.card if filled else None,
        radius=rect.height // 2 if filled else 0,
        ink=palette.text,
        muted=palette.hint,
        accent=palette.primary,
        size=ctx.look.px(size),
    )


def fab(ctx: Context, text: str, desc: str, action: Action, *, glyph: str = "") -> Node:
    """A floating action button in the bottom right corner: a square with a glyph, or an
    extended one with text."""
    look, area = ctx.look, ctx.area
    height = look.px(168)
    width = height if glyph else look.px(120 + 30 * len(text))
    right, bottom = area.right - look.px(48), area.bottom - look.px(48)
    rect = Rect(right - width, bottom - height, right, bottom)
    return Node(
        rect,
        "android.widget.ImageButton" if glyph else "android.widget.Button",
        text=glyph or text,
        desc=desc,
        on_tap=action,
        fill=look.palette.primary,
        radius=look.px(48),
        ink=look.palette.on_primary,
        size=look.px(80 if glyph else 44),
        bold=True,
        align="center",
    )


def popup_menu(
    ctx: Context, x: int, y: int, items: list[tuple[str, Action]], dismiss: Action
) -> Node:
    """A popup ListView near (x, y) over a transparent layer that closes it when touched
    outside."""
    look, area = ctx.look, ctx.area
    item_height, width = look.px(140), look.px(560)
    height = item_height * len(items)
    left = min(max(x, area.left + look.px(24)), area.right - width - look.px(24))
    top = min(max(y, area.top), area.bottom - height - look.px(24))
    layer = Node(look.screen, "android.widget.FrameLayout", on_tap=dismiss, window=True)
    menu = Node(
        Rect(left, top, left + width, top + height),
        "android.widget.ListView",
        fill=look.palette.menu,
        outline=look.palette.divider,
        radius=look.px(16),
    )
    for index, (text, action) in enumerate(items):
        item_rect = Rect(
            left, top + index * item_height, left + width, top + (index + 1) * item_height
        )
        item = Node(item_rect, "android.widget.LinearLayout", on_tap=action)
        item.add(label(look, item_rect.inset(look.px(48)), text, 44, rid="android:id/title"))
        menu.add(item)
    return layer.add(menu)
