"""OSWorld's PDF metrics, on pypdf.

- compare_pdfs(result, expected): for each pair of files (a file, or lists of them), the
  similarity of their texts (all pages, stripped) as RapidFuzz's ratio / 100; the score is the
  mean over the expected files, a pair that cannot be read scoring 0. A score, not a pass: a
  near copy scores near 1. The text is pypdf's extraction, where OSWorld uses PyMuPDF's; both
  files go through the same one, so the same document scores 1 either way.
- compare_pdf_images(result, expected): the pages rendered at 72 dpi (PDFium, where OSWorld
  uses PyMuPDF) are as many and have the same pixels. Both files go through the same renderer,
  so a copy scores 1 either way.
- check_pdf_pages(result, rule): the number of pages stands in `relation` (eq, ne, lt, le, gt,
  ge) to `ref_value`.
"""

from __future__ import annotations

import operator
from typing import Any


def _text(path: Any) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not path or not isinstance(path, str):
        return None
    try:
        reader = PdfReader(path)
        return "".join(page.extract_text() or "" for page in reader.pages).strip()
    except (OSError, ValueError, KeyError, PyPdfError):
        return None


def compare_pdfs(result: Any, expected: Any) -> float:
    from rapidfuzz import fuzz

    if not isinstance(expected, list):
        result, expected = [result], [expected]
    if not isinstance(result, list) or not expected:
        return 0.0
    total = 0.0
    for first, second in zip(result, expected, strict=False):
        texts = _text(first), _text(second)
        if texts[0] is not None and texts[1] is not None:
            total += fuzz.ratio(texts[0], texts[1]) / 100
    return total / len(expected)


_RELATIONS = {"eq", "ne", "lt", "le", "gt", "ge"}


def check_pdf_pages(result: Any, rule: dict[str, Any]) -> float:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not result or not isinstance(result, str) or rule["relation"] not in _RELATIONS:
        return 0.0
    try:
        pages = len(PdfReader(result).pages)
    except (OSError, ValueError, KeyError, PyPdfError):
        return 0.0
    return float(getattr(operator, rule["relation"])(pages, rule["ref_value"]))


def _pages(path: Any) -> list[bytes] | None:
    import pypdfium2 as pdfium  # only tasks that compare rendered PDFs need it

    if not path or not isinstance(path, str):
        return None
    try:
        document = pdfium.PdfDocument(path)
    except (OSError, pdfium.PdfiumError):
        return None
    try:
        return [page.render(scale=1).to_pil().convert("RGB").tobytes() for page in document]
    except pdfium.PdfiumError:
        return None
    finally:
        document.close()


def compare_pdf_images(result: Any, expected: Any) -> float:
    got, want = _pages(result), _pages(expected)
    return float(got is not None and got == want)


METRICS = (compare_pdfs, check_pdf_pages, compare_pdf_images)
