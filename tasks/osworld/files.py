"""OSWorld's metrics on plain files and archives.

- check_csv(result, rules): a CSV file with a header row; every record of `expect` (column:
  value) matches some row, and no row matches a record of `unexpect`. A row matches when it
  has each of the record's columns with that value.
- compare_config(result, rules): the file's text is exactly `expected`.
- compare_archive(result, expected, file_path="", file_type="text", **options): both
  archives (zip, or tar plain or compressed, known by content) unpacked in a temporary folder;
  the names in their `file_path` folders must be equal, and the score is the mean, over the
  result's files, of the `file_type` metric on each pair (text: compare_text_file, pdf:
  compare_pdfs, docx: compare_docx_files, ppt: compare_pptx_files, image: compare_images, csv:
  compare_csv, table: compare_table), called with the remaining options; a folder in the
  list scores 0 (OSWorld's metrics fail on it). An archive that
  cannot be unpacked, or lacks the folder, scores 0. Two empty folders score 1 (OSWorld
  divides by zero there).
- compare_zip_files(result, expected): two zip files with the same member names; each
  member's bytes equal, a PDF's extracted text (pypdf) at least 0.95 similar instead
  (difflib's ratio).
- compare_result_files(result, expected): the texts (stripped) equal; when the expected one
  is a number, the result holding it or being a number within 1e-4 of it passes.
- compare_python_pure_text(result, expected): the texts equal without any white space.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARCHIVED = {"text", "pdf", "docx", "ppt", "image", "csv", "table"}


def _matches(record: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(key in row and row[key] == value for key, value in record.items())


def check_csv(result: Any, rules: dict[str, list[dict[str, str]]]) -> float:
    if not result or not Path(result).is_file():
        return 0.0
    wanted, unwanted = rules.get("expect", []), rules.get("unexpect", [])
    found = [False] * len(wanted)
    clean = True
    with open(result, newline="", encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            found = [
                seen or _matches(record, row) for seen, record in zip(found, wanted, strict=True)
            ]
            clean = clean and not any(_matches(record, row) for record in unwanted)
    return float(all(found) and clean)


def compare_config(result: Any, rules: dict[str, Any]) -> float:
    if not result or not Path(result).is_file():
        return 0.0
    return float(Path(result).read_text(encoding="utf-8", errors="replace") == rules["expected"])


def archive_reasons(options: dict[str, Any]) -> list[str]:
    kind = options.get("file_type", "text")
    return [] if kind in ARCHIVED else [f"compare_archive file_type {kind}"]


def _metric(kind: str) -> Callable[..., float]:
    from tasks.osworld import documents, images, metrics, pdfs, slides, tables

    return {
        "text": metrics.compare_text_file,
        "pdf": pdfs.compare_pdfs,
        "docx": documents.compare_docx_files,
        "ppt": slides.compare_pptx_files,
        "image": images.compare_images,
        "csv": metrics.compare_csv,
        "table": tables.compare_table,
    }[kind]


def _names(archive: str, folder: Path, inside: str) -> list[str] | None:
    import tarfile
    import zipfile

    # tar members are extracted with the "data" filter: nothing lands outside the folder
    try:
        if zipfile.is_zipfile(archive):
            shutil.unpack_archive(archive, folder, format="zip")
        elif tarfile.is_tarfile(archive):
            shutil.unpack_archive(archive, folder, format="tar", filter="data")
        else:
            return None
    except (OSError, ValueError, EOFError, tarfile.TarError, zipfile.BadZipFile):
        return None
    where = folder / inside
    return sorted(p.name for p in where.iterdir()) if where.is_dir() else None


def compare_archive(result: Any, expected: Any, **options: Any) -> float:
    if not result or not expected:
        return 0.0
    inside = str(options.pop("file_path", ""))
    metric = _metric(options.pop("file_type", "text"))
    with tempfile.TemporaryDirectory(prefix="osworld-archive-") as folder:
        got_dir, want_dir = Path(folder, "result"), Path(folder, "expected")
        got, want = _names(result, got_dir, inside), _names(expected, want_dir, inside)
        if got is None or want is None or got != want:
            return 0.0
        if not got:
            return 1.0
        pairs = [(str(got_dir / inside / name), str(want_dir / inside / name)) for name in got]
        scores = [
            float(metric(a, b, **options)) if Path(a).is_file() and Path(b).is_file() else 0.0
            for a, b in pairs
        ]
        return sum(scores) / len(scores)


def _pdf_text(data: bytes) -> str | None:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except (OSError, ValueError, KeyError, PyPdfError):
        return None


def compare_zip_files(result: Any, expected: Any) -> float:
    import difflib
    import zipfile

    if not result or not expected:
        return 0.0
    try:
        with zipfile.ZipFile(result) as first, zipfile.ZipFile(expected) as second:
            if set(first.namelist()) != set(second.namelist()):
                return 0.0
            for name in first.namelist():
                got, want = first.read(name), second.read(name)
                if not name.lower().endswith(".pdf"):
                    if got != want:
                        return 0.0
                    continue
                text, wanted = _pdf_text(got), _pdf_text(want)
                if text is None or wanted is None:
                    return 0.0
                if difflib.SequenceMatcher(None, text, wanted).ratio() < 0.95:
                    return 0.0
    except (OSError, zipfile.BadZipFile):
        return 0.0
    return 1.0


def _read(path: Any) -> str | None:
    if not path or not isinstance(path, str) or not Path(path).is_file():
        return None
    return Path(path).read_text(encoding="utf-8", errors="replace")


def compare_result_files(result: Any, expected: Any) -> float:
    got, want = _read(result), _read(expected)
    if got is None or want is None:
        return 0.0
    got, want = got.strip(), want.strip()
    try:
        number = float(want)
    except ValueError:
        return float(got == want)
    if want in got:  # the result may say more around the number
        return 1.0
    try:
        return float(abs(float(got) - number) < 1e-4)
    except ValueError:
        return 0.0


def compare_python_pure_text(result: Any, expected: Any) -> float:
    got, want = _read(result), _read(expected)
    if got is None or want is None:
        return 0.0
    return float("".join(got.split()) == "".join(want.split()))


METRICS: tuple[Callable[..., float], ...] = (
    check_csv,
    compare_config,
    compare_archive,
    compare_zip_files,
)
METRICS += (compare_result_files, compare_python_pure_text)
