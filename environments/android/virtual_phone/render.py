"""Painting a view tree with PIL: rounded boxes, text in the fonts the machine has, switches,
launcher icons, status bar glyphs.

Text with CJK (or other wide scripts) is drawn with WenQuanYi Zen Hei, everything else with
DejaVu Sans; a missing font falls back to the other one and finally to PIL's built-in font, so
a phone renders (less prettily) on any machine.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from environments.android.virtual_phone.ui import Color, Node, Rect

FONTS = {
    "latin": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "cjk": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_WIDE = 0x2E80  # CJK radicals, kana, hangul, ideographs and fullwidth forms start here


@lru_cache(maxsize=128)
def _font(kind: str, size: int) -> Font:
    order = {"latin": ("latin", "cjk"), "bold": ("bold", "latin", "cjk"), "cjk": ("cjk", "latin")}
    for name in order[kind]:
        try:
            return ImageFont.truetype(FONTS[name], size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def font_for(text: str, size: int, bold: bool = False) -> Font:
    if any(ord(char) >= _WIDE for char in text):
        return _font("cjk", size)
    return _font("bold" if bold else "latin", size)


def text_width(text: str, font: Font) -> float:
    return font.getlength(text)


def ellipsize(text: str, font: Font, width: int) -> str:
    if text_width(text, font) <= width:
        return text
    while text and text_width(text + "…", font) > width:
        text = text[:-1]
    return text + "…"


def wrap(text: str, font: Font, width: int) -> list[tuple[int, str]]:
    """Lines of `text` no wider than `width`, each with the index of its first character;
    breaks at newlines, then at the last space, or anywhere in scripts without spaces."""
    lines: list[tuple[int, str]] = []
    start = 0
    for paragraph in text.split("\n"):
        offset = 0
        while True:
            rest = paragraph[offset:]
            cut = _fit(rest, font, width)
            if cut >= len(rest):
                lines.append((start + offset, rest))
                break
            space = rest.rfind(" ", 0, cut + 1)
            if space > 0:
                cut = space + 1
            lines.append((start + offset, rest[:cut]))
            offset += cut
        start += len(paragraph) + 1
    return lines


def _fit(text: str, font: Font, width: int) -> int:
    """How many leading characters of `text` fit in `width` (at least one)."""
    if text_width(text, font) <= width:
        return len(text)
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle], font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def render(roots: list[Node], size: tuple[int, int], background: Color) -> Image.Image:
    """An RGBA frame of the trees, painted in order."""
    image = Image.new("RGBA", size, background)
    draw = ImageDraw.Draw(image)
    for root in roots:
        _paint(image, draw, root, 0, 0)
    return image


def _paint(image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, dx: int, dy: int) -> None:
    rect = Rect(
        node.rect.left + dx, node.rect.top + dy, node.rect.right + dx, node.rect.bottom + dy
    )
    _PAINTERS.get(node.shape, _box)(draw, node, rect)
    if not node.children:
        return
    if not node.clip:
        for child in node.children:
            _paint(image, draw, child, dx, dy)
        return
    area = rect.intersect(Rect(0, 0, *image.size))
    if area.empty:
        return
    sub = image.crop((area.left, area.top, area.right, area.bottom))
    sub_draw = ImageDraw.Draw(sub)
    for child in node.children:
        _paint(sub, sub_draw, child, dx - area.left, dy - area.top)
    image.paste(sub, (area.left, area.top))


def _box(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    if node.fill is not None or node.outline is not None:
        width = max(2, node.rect.height // 60) if node.outline is not None else 0
        if node.radius:
            draw.rounded_rectangle(
                rect.box, node.radius, fill=node.fill, outline=node.outline, width=width
            )
        else:
            draw.rectangle(rect.box, fill=node.fill, outline=node.outline, width=width)
    if node.ink is not None and node.text:
        _text(draw, node.text, rect, node.ink, node.size, node.bold, node.align)


def _text(
    draw: ImageDraw.ImageDraw,
    text: str,
    rect: Rect,
    ink: Color,
    size: int,
    bold: bool = False,
    align: str = "left",
) -> None:
    font = font_for(text, size, bold)
    line = ellipsize(text.split("\n", 1)[0], font, rect.width)
    middle = (rect.top + rect.bottom) / 2
    if align == "center":
        draw.text(((rect.left + rect.right) / 2, middle), line, ink, font, anchor="mm")
    elif align == "right":
        draw.text((rect.right, middle), line, ink, font, anchor="rm")
    else:
        draw.text((rect.left, middle), line, ink, font, anchor="lm")


def _field(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    """An EditText: hint or text (wrapped when multi-line, its tail when one line is too
    short), an underline unless filled, and the cursor when focused."""
    _box(draw, Node(node.rect, fill=node.fill, radius=node.radius, outline=node.outline), rect)
    buffer = node.field
    if buffer is None:
        return
    inner = rect.inset(node.size // 2)
    ink = node.ink or (0, 0, 0)
    if node.fill is None and not buffer.multiline:
        focused = node.focused and node.accent is not None
        thickness = max(2, node.size // 12) if focused else max(1, node.size // 24)
        color = node.accent if focused else node.muted or ink
        draw.rectangle((rect.left, rect.bottom - thickness, rect.right - 1, rect.bottom - 1), color)
    line_height = round(node.size * 1.4)
    top = inner.top if buffer.multiline else (inner.top + inner.bottom - line_height) // 2
    font = font_for(buffer.value, node.size)
    lines = _visible_lines(buffer.value, buffer.multiline, font, inner, line_height)
    if not buffer.value:
        hint_rect = Rect(inner.left, top, inner.right, top + line_height)
        _text(draw, buffer.hint, hint_rect, node.muted or ink, node.size)
    for number, (_, line) in enumerate(lines):
        y = top + number * line_height + line_height / 2
        draw.text((inner.left, y), line, ink, font, anchor="lm")
    if not node.focused:
        return
    for number, (start, line) in enumerate(lines):
        if start <= buffer.cursor <= start + len(line):
            x = round(inner.left + text_width(line[: buffer.cursor - start], font))
            width = max(2, node.size // 14)
            y = top + number * line_height
            box = (x, y + node.size // 8, x + width - 1, y + round(node.size * 1.3))
            draw.rectangle(box, node.accent or ink)
            return


def _visible_lines(
    value: str, multiline: bool, font: Font, inner: Rect, line_height: int
) -> list[tuple[int, str]]:
    """The lines a field shows, with the index of their first character: the last lines that
    fit, or the end of a single line (so the cursor at the end stays visible)."""
    if multiline:
        return wrap(value, font, inner.width)[-max(1, inner.height // line_height) :]
    start = len(value) - _fit(value[::-1], font, inner.width) if value else 0
    return [(start, value[start:])]


def _switch(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    radius = rect.height // 2
    draw.rounded_rectangle(
        rect.box, radius, fill=node.fill, outline=node.outline, width=max(2, radius // 8)
    )
    thumb = radius - max(4, radius // 4) if node.checked else radius // 2
    center_x = rect.right - radius if node.checked else rect.left + radius
    center_y = rect.top + radius
    draw.ellipse(
        (center_x - thumb, center_y - thumb, center_x + thumb, center_y + thumb), fill=node.accent
    )


def _icon(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    side = min(rect.width, round(rect.height * 0.66))
    left = rect.left + (rect.width - side) // 2
    square = Rect(left, rect.top, left + side, rect.top + side)
    draw.rounded_rectangle(square.box, side // 4, fill=node.accent)
    if node.glyph:
        _text(draw, node.glyph, square, (255, 255, 255), side // 2, True, "center")
    if node.ink is not None:
        label = Rect(rect.left, square.bottom, rect.right, rect.bottom)
        _text(draw, node.text, label, node.ink, node.size, align="center")


def _wifi(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    """A full-signal fan: a quarter circle standing on its point."""
    radius = rect.height
    center_x = (rect.left + rect.right) // 2
    box = (center_x - radius, rect.top, center_x + radius, rect.top + 2 * radius)
    draw.pieslice(box, 225, 315, fill=node.ink)


def _battery(draw: ImageDraw.ImageDraw, node: Node, rect: Rect) -> None:
    tip = max(2, rect.width // 10)
    body = Rect(rect.left, rect.top, rect.right - tip, rect.bottom)
    line = max(2, rect.height // 12)
    draw.rounded_rectangle(body.box, line * 2, outline=node.ink, width=line)
    nub_top = rect.top + rect.height // 3
    draw.rectangle((body.right, nub_top, rect.right - 1, rect.bottom - rect.height // 3), node.ink)
    inner = body.inset(line * 2, line * 2)
    level = inner.left + round(inner.width * node.value)
    draw.rectangle((inner.left, inner.top, level - 1, inner.bottom - 1), node.ink)


_PAINTERS = {
    "box": _box,
    "field": _field,
    "switch": _switch,
    "icon": _icon,
    "wifi": _wifi,
    "battery": _battery,
}
