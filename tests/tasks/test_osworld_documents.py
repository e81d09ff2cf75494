"""OSWorld's Writer formatting metrics on documents built here with python-docx (and one saved
by LibreOffice Writer): each has a document that passes and one that fails, and a file that is
missing or no docx scores 0."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_BREAK, WD_PARAGRAPH_ALIGNMENT
from docx.shared import Pt

from tasks.osworld import documents as d
from tasks.osworld.metrics import METRICS, check_options

LINES = ["Title", "First paragraph.", "Last words here"]


def document(path: Path, change: Callable[[Any], None] | None = None) -> str:
    made = docx.Document()
    for line in LINES:
        paragraph = made.add_paragraph()
        for word in line.split(" "):
            paragraph.add_run(word + " ").font.name = "Liberation Serif"
    if change:
        change(made)
    made.save(str(path))
    return str(path)


@pytest.fixture
def gold(tmp_path: Path) -> str:
    return document(tmp_path / "gold.docx")


def runs(made: Any) -> list[Any]:
    return [run for paragraph in made.paragraphs for run in paragraph.runs]


def test_every_metric_is_registered_and_unreadable_files_score_zero(tmp_path, gold):
    broken = tmp_path / "broken.docx"
    broken.write_text("no zip")
    for metric in d.METRICS:
        assert METRICS[metric.__name__] is metric
        takes_rule = metric is d.compare_font_names
        for bad in (None, str(broken), str(tmp_path / "missing.docx")):
            second = {"font_name": "Liberation Serif"} if takes_rule else gold
            args = (bad,) if metric.__code__.co_argcount == 1 else (bad, second)
            assert metric(*args) == 0.0, metric.__name__
    odt = [{"type": "vm_file", "path": "~/a.odt"}]
    assert check_options("compare_line_spacing", {}, odt) == [
        ("metric", "compare_line_spacing on odt files")
    ]


def test_line_spacing_and_tables(tmp_path, gold):
    def spaced(made: Any) -> None:
        made.paragraphs[1].paragraph_format.line_spacing = 2.0

    double = document(tmp_path / "double.docx", spaced)
    assert d.compare_line_spacing(double, document(tmp_path / "double2.docx", spaced)) == 1.0
    assert d.compare_line_spacing(double, gold) == 0.0

    def table(text: str) -> Callable[[Any], None]:
        def add(made: Any) -> None:
            grid = made.add_table(rows=2, cols=2)
            grid.cell(0, 0).text, grid.cell(1, 1).text = "Name", text

        return add

    first = document(tmp_path / "t1.docx", table(" 42 "))
    assert d.compare_docx_tables(first, document(tmp_path / "t2.docx", table("42"))) == 1.0
    assert d.compare_docx_tables(first, document(tmp_path / "t3.docx", table("43"))) == 0.0
    assert d.compare_docx_tables(first, gold) == 0.0  # one table against none


def test_fonts_alignment_lines_and_page_breaks(tmp_path, gold):
    rule = {"font_name": "Liberation Serif"}
    assert d.compare_font_names(gold, rule) == 1.0
    mixed = document(tmp_path / "mixed.docx", lambda m: setattr(runs(m)[2].font, "name", "Arial"))
    assert d.compare_font_names(mixed, rule) == 0.0

    def centre(made: Any) -> None:
        made.paragraphs[0].alignment = WD_PARAGRAPH_ALIGNMENT.CENTER

    assert d.is_first_line_centered(document(tmp_path / "centred.docx", centre)) == 1.0
    assert d.is_first_line_centered(gold) == 0.0

    def shuffle(made: Any) -> None:
        made.paragraphs[0].insert_paragraph_before("Last words here")
        made.paragraphs[-1].text = " "
        made.add_paragraph("")

    assert d.compare_docx_lines(document(tmp_path / "shuffled.docx", shuffle), gold) == 1.0
    assert d.compare_docx_lines(mixed, gold) == 1.0  # formatting is not its business
    extra = document(tmp_path / "extra.docx", lambda m: m.add_paragraph("More"))
    assert d.compare_docx_lines(extra, gold) == 0.0

    def page_break(made: Any) -> None:
        made.paragraphs[1].runs[0].add_break(WD_BREAK.PAGE)

    assert d.contains_page_break(document(tmp_path / "break.docx", page_break)) == 1.0
    line_break = document(tmp_path / "line.docx", lambda m: m.paragraphs[1].runs[0].add_break())
    assert d.contains_page_break(line_break) == 0.0


def test_italic_strike_subscript_and_the_same_text_first(tmp_path, gold):
    def italic(size: int) -> Callable[[Any], None]:
        def change(made: Any) -> None:
            for run in made.paragraphs[1].runs:
                run.italic, run.font.size = True, Pt(size)

        return change

    assert d.check_italic_font_size_14(document(tmp_path / "i14.docx", italic(14)), gold) == 1.0
    assert d.check_italic_font_size_14(document(tmp_path / "i12.docx", italic(12)), gold) == 0.0
    reworded = document(tmp_path / "reworded.docx", lambda m: m.add_paragraph("new"))
    assert d.check_italic_font_size_14(reworded, gold) == 0.0  # another text

    def strike(every: bool) -> Callable[[Any], None]:
        def change(made: Any) -> None:
            last = made.paragraphs[-1].runs
            for run in last if every else last[:1]:
                run.font.strike = True

        return change

    struck = document(tmp_path / "struck.docx", strike(True))
    assert d.evaluate_strike_through_last_paragraph(struck, gold) == 1.0
    partly = document(tmp_path / "partly.docx", strike(False))
    assert d.evaluate_strike_through_last_paragraph(partly, gold) == 0.0

    def subscript(made: Any) -> None:
        made.paragraphs[1].runs[1].font.subscript = True

    low = document(tmp_path / "sub.docx", subscript)
    assert d.compare_subscript_contains(low, document(tmp_path / "sub2.docx", subscript)) == 1.0
    assert d.compare_subscript_contains(low, gold) == 0.0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice Writer")
def test_page_numbers_in_a_footer_libreoffice_wrote(tmp_path, gold):
    assert d.has_page_numbers_in_footers(gold) == 0.0  # python-docx's footer is empty

    def numbered(made: Any) -> None:
        paragraph = made.sections[0].footer.paragraphs[0]
        begin, code, separate, end = (paragraph.add_run() for _ in range(4))
        ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        for run, kind in ((begin, "begin"), (separate, "separate"), (end, "end")):
            run._r.append(run._r.makeelement(f"{ns}fldChar", {f"{ns}fldCharType": kind}))
        text = code._r.makeelement(f"{ns}instrText", {})
        text.text = " PAGE "
        code._r.append(text)
        separate.add_text("1")

    source = document(tmp_path / "numbered.docx", numbered)
    command = ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless"]
    command += ["--convert-to", "docx", "--outdir", str(tmp_path / "saved"), source]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    saved = str(tmp_path / "saved" / "numbered.docx")
    assert d.has_page_numbers_in_footers(saved) == 1.0
    assert d.compare_docx_tables(saved, source) == 1.0  # no tables on either side


def paragraphs(path: Path, lines: list[str]) -> str:
    made = docx.Document()
    for line in lines:
        made.add_paragraph(line)
    made.save(str(path))
    return str(path)


def test_content_only_is_a_fuzzy_score(tmp_path, gold):
    assert d.compare_docx_files(gold, gold, content_only=True) == 1.0
    near = paragraphs(tmp_path / "near.docx", ["Title", "First paragraph!", "Last words here"])
    score = d.compare_docx_files(near, gold, content_only=True)
    assert 0.9 < score < 1.0
    assert d.compare_docx_files(near, gold) == 0.0  # the exact comparison fails
    upper = paragraphs(tmp_path / "upper.docx", [line.upper() for line in LINES])
    assert d.compare_docx_files(upper, gold, content_only=True) < 0.5
    assert d.compare_docx_files(upper, gold, content_only=True, ignore_case=True) == 1.0
    assert check_options("compare_docx_files", {"content_only": True}, []) == []


def test_compare_docx_files_and_ignore_new_lines(tmp_path, gold):
    spaced = paragraphs(
        tmp_path / "spaced.docx", ["Title", "", "First paragraph.", "", "Last words here"]
    )
    plain = paragraphs(tmp_path / "plain.docx", LINES)
    metric = d.compare_docx_files_and_ignore_new_lines
    assert metric(spaced, plain, ignore_blanks=False) == 1.0  # empty paragraphs dropped
    assert d.compare_docx_files(spaced, plain, ignore_blanks=False) == 0.0
    other = paragraphs(tmp_path / "other.docx", ["Title", "First paragraph.", "Last words"])
    assert metric(other, plain, ignore_blanks=False) == 0.0
    merged = paragraphs(tmp_path / "merged.docx", ["Title First paragraph. Last words here"])
    assert metric(merged, plain) == 1.0  # one text with white space folded
    assert metric(merged, plain, ignore_blanks=False) == 0.0
    assert metric(None, plain) == 0.0


def test_compare_references(tmp_path):
    body = ["Essay", "Some text.", "References"]
    refs = ["Smith, J. (2020). A study. Journal 1.", "Doe, A. (2019). Another. Journal 2."]
    gold = paragraphs(tmp_path / "gold.docx", [*body, *refs])
    assert d.compare_references(paragraphs(tmp_path / "same.docx", [*body, "", *refs]), gold) == 1.0
    typo = paragraphs(tmp_path / "typo.docx", [*body, refs[0].replace("2020", "2021"), refs[1]])
    score = d.compare_references(typo, gold, reference_base_result=0.92)
    assert 0.0 < score < 1.0  # (mean ratio - base) / (1 - base)
    wrong = paragraphs(tmp_path / "wrong.docx", [*body, "Nothing alike at all here", refs[1]])
    assert d.compare_references(wrong, gold, reference_base_result=0.92) == 0.0
    assert d.compare_references(paragraphs(tmp_path / "one.docx", [*body, refs[0]]), gold) == 0.0
    none = paragraphs(tmp_path / "none.docx", ["Essay"])
    assert d.compare_references(none, gold) == 0.0  # only one has references
    assert d.compare_references(none, none) == 1.0  # neither has
    heading = paragraphs(tmp_path / "bib.docx", ["Bibliography", *refs])
    assert d.compare_references(heading, heading, reference_indicator="Bibliography") == 1.0
    assert d.compare_references(None, gold) == 0.0
    options = {"content_only": True, "reference_base_result": 0.92}
    assert check_options("compare_references", options, []) == []
