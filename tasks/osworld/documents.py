"""OSWorld's Writer metrics on docx files (python-docx): compare_docx_files compares the
paragraph texts of the result and the expected document; the others (METRICS, each described
where it is defined) check one kind of formatting, most of them after compare_docx_files (with
its defaults) found the same text. A file that is missing or no docx scores 0.

Options as OSWorld's: `ignore_blanks` (default true: the whole texts compared with every run of
white space as one space), `ignore_case`, `ignore_order` (paragraphs sorted first). Without
ignore_blanks the paragraphs are compared one by one and their number must match. With
`content_only` the score is RapidFuzz's ratio / 100 of the two texts (white space as one space,
optionally without case), a score rather than a pass. A file that is missing or not a docx
scores 0. odt files are not reproduced: the loader skips such tasks.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any


def _paragraphs(path: str) -> list[str] | None:
    import docx  # only Writer tasks need it
    from docx.opc.exceptions import PackageNotFoundError

    if not path.endswith(".docx"):
        return None
    try:
        return [paragraph.text for paragraph in docx.Document(path).paragraphs]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, PackageNotFoundError):
        return None


def compare_docx_files(result: str | None, expected: str | None, **options: Any) -> float:
    if not result or not expected:
        return 0.0
    got, want = _paragraphs(result), _paragraphs(expected)
    if got is None or want is None:
        return 0.0
    if options.get("ignore_order", False):
        got, want = sorted(got), sorted(want)
    fold = options.get("ignore_case", False)
    if options.get("content_only", False):
        from rapidfuzz import fuzz

        first = re.sub(r"\s+", " ", "\n".join(got)).strip()
        second = re.sub(r"\s+", " ", "\n".join(want)).strip()
        if fold:
            first, second = first.lower(), second.lower()
        return float(fuzz.ratio(first, second) / 100.0)
    if options.get("ignore_blanks", True):
        first = re.sub(r"\s+", " ", "\n".join(got)).strip()
        second = re.sub(r"\s+", " ", "\n".join(want)).strip()
        if fold:
            first, second = first.lower(), second.lower()
        return float(first == second)
    if len(got) != len(want):
        return 0.0
    pairs = zip(got, want, strict=True)
    return float(all((a.lower() == b.lower()) if fold else a == b for a, b in pairs))


def docx_reasons(func: str, options: dict[str, Any], getters: list[dict[str, Any]]) -> list[str]:
    reasons = []
    for getter in getters:
        paths = getter.get("path")
        for path in paths if isinstance(paths, list) else [paths]:
            if isinstance(path, str) and path.lower().endswith(".odt"):
                reasons.append(f"{func} on odt files")
    return reasons


def open_document(path: Any) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not path or not isinstance(path, str):
        return None
    try:
        return docx.Document(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, PackageNotFoundError):
        return None


def _runs(document: Any) -> list[Any]:
    return [run for paragraph in document.paragraphs for run in paragraph.runs]


def compare_line_spacing(result: Any, expected: Any) -> float:
    """The same text (compare_docx_files) and each paragraph's line spacing equal."""
    if not compare_docx_files(result, expected):
        return 0.0
    got, want = open_document(result), open_document(expected)
    if got is None or want is None or len(got.paragraphs) != len(want.paragraphs):
        return 0.0
    pairs = zip(got.paragraphs, want.paragraphs, strict=True)
    return float(
        all(a.paragraph_format.line_spacing == b.paragraph_format.line_spacing for a, b in pairs)
    )


def _cells(table: Any) -> list[list[str]]:
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


def compare_docx_tables(result: Any, expected: Any) -> float:
    """As many tables, each of the same rows and columns with the same cell texts (stripped)."""
    got, want = open_document(result), open_document(expected)
    if got is None or want is None or len(got.tables) != len(want.tables):
        return 0.0
    for first, second in zip(got.tables, want.tables, strict=True):
        shape = len(first.rows), len(first.columns)
        if shape != (len(second.rows), len(second.columns)) or _cells(first) != _cells(second):
            return 0.0
    return 1.0


def compare_font_names(result: Any, rules: dict[str, Any]) -> float:
    """Every run's font is rules["font_name"] (a run that names no font fails)."""
    document = open_document(result)
    if document is None:
        return 0.0
    return float(all(run.font.name == rules["font_name"] for run in _runs(document)))


def is_first_line_centered(result: Any) -> float:
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT

    document = open_document(result)
    if document is None or not document.paragraphs:
        return 0.0
    alignment = document.paragraphs[0].paragraph_format.alignment
    return float(alignment == WD_PARAGRAPH_ALIGNMENT.CENTER)


