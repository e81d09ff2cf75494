"""compare_pptx_files, OSWorld's Impress metric, on pptx files (python-pptx): the result and the
expected presentation must agree slide by slide, shape by shape (in document order, as many as
the shorter slide has), paragraph by paragraph and run by run.

What is compared, each switched by an `examine_*` option (default on unless said otherwise):
- number_of_slides; background_color (the RGB colour of the solid background a slide shows:
  its own, its layout's or its master's); note (the notes text, stripped);
- shape: every shape's left, top, width and height;
- for shapes that hold text (autoshapes, text boxes, placeholders; not pictures, tables,
  groups): text (stripped, then each paragraph's), alignment, indent (the paragraph level),
  and per run font_name, font_size, font_bold, font_italic, color_rgb (when both runs have an
  explicit RGB colour), font_underline, strike_through; bullets (per paragraph of the whole
  slide: level, bullet character, bullet RGB colour and text) once a run pair was compared.
- Task-specific checks OSWorld switches on by name (off by default): title_bottom_position,
  table_bottom_position, right_position, top_position, shape_for_shift_size, image_size,
  modify_height. Each tolerates one kind of change (a shape moved or resized in the named
  direction, past a threshold in EMU) and requires every other shape to keep its box.

Options are OSWorld's names; an unknown one is ignored as OSWorld ignores it (a task file
spells `examine_aligment`). A result that is missing or not a presentation scores 0.

Also here: check_slide_orientation_Portrait, check_image_stretch_and_center,
evaluate_presentation_fill_to_rgb_distance, check_transition and check_page_number_colors
(described where they are defined).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from typing import Any

_DEFAULT_ON = (
    "number_of_slides",
    "shape",
    "text",
    "indent",
    "font_name",
    "font_size",
    "font_bold",
    "font_italic",
    "color_rgb",
    "font_underline",
    "strike_through",
    "alignment",
    "bullets",
    "background_color",
    "note",
)
_DEFAULT_OFF = (
    "title_bottom_position",
    "table_bottom_position",
    "right_position",
    "top_position",
    "shape_for_shift_size",
    "image_size",
    "modify_height",
)
OPTIONS = {f"examine_{name}" for name in (*_DEFAULT_ON, *_DEFAULT_OFF)} | {"examine_aligment"}
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_PICTURE, _TABLE, _FREEFORM = 13, 19, 5  # MSO_SHAPE_TYPE values OSWorld tests for


def _open(path: str | None) -> Any:
    from pptx import Presentation  # only Impress tasks need it
    from pptx.exc import PackageNotFoundError

    if not path:
        return None
    try:
        return Presentation(path)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError):
        return None


def _background(slide: Any) -> Any:
    """The RGB colour of the background the slide shows: its own, else its layout's, else its
    master's; None when that is no solid RGB fill (a picture, a gradient, a theme style)."""
    from pptx.enum.dml import MSO_FILL

    for part in (slide, slide.slide_layout, slide.slide_layout.slide_master):
        background = part._element.cSld.bg
        if background is None:
            continue
        if background.bgPr is None:
            return None
        fill = part.background.fill
        if fill.type != MSO_FILL.SOLID:
            return None
        try:
            return fill.fore_color.rgb
        except AttributeError:  # a theme colour
            return None
    return None


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return frame.text.strip() if frame is not None else ""


def _box(shape: Any) -> tuple[Any, ...]:
    return shape.left, shape.top, shape.width, shape.height


def _kind(shape: Any) -> Any:
    try:
        return shape.shape_type
    except NotImplementedError:  # an autoshape python-pptx cannot classify
        return None


def _has_text(shape: Any) -> bool:
    from pptx.shapes.autoshape import Shape

    return isinstance(shape, Shape)


def _title_bottom(index: int, got: Any, want: Any, same_box: bool) -> bool:
    if _has_text(got) and _has_text(want) and got.text == want.text:
        moved_down = got.top > want.top and got.top >= 3600000
        return got.text != "Product Comparison" or moved_down
    return same_box


def _table_bottom(index: int, got: Any, want: Any, same_box: bool) -> bool:
    if index == 3 and _kind(got) == _TABLE and _kind(want) == _TABLE:
        return got.top > want.top and got.top >= 3600000
    return same_box


def _right(index: int, got: Any, want: Any, same_box: bool) -> bool:
    if index == 2 and not _has_text(got) and not _has_text(want):
        return got.left > want.left and got.left >= 4320000
    return True


def _top(index: int, got: Any, want: Any, same_box: bool) -> bool:
    if index == 2 and _kind(got) == _PICTURE and _kind(want) == _PICTURE:
        return got.top < want.top and got.top <= 1980000
    return same_box


