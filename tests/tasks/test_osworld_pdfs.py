"""OSWorld's PDF metrics on documents LibreOffice printed here: the text similarity of two PDFs
(a score: the same text 1, a changed word a little less, another text far less, a file that
is no PDF 0) and page counts."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tasks.osworld.metrics import METRICS
from tasks.osworld.pdfs import check_pdf_pages, compare_pdfs

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
TEXT = "The quick brown fox jumps over the lazy dog. " * 6


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("pdfs")
    pages = {
        "gold": [TEXT],
        "copy": [TEXT],
        "edited": [TEXT.replace("lazy", "sleepy", 1)],
        "other": ["An entirely different document about tax forms and invoices, 2023."],
        "two": [TEXT, *["line"] * 80, "Second page."],  # more lines than a page holds
    }
    for name, lines in pages.items():
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
    command = ["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(folder)]
    command += [str(folder / f"{name}.txt") for name in pages]
    environment = {"HOME": str(folder), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=180, env=environment)
    return {name: str(folder / f"{name}.pdf") for name in pages}


def test_compare_pdfs_scores_the_text_similarity(pdfs, tmp_path):
    assert compare_pdfs(pdfs["copy"], pdfs["gold"]) == 1.0
    edited = compare_pdfs(pdfs["edited"], pdfs["gold"])
    assert 0.95 < edited < 1.0
    assert compare_pdfs(pdfs["other"], pdfs["gold"]) < 0.5
    broken = tmp_path / "broken.pdf"
    broken.write_text("not a pdf")
    assert compare_pdfs(str(broken), pdfs["gold"]) == 0.0
    assert compare_pdfs(None, pdfs["gold"]) == 0.0
    # lists: the mean over the expected files, an unreadable pair counting 0
    pair = compare_pdfs([pdfs["copy"], str(broken)], [pdfs["gold"], pdfs["gold"]])
    assert pair == pytest.approx(0.5)
    assert METRICS["compare_pdfs"] is compare_pdfs


def test_check_pdf_pages(pdfs, tmp_path):
    assert check_pdf_pages(pdfs["gold"], {"relation": "eq", "ref_value": 1}) == 1.0
    assert check_pdf_pages(pdfs["two"], {"relation": "eq", "ref_value": 1}) == 0.0
    assert check_pdf_pages(pdfs["two"], {"relation": "gt", "ref_value": 1}) == 1.0
    assert check_pdf_pages(None, {"relation": "eq", "ref_value": 1}) == 0.0
    (tmp_path / "x.pdf").write_text("no")
    assert check_pdf_pages(str(tmp_path / "x.pdf"), {"relation": "eq", "ref_value": 1}) == 0.0
