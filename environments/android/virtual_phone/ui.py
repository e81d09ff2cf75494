"""The view tree: one structure that is drawn, dumped by `uiautomator dump` and touched.

Screens are built as trees of `Node`s. The renderer paints each node inside its `rect`, the dump
reports the same rect (clipped by scrolling containers, as Android reports visible bounds), and
taps are delivered to the node under the finger; so bounds in the dump match the pixels and the
touch targets by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from environments.android.virtual_phone.text_buffer import TextBuffer

Color = tuple[int, int, int]
Action = Callable[[], None]


@dataclass(frozen=True)
class Rect:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The inclusive pixel box PIL draws for this rect."""
        return self.left, self.top, self.right - 1, self.bottom - 1

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom

    def intersect(self, other: Rect) -> Rect:
        left, top = max(self.left, other.left), max(self.top, other.top)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        return Rect(left, top, max(left, right), max(top, bottom))

    def inset(self, dx: int, dy: int = 0) -> Rect:
        return Rect(self.left + dx, self.top + dy, self.right - dx, self.bottom - dy)

    @property
    def empty(self) -> bool:
        return self.right <= self.left or self.bottom <= self.top


@dataclass(eq=False)
class Node:
    """One view. Behaviour: handlers for tap, long press and scroll, or a text buffer for an
    editable field. Look: a fill (optionally rounded), text in `ink`, or a special `shape`."""

    rect: Rect
    cls: str = "android.view.View"
    text: str = ""
    desc: str = ""
    rid: str = ""
    package: str = ""
    children: list[Node] = field(default_factory=list)
    on_tap: Action | None = None
    on_long_press: Action | None = None
    on_scroll: Callable[[int], None] | None = None
    field: TextBuffer | None = None
    checkable: bool = False
    checked: bool = False
    selected: bool = False
    focused: bool = False
    password: bool = False
    clip: bool = False
    window: bool = False  # a window of its own over the app's (a popup menu or dialog)
    fill: Color | None = None
    outline: Color | None = None
    radius: int = 0
    ink: Color | None = None
    muted: Color | None = None
    size: int = 40
    bold: bool = False
    align: str = "left"
    shape: str = "box"
    glyph: str = ""
    accent: Color | None = None
    value: float = 0.0

    def add(self, *children: Node) -> Node:
        self.children.extend(children)
        return self

    @property
    def clickable(self) -> bool:
        return self.on_tap is not None

    @property
    def scrollable(self) -> bool:
        return self.on_scroll is not None


def walk(node: Node, clip: Rect | None = None) -> Iterator[tuple[Node, Rect]]:
    """Every node in drawing order with its visible rect; fully clipped subtrees are skipped."""
    visible = node.rect if clip is None else node.rect.intersect(clip)
    if visible.empty:
        return
    yield node, visible
    inner = visible if node.clip else clip
    for child in node.children:
        yield from walk(child, inner)


def target(roots: list[Node], x: float, y: float, want: Callable[[Node], bool]) -> Node | None:
    """The topmost, deepest node under (x, y) that `want`s the event."""
    for root in reversed(roots):
        hit = _target(root, None, x, y, want)
        if hit is not None:
            return hit
    return None


def _target(
    node: Node, clip: Rect | None, x: float, y: float, want: Callable[[Node], bool]
) -> Node | None:
    visible = node.rect if clip is None else node.rect.intersect(clip)
    if not visible.contains(x, y):
        return None
    inner = visible if node.clip else clip
    for child in reversed(node.children):
        hit = _target(child, inner, x, y, want)
        if hit is not None:
            return hit
    return node if want(node) else None


def active_window(roots: list[Node]) -> Node:
    """The window `uiautomator dump` reads (getRootInActiveWindow): the app's, or the popup or
    dialog open over it; never the status or navigation bar."""
    app = roots[0]
    popups = [child for child in app.children if child.window]
    if popups:
        popup = popups[-1]
        popup.package = popup.package or app.package
        return popup
    return app


def dump(roots: list[Node], rotation: int) -> str:
    """The tree in `uiautomator dump` format: one root, the active window."""
    out = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"]
    out.append(f'<hierarchy rotation="{rotation}">')
    window = active_window(roots)
    _dump(window, None, 0, window.package, out)
    out.append("</hierarchy>")
    return "".join(out)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _clean(text: str) -> str:
    text = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
    return quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _dump(node: Node, clip: Rect | None, index: int, package: str, out: list[str]) -> None:
    visible = node.rect if clip is None else node.rect.intersect(clip)
    if visible.empty:
        return
    package = node.package or package
    text = node.text
    if node.field is not None:
        text = node.field.value or node.field.hint
    attributes = (
        ("index", str(index)),
        ("text", text),
        ("resource-id", node.rid),
        ("class", node.cls),
        ("package", package),
        ("content-desc", node.desc),
        ("checkable", _flag(node.checkable)),
        ("checked", _flag(node.checked)),
        ("clickable", _flag(node.clickable)),
        ("enabled", "true"),
        ("focusable", _flag(node.clickable or node.field is not None)),
        ("focused", _flag(node.focused)),
        ("scrollable", _flag(node.scrollable)),
        ("long-clickable", _flag(node.on_long_press is not None)),
        ("password", _flag(node.password)),
        ("selected", _flag(node.selected)),
        ("bounds", f"[{visible.left},{visible.top}][{visible.right},{visible.bottom}]"),
    )
    out.append("<node " + " ".join(f"{k}={_clean(v)}" for k, v in attributes))
    inner = visible if node.clip else clip
    children = [c for c in node.children if not (c.rect.intersect(inner or c.rect)).empty]
    if not children:
        out.append(" />")
        return
    out.append(">")
    for position, child in enumerate(children):
        _dump(child, inner, position, package, out)
    out.append("</node>")