def _shift_size(index: int, got: Any, want: Any, same_box: bool) -> bool:
    moved = "Elaborate on what you want to discuss."
    texts = _has_text(got) and _has_text(want)
    return same_box or (texts and got.text == want.text == moved)


def _shape(index: int, got: Any, want: Any, same_box: bool) -> bool:
    return same_box


def _image_size(index: int, got: Any, want: Any, same_box: bool) -> bool:
    if _kind(got) == _PICTURE and _kind(want) == _PICTURE:
        return (got.width, got.height) == (want.width, want.height)
    return same_box


def _height(index: int, got: Any, want: Any, same_box: bool) -> bool:
    untexted = not _has_text(got) and not _has_text(want)
    if untexted or (_kind(got) == _FREEFORM and _kind(want) == _FREEFORM):
        return bool(got.height == want.height)
    return same_box


# examine_* option -> whether a shape pair (on slide `index`, from 1) passes
_BOX_CHECKS = {
    "title_bottom_position": _title_bottom,
    "table_bottom_position": _table_bottom,
    "right_position": _right,
    "top_position": _top,
    "shape_for_shift_size": _shift_size,
    "shape": _shape,
    "image_size": _image_size,
    "modify_height": _height,
}


def _boxes_agree(flags: dict[str, bool], index: int, got: Any, want: Any) -> bool:
    same_box = _box(got) == _box(want)
    return all(
        check(index, got, want, same_box) for name, check in _BOX_CHECKS.items() if flags[name]
    )


def _rgb(font: Any) -> Any:
    try:
        return font.color.rgb
    except AttributeError:  # no explicit colour, or a theme colour: not compared
        return None


def _strike(font: Any) -> str:
    return str(font._element.get("strike", "noStrike"))


def _runs_agree(flags: dict[str, bool], got: Any, want: Any) -> bool:
    a, b = got.font, want.font
    checks = (
        ("font_name", a.name, b.name),
        ("font_size", a.size, b.size),
        ("font_bold", a.bold, b.bold),
        ("font_italic", a.italic, b.italic),
        ("font_underline", a.underline, b.underline),
        ("strike_through", _strike(a), _strike(b)),
    )
    if any(flags[name] and x != y for name, x, y in checks):
        return False
    colours = _rgb(a), _rgb(b)
    return not (flags["color_rgb"] and None not in colours and colours[0] != colours[1])


def _bullets(slide: Any) -> list[tuple[str, str, str, str]]:
    """(level, bullet character, bullet colour, text) of every paragraph on the slide."""
    found = []
    for paragraph in ET.fromstring(slide.part.blob).iter(f"{_A}p"):
        properties = paragraph.find(f"{_A}pPr")
        level, char, colour = "none", "none", "none"
        if properties is not None:
            level = properties.get("lvl") or "none"
            bullet = properties.find(f"{_A}buChar")
            char = bullet.get("char", "none") if bullet is not None else "none"
            rgb = properties.find(f"{_A}buClr/{_A}srgbClr")
            colour = rgb.get("val", "none") if rgb is not None else "none"
        text = "".join(t.text or "" for t in paragraph.iter(f"{_A}t"))
        found.append((level, char, colour, text))
    return found


def _texts_agree(flags: dict[str, bool], got: Any, want: Any) -> tuple[bool, bool]:
    """(whether the two text shapes agree, whether a run pair was compared)."""
    if flags["text"] and got.text.strip() != want.text.strip():
        return False, False
    compared = False
    pairs = zip(got.text_frame.paragraphs, want.text_frame.paragraphs, strict=False)
    for first, second in pairs:
        if flags["alignment"] and first.alignment != second.alignment:
            return False, compared
        if flags["text"] and first.text != second.text:
            return False, compared
        if flags["indent"] and first.level != second.level:
            return False, compared
        for run, other in zip(first.runs, second.runs, strict=False):
            compared = True
            if not _runs_agree(flags, run, other):
                return False, compared
    return True, compared


def _slides_agree(flags: dict[str, bool], index: int, got: Any, want: Any) -> bool:
    if flags["background_color"] and _background(got) != _background(want):
        return False
    if flags["note"] and _notes(got) != _notes(want):
        return False
    runs = False
    for first, second in zip(got.shapes, want.shapes, strict=False):
        if not _boxes_agree(flags, index, first, second):
            return False
        if _has_text(first) and _has_text(second):
            agree, compared = _texts_agree(flags, first, second)
            runs = runs or compared
            if not agree:
                return False
    return not (flags["bullets"] and runs and _bullets(got) != _bullets(want))


