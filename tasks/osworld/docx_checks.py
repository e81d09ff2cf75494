"""OSWorld's Writer checks on a document's images, tab stops and table colours (python-docx),
and on Writer's default font setting. A file that is missing or no docx scores 0.

- compare_docx_images(result, expected): the images the documents hold (their image
  relationships, in order) are as many and decode to the same pixels (Pillow).
- compare_contains_image(result, expected): paragraph by paragraph and run by run (pairs up
  to the shorter), a run holds a drawing in one document exactly when it does in the other.
- check_tabstops(result, expected, word_number_split_by_tabstop=None, index=0): the
  non-empty paragraphs are as many; with word_number_split_by_tabstop, the `index`th
  tab-separated part of each result paragraph has that many words. Each pair of paragraphs
  has the same tab stops (cleared ones and a left one at 0 aside) with the same alignments;
  the score is 1 minus the mean, over the paragraphs, of their stops' summed distance as a
  share of the expected document's text width. A score, not a pass.
- evaluate_colored_words_in_tables(result, expected, threshold=3.5): the texts are the same
  (compare_docx_files) and, in the result's tables, every run starting with a vowel is red and
  every other run blue, within CIEDE2000 distance `threshold` (scikit-image); a run without
  an explicit colour fails.
- fuzzy_place_math(result, rules): the document's words (its paragraphs split at white
  space) are exactly three; the score is the mean over them of the best RapidFuzz ratio / 100
  against the `expected` answers. A score, not a pass.
- find_default_font(result, rules): LibreOffice's registrymodifications.xcu sets Writer's
  DefaultFont Standard to rules["font_name"].
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tasks.osworld.documents import compare_docx_files, open_document


def _images(document: Any) -> list[bytes] | None:
    from PIL import Image, UnidentifiedImageError

    found = []
    for relationship in document.part.rels.values():
        if "image" not in relationship.reltype or relationship.is_external:
            continue
        try:
            with Image.open(io.BytesIO(relationship.target_part.blob)) as image:
                found.append(image.tobytes())
        except (OSError, UnidentifiedImageError):
            return None
    return found


def compare_docx_images(result: Any, expected: Any) -> float:
    got, want = open_document(result), open_document(expected)
    if got is None or want is None:
        return 0.0
    first, second = _images(got), _images(want)
    return float(first is not None and first == second)


def compare_contains_image(result: Any, expected: Any) -> float:
    got, want = open_document(result), open_document(expected)
    if got is None or want is None:
        return 0.0
    for mine, theirs in zip(got.paragraphs, want.paragraphs, strict=False):
        for a, b in zip(mine.runs, theirs.runs, strict=False):
            if ("graphicData" in a._element.xml) != ("graphicData" in b._element.xml):
                return 0.0
    return 1.0


def _stops(paragraph: Any) -> list[Any]:
    from docx.enum.text import WD_TAB_ALIGNMENT

    def ignored(stop: Any) -> bool:
        left_at_zero = stop.alignment == WD_TAB_ALIGNMENT.LEFT and stop.position == 0
        return bool(stop.alignment == WD_TAB_ALIGNMENT.CLEAR or left_at_zero)

    return [stop for stop in paragraph.paragraph_format.tab_stops if not ignored(stop)]


def check_tabstops(result: Any, expected: Any, **options: Any) -> float:
    got, want = open_document(result), open_document(expected)
    if got is None or want is None:
        return 0.0
    mine = [p for p in got.paragraphs if p.text.strip()]
    theirs = [p for p in want.paragraphs if p.text.strip()]
    if len(mine) != len(theirs):
        return 0.0
    number = options.get("word_number_split_by_tabstop")
    if number is not None:
        index = int(options.get("index", 0))
        for paragraph in mine:
            parts = paragraph.text.split("\t")
            if (
                index >= len(parts)
                or len([w for w in re.split(r"\s", parts[index]) if w.strip()]) != number
            ):
                return 0.0
    if not mine:  # OSWorld divides by zero here
        return 1.0
    section = want.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    off = 0.0
    for a, b in zip(mine, theirs, strict=True):
        first, second = _stops(a), _stops(b)
        if len(first) != len(second):
            return 0.0
        if any(s.alignment != t.alignment for s, t in zip(first, second, strict=True)):
            return 0.0
        off += sum(abs(s.position - t.position) for s, t in zip(first, second, strict=True)) / width
    return 1.0 - off / len(mine)


def _distance(colour: Any, target: tuple[int, int, int]) -> float:
    import numpy as np
    from skimage.color import deltaE_ciede2000, rgb2lab

    first = rgb2lab(np.array([[list(colour)]], dtype=float) / 255.0)
    second = rgb2lab(np.array([[list(target)]], dtype=float) / 255.0)
    return float(deltaE_ciede2000(first, second)[0, 0])


def evaluate_colored_words_in_tables(result: Any, expected: Any, **options: Any) -> float:
    if not compare_docx_files(result, expected):
        return 0.0
    document = open_document(result)
    if document is None:
        return 0.0
    threshold = float(options.get("threshold", 3.5))
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if not run.text:
                            continue
                        target = (255, 0, 0) if run.text[0].lower() in "aeiou" else (0, 0, 255)
                        colour = run.font.color.rgb if run.font.color.type is not None else None
                        if colour is None or _distance(colour, target) > threshold:
                            return 0.0
    return 1.0


_OOR = "{http://openoffice.org/2001/registry}"


def find_default_font(result: Any, rules: dict[str, Any]) -> float:
    if not result or not isinstance(result, str) or not Path(result).is_file():
        return 0.0
    try:
        root = ET.parse(result).getroot()
    except ET.ParseError:
        return 0.0
    font = None
    for item in root.iter("item"):
        if item.get(f"{_OOR}path") != "/org.openoffice.Office.Writer/DefaultFont":
            continue
        for prop in item.iter("prop"):
            if prop.get(f"{_OOR}name") == "Standard":
                for value in prop.findall("value"):
                    font = value.text
    return float(font == rules["font_name"])


def fuzzy_place_math(result: Any, rules: dict[str, Any]) -> float:
    from rapidfuzz import fuzz

    document = open_document(result)
    if document is None:
        return 0.0
    words = [word for paragraph in document.paragraphs for word in paragraph.text.split()]
    if len(words) != 3:
        return 0.0
    best = [max((fuzz.ratio(w, a) / 100 for a in rules["expected"]), default=0.0) for w in words]
    return sum(best) / 3


METRICS = (
    fuzzy_place_math,
    compare_docx_images,
    compare_contains_image,
    check_tabstops,
    evaluate_colored_words_in_tables,
    find_default_font,
)
OPTIONS = {
    "check_tabstops": {"word_number_split_by_tabstop", "index"},
    "evaluate_colored_words_in_tables": {"threshold"},
}
