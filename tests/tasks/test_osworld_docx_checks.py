"""OSWorld's Writer checks on images, tab stops, table colours and the default font, on
documents built here with python-docx (some saved again by LibreOffice Writer), and its PDF
image comparison on PDFs LibreOffice writes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Inches, RGBColor
from PIL import Image

from tasks.osworld import docx_checks as c
from tasks.osworld.metrics import check_options
from tasks.osworld.pdfs import compare_pdf_images

needs_office = pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")


def soffice(tmp_path: Path, target: str, source: str) -> str:
    out = tmp_path / f"converted-{Path(source).stem}"
    command = ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless"]
    command += ["--convert-to", target, "--outdir", str(out), source]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    return str(out / f"{Path(source).stem}.{target.split(':')[0]}")


def made(path: Path, build: Callable[[Any], None]) -> str:
    document = docx.Document()
    build(document)
    document.save(str(path))
    return str(path)


def picture(path: Path, colour: str) -> str:
    Image.new("RGB", (40, 30), colour).save(path)
    return str(path)


def test_compare_docx_images(tmp_path):
    red, blue = picture(tmp_path / "red.png", "red"), picture(tmp_path / "blue.png", "blue")

    def with_image(image: str) -> Callable[[Any], None]:
        return lambda d: (d.add_paragraph("A photo"), d.add_picture(image, width=Inches(1)))

    gold = made(tmp_path / "gold.docx", with_image(red))
    assert c.compare_docx_images(made(tmp_path / "same.docx", with_image(red)), gold) == 1.0
    assert c.compare_docx_images(made(tmp_path / "blue.docx", with_image(blue)), gold) == 0.0
    assert (
        c.compare_docx_images(
            made(tmp_path / "none.docx", lambda d: d.add_paragraph("A photo")), gold
        )
        == 0.0
    )
    # the same pixels in another file format are the same image
    jpeg_free = tmp_path / "red.bmp"
    Image.new("RGB", (40, 30), "red").save(jpeg_free)
    assert (
        c.compare_docx_images(made(tmp_path / "bmp.docx", with_image(str(jpeg_free))), gold) == 1.0
    )
    assert c.compare_docx_images(None, gold) == 0.0


def test_compare_contains_image(tmp_path):
    red = picture(tmp_path / "red.png", "red")

    def pictured(document: Any) -> None:
        document.add_paragraph("Schedule")
        document.add_paragraph().add_run().add_picture(red, width=Inches(1))

    def plain(document: Any) -> None:
        document.add_paragraph("Schedule")
        document.add_paragraph().add_run("no picture")

    gold = made(tmp_path / "gold.docx", pictured)
    assert c.compare_contains_image(made(tmp_path / "same.docx", pictured), gold) == 1.0
    assert c.compare_contains_image(made(tmp_path / "plain.docx", plain), gold) == 0.0
    assert (
        c.compare_contains_image(
            made(tmp_path / "short.docx", lambda d: d.add_paragraph("Schedule")), gold
        )
        == 1.0
    )


def tabbed(stops: list[tuple[float, Any]], lines: list[str] | None = None) -> Callable[[Any], None]:
    def build(document: Any) -> None:
        for line in lines or ["Book one\tAuthor A", "Book two\tAuthor B"]:
            paragraph = document.add_paragraph(line)
            for inches, alignment in stops:
                paragraph.paragraph_format.tab_stops.add_tab_stop(Inches(inches), alignment)

    return build


def test_check_tabstops(tmp_path):
    right = WD_TAB_ALIGNMENT.RIGHT
    gold = made(tmp_path / "gold.docx", tabbed([(6.0, right)]))
    assert c.check_tabstops(made(tmp_path / "same.docx", tabbed([(6.0, right)])), gold) == 1.0
    near = c.check_tabstops(made(tmp_path / "near.docx", tabbed([(5.5, right)])), gold)
    width = 8.5 - 1.25 - 1.25  # python-docx's default page and margins, in inches
    assert near == pytest.approx(1 - 0.5 / width)
    left = WD_TAB_ALIGNMENT.LEFT
    assert c.check_tabstops(made(tmp_path / "left.docx", tabbed([(6.0, left)])), gold) == 0.0
    assert c.check_tabstops(made(tmp_path / "none.docx", tabbed([])), gold) == 0.0
    # a left stop at 0 does not count
    zero = made(tmp_path / "zero.docx", tabbed([(0, left), (6.0, right)]))
    assert c.check_tabstops(zero, gold) == 1.0
    words = {"word_number_split_by_tabstop": 2, "index": 0}
    assert c.check_tabstops(made(tmp_path / "w.docx", tabbed([(6.0, right)])), gold, **words) == 1.0
    three = made(
        tmp_path / "three.docx", tabbed([(6.0, right)], ["Book number one\tA", "Book two\tB"])
    )
    assert c.check_tabstops(three, gold, **words) == 0.0
    assert c.check_tabstops(None, gold) == 0.0
    assert check_options("check_tabstops", words, []) == []


@needs_office
def test_check_tabstops_on_a_document_writer_saved(tmp_path):
    right = WD_TAB_ALIGNMENT.RIGHT
    gold = made(tmp_path / "gold.docx", tabbed([(6.0, right)]))
    saved = soffice(
        tmp_path, "docx:MS Word 2007 XML", made(tmp_path / "edit.docx", tabbed([(6.0, right)]))
    )
    assert c.check_tabstops(saved, gold) == pytest.approx(1.0, abs=1e-3)
    other = soffice(
        tmp_path, "docx:MS Word 2007 XML", made(tmp_path / "other.docx", tabbed([(3.0, right)]))
    )
    assert c.check_tabstops(other, gold) < 0.6


def coloured(
    colours: dict[str, RGBColor | None], title: str = "Sight words"
) -> Callable[[Any], None]:
    def build(document: Any) -> None:
        document.add_paragraph(title)
        table = document.add_table(rows=1, cols=len(colours))
        for cell, (word, colour) in zip(table.rows[0].cells, colours.items(), strict=True):
            run = cell.paragraphs[0].add_run(word)
            if colour is not None:
                run.font.color.rgb = colour

    return build


def test_evaluate_colored_words_in_tables(tmp_path):
    red, blue = RGBColor(255, 0, 0), RGBColor(0, 0, 255)
    gold = made(tmp_path / "gold.docx", coloured({"and": None, "big": None}))
    good = made(tmp_path / "good.docx", coloured({"and": red, "big": blue}))
    assert c.evaluate_colored_words_in_tables(good, gold) == 1.0
    close = made(tmp_path / "close.docx", coloured({"and": RGBColor(254, 0, 0), "big": blue}))
    assert c.evaluate_colored_words_in_tables(close, gold) == 1.0  # within CIEDE2000 3.5
    swapped = made(tmp_path / "swapped.docx", coloured({"and": blue, "big": red}))
    assert c.evaluate_colored_words_in_tables(swapped, gold) == 0.0
    uncoloured = made(tmp_path / "uncoloured.docx", coloured({"and": red, "big": None}))
    assert c.evaluate_colored_words_in_tables(uncoloured, gold) == 0.0
    other = made(tmp_path / "other.docx", coloured({"and": red, "big": blue}, "Other words"))
    assert c.evaluate_colored_words_in_tables(other, gold) == 0.0  # the text changed
    # compare_docx_files reads the body's paragraphs, not the tables': a table word may change
    changed = made(tmp_path / "changed.docx", coloured({"an": red, "big": blue}))
    assert c.evaluate_colored_words_in_tables(changed, gold) == 1.0


def test_find_default_font(tmp_path):
    path = tmp_path / "registrymodifications.xcu"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry">\n'
        '<item oor:path="/org.openoffice.Office.Writer/DefaultFont">'
        '<prop oor:name="Standard" oor:op="fuse"><value>Times New Roman</value></prop></item>\n'
        "</oor:items>\n"
    )
    assert c.find_default_font(str(path), {"font_name": "Times New Roman"}) == 1.0
    assert c.find_default_font(str(path), {"font_name": "Liberation Serif"}) == 0.0
    path.write_text('<oor:items xmlns:oor="http://openoffice.org/2001/registry"/>')
    assert c.find_default_font(str(path), {"font_name": "Times New Roman"}) == 0.0
    path.write_text("<broken")
    assert c.find_default_font(str(path), {"font_name": "Times New Roman"}) == 0.0


@needs_office
def test_compare_pdf_images(tmp_path):
    def pdf(name: str, image: str) -> str:
        source = made(tmp_path / f"{name}.docx", lambda d: d.add_picture(image, width=Inches(2)))
        return soffice(tmp_path, "pdf", source)

    red, blue = picture(tmp_path / "red.png", "red"), picture(tmp_path / "blue.png", "blue")
    gold = pdf("gold", red)
    assert compare_pdf_images(pdf("again", red), gold) == 1.0  # another file, the same pages
    assert compare_pdf_images(pdf("blue", blue), gold) == 0.0
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    assert compare_pdf_images(str(broken), gold) == 0.0
    assert compare_pdf_images(None, gold) == 0.0