def compare_pptx_files(result: str | None, expected: str | None, **options: Any) -> float:
    got, want = _open(result), _open(expected)
    if got is None or want is None:
        return 0.0
    flags = {name: bool(options.get(f"examine_{name}", True)) for name in _DEFAULT_ON}
    flags |= {name: bool(options.get(f"examine_{name}", False)) for name in _DEFAULT_OFF}
    if flags["number_of_slides"] and len(got.slides) != len(want.slides):
        return 0.0
    for index, (first, second) in enumerate(zip(got.slides, want.slides, strict=False), 1):
        if not _slides_agree(flags, index, first, second):
            return 0.0
    return 1.0


def check_slide_orientation_Portrait(result: Any) -> float:
    """The slides are taller than wide."""
    deck = _open(result)
    return float(deck is not None and deck.slide_width < deck.slide_height)


def check_image_stretch_and_center(result: Any, original: Any) -> float:
    """The first slide's first picture (found in the result by its image bytes) fills the
    slide and sits in its middle, each within half an inch."""
    got, want = _open(result), _open(original)
    if got is None or want is None or not got.slides or not want.slides:
        return 0.0
    pictures = [s for s in want.slides[0].shapes if _kind(s) == _PICTURE]
    if not pictures:
        return 0.0
    blob = pictures[0].image.blob
    same = [s for s in got.slides[0].shapes if _kind(s) == _PICTURE and s.image.blob == blob]
    if not same:
        return 0.0
    image, width, height, tolerance = same[-1], want.slide_width, want.slide_height, 457200
    return float(
        abs(image.width - width) <= tolerance
        and abs(image.height - height) <= tolerance
        and abs(image.left - (width - image.width) / 2) <= tolerance
        and abs(image.top - (height - image.height) / 2) <= tolerance
    )


def evaluate_presentation_fill_to_rgb_distance(result: Any, rules: dict[str, Any]) -> float:
    """1 minus the mean distance (0..1, Euclidean in RGB) of each slide's background colour
    to rules["rgb"]; a slide without a solid RGB background is at distance 1. A score."""
    deck = _open(result)
    if deck is None or not deck.slides:
        return 0.0
    wanted = rules["rgb"]
    total = 0.0
    for slide in deck.slides:
        colour = _background(slide)
        if colour is None:
            total += 1.0
            continue
        square = sum((int(a) - int(b)) ** 2 for a, b in zip(colour, wanted, strict=True))
        total += (square / (3 * 255**2)) ** 0.5
    return 1.0 - total / len(deck.slides)


_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


def check_transition(result: Any, rules: dict[str, Any]) -> float:
    """Slide rules["slide_idx"] (from 0) has a transition, and the first one it holds is of
    rules["transition_type"] (a PresentationML element name: dissolve, fade, push, ...)."""
    deck = _open(result)
    index = int(rules["slide_idx"])
    if deck is None or not 0 <= index < len(deck.slides):
        return 0.0
    transition = next(deck.slides[index]._element.iter(f"{_P}transition"), None)
    if transition is None:
        return 0.0
    return float(next(transition.iter(f"{_P}{rules['transition_type']}"), None) is not None)


_SHADES = {
    "red": lambda r, g, b: r > g + 50 and r > b + 50,
    "blue": lambda r, g, b: b > g + 50 and b > r + 50,
    "green": lambda r, g, b: g > r + 50 and g > b + 50,
    "black": lambda r, g, b: r < 50 and g < 50 and b < 50,
}


def check_page_number_colors(result: Any, rules: dict[str, Any]) -> float:
    """The next-to-last solid RGB colour of the first slide master (where the page number's
    field sits in the masters LibreOffice writes) is of the rule's `color`: red, blue, green
    (that channel 50 above both others) or black (every channel below 50); another colour
    name accepts any. A master with fewer than two such colours scores 0. The colour is read
    as its six hex digits; OSWorld's code reads it one digit late (as if it began with "#"),
    which changes no clear red but fails a pure blue."""
    namespace = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    if not isinstance(result, str):
        return 0.0
    try:
        with zipfile.ZipFile(result) as archive:
            root = ET.fromstring(archive.read("ppt/slideMasters/slideMaster1.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return 0.0
    colours = [
        found.get("val")
        for fill in root.iter(f"{namespace}solidFill")
        for found in fill.iter(f"{namespace}srgbClr")
    ]
    if len(colours) < 2 or not colours[-2]:
        return 0.0
    value = colours[-2]
    try:
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return 0.0
    shade = _SHADES.get(rules["color"])
    return float(shade is None or shade(r, g, b))


METRICS = (
    check_page_number_colors,
    compare_pptx_files,
    check_transition,
    check_slide_orientation_Portrait,
    check_image_stretch_and_center,
    evaluate_presentation_fill_to_rgb_distance,
)