def compare_docx_lines(result: Any, expected: Any) -> float:
    """The same set of non-empty paragraph texts (stripped), in any order."""
    got, want = open_document(result), open_document(expected)
    if got is None or want is None:
        return 0.0

    def lines(document: Any) -> set[str]:
        return {p.text.strip() for p in document.paragraphs if p.text.strip()}

    return float(lines(got) == lines(want))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def contains_page_break(result: Any) -> float:
    """Some run holds a page break (<w:br w:type="page"/>)."""
    document = open_document(result)
    if document is None:
        return 0.0
    return float(
        any(
            br.get(f"{_W}type") == "page"
            for run in _runs(document)
            for br in run.element.iter(f"{_W}br")
        )
    )


def check_italic_font_size_14(result: Any, expected: Any) -> float:
    """The same text, and every italic run is 14 pt."""
    if not compare_docx_files(result, expected):
        return 0.0
    document = open_document(result)
    if document is None:
        return 0.0
    italic = [run for run in _runs(document) if run.italic]
    return float(all(run.font.size is not None and run.font.size.pt == 14 for run in italic))


def evaluate_strike_through_last_paragraph(result: Any, expected: Any) -> float:
    """The same text, and every run of the last paragraph struck through."""
    if not compare_docx_files(result, expected):
        return 0.0
    document = open_document(result)
    if document is None or not document.paragraphs:
        return 0.0
    return float(all(run.font.strike for run in document.paragraphs[-1].runs))


def compare_subscript_contains(result: Any, expected: Any) -> float:
    """Some pair of runs (paragraph by paragraph, run by run) is subscript in both."""
    got, want = open_document(result), open_document(expected)
    if got is None or want is None:
        return 0.0
    for first, second in zip(got.paragraphs, want.paragraphs, strict=False):
        for a, b in zip(first.runs, second.runs, strict=False):
            if a.font.subscript and b.font.subscript:
                return 1.0
    return 0.0


def has_page_numbers_in_footers(result: Any) -> float:
    """Every section's footer's first paragraph holds a digit."""
    document = open_document(result)
    if document is None:
        return 0.0
    for section in document.sections:
        paragraphs = section.footer.paragraphs
        text = paragraphs[0].text if paragraphs else ""
        if not any(char.isdigit() for char in text):
            return 0.0
    return 1.0


def compare_docx_files_and_ignore_new_lines(result: Any, expected: Any, **options: Any) -> float:
    """compare_docx_files (ignore_blanks only) on the paragraphs that are not empty."""
    if not isinstance(result, str) or not isinstance(expected, str):
        return 0.0
    got, want = _paragraphs(result), _paragraphs(expected)
    if got is None or want is None:
        return 0.0
    got, want = [p for p in got if p], [p for p in want if p]
    if options.get("ignore_blanks", True):
        return float(
            re.sub(r"\s+", " ", "\n".join(got)).strip()
            == re.sub(r"\s+", " ", "\n".join(want)).strip()
        )
    return float(got == want)


def compare_references(result: Any, expected: Any, **options: Any) -> float:
    """The paragraphs after the first one that is exactly `reference_indicator` (default
    "References") are the references (`content_only` is accepted and, as in OSWorld, unused);
    both documents without one score 1, one without scores 0, a different number of
    (non-empty) references 0.
    Otherwise the mean RapidFuzz ratio / 100 of the pairs, r, scores (r - base) / (1 - base)
    when at least `reference_base_result` (base, default 0.5), else 0."""
    from rapidfuzz import fuzz

    if not isinstance(result, str) or not isinstance(expected, str):
        return 0.0
    got, want = _paragraphs(result), _paragraphs(expected)
    if got is None or want is None:
        return 0.0
    marker = options.get("reference_indicator", "References")
    base = float(options.get("reference_base_result", 0.5))
    if marker not in got and marker not in want:
        return 1.0
    if marker not in got or marker not in want:
        return 0.0
    mine = [p for p in got[got.index(marker) + 1 :] if p.strip()]
    theirs = [p for p in want[want.index(marker) + 1 :] if p.strip()]
    if len(mine) != len(theirs):
        return 0.0
    if not mine:  # OSWorld divides by zero here
        return 1.0
    ratio = sum(fuzz.ratio(a, b) / 100.0 for a, b in zip(mine, theirs, strict=True)) / len(mine)
    return (ratio - base) / (1 - base) if ratio >= base else 0.0


METRICS = (
    compare_docx_files_and_ignore_new_lines,
    compare_references,
    compare_line_spacing,
    compare_docx_tables,
    compare_font_names,
    is_first_line_centered,
    compare_docx_lines,
    contains_page_break,
    check_italic_font_size_14,
    evaluate_strike_through_last_paragraph,
    compare_subscript_contains,
    has_page_numbers_in_footers,
)
