"""OSWorld's Writer metrics on docx files (python-docx): compare_docx_files compares the
paragraph texts of the result and the expected document.

Options as OSWorld's: `ignore_blanks` (default true: the whole texts compared with every run of
white space as one space), `ignore_case`, `ignore_order` (paragraphs sorted first). Without
ignore_blanks the paragraphs are compared one by one and their number must match. A file that
is missing or not a docx scores 0. `content_only` (a fuzzy ratio) and odt files are not
reproduced: the loader skips such tasks.
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


def docx_reasons(options: dict[str, Any], getters: list[dict[str, Any]]) -> list[str]:
    reasons = ["compare_docx_files option content_only"] if options.get("content_only") else []
    for getter in getters:
        paths = getter.get("path")
        for path in paths if isinstance(paths, list) else [paths]:
            if isinstance(path, str) and path.lower().endswith(".odt"):
                reasons.append("compare_docx_files on odt files")
    return reasons
