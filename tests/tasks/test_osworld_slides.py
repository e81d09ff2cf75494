"""compare_pptx_files on presentations built here with python-pptx (and one LibreOffice wrote):
each property it compares has a file that passes and one that fails, and each option that
switches a check off or narrows it to one kind of change is shown to do so."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Pt

from tasks.osworld.metrics import METRICS, check_options
from tasks.osworld.slides import compare_pptx_files

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def deck(path: Path, change: Callable[[Any], None] | None = None, slides: int = 2) -> str:
    """Two slides: a title and a bulleted body, a picture on the second; `change` edits it."""
    prs = Presentation()
    for number in range(slides):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"Slide {number + 1}"
        body = slide.placeholders[1].text_frame
        body.text = "First point"
        run = body.paragraphs[0].runs[0]
        run.font.size, run.font.name = Pt(24), "DejaVu Sans"
        run.font.color.rgb = RGBColor(0x11, 0x22, 0x33)
        second = body.add_paragraph()
        second.text, second.level = "Detail", 1
        if number == 1:
            image = path.parent / "dot.png"
            image.write_bytes(PNG)
            slide.shapes.add_picture(str(image), Emu(914400), Emu(914400), Emu(457200))
        slide.notes_slide.notes_text_frame.text = f"notes {number + 1}"
    if change:
        change(prs)
    prs.save(str(path))
    return str(path)


def body(prs: Any, slide: int = 0) -> Any:
    return prs.slides[slide].placeholders[1].text_frame


def first_run(prs: Any) -> Any:
    return body(prs).paragraphs[0].runs[0]


def _blue_background(slide: Any) -> None:
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = RGBColor(0, 0, 0xFF)


@pytest.fixture
def gold(tmp_path: Path) -> str:
    return deck(tmp_path / "gold.pptx")


EDITS: dict[str, tuple[Callable[[Any], None], str]] = {
    # the bullets carry their paragraph's text: both checks see it
    "text": (lambda p: setattr(first_run(p), "text", "Other"), "examine_text examine_bullets"),
    "bold": (lambda p: setattr(first_run(p).font, "bold", True), "examine_font_bold"),
    "italic": (lambda p: setattr(first_run(p).font, "italic", True), "examine_font_italic"),
    "size": (lambda p: setattr(first_run(p).font, "size", Pt(30)), "examine_font_size"),
    "font": (lambda p: setattr(first_run(p).font, "name", "Liberation Serif"), "examine_font_name"),
    "underline": (
        lambda p: setattr(first_run(p).font, "underline", True),
        "examine_font_underline",
    ),
    "colour": (
        lambda p: setattr(first_run(p).font.color, "rgb", RGBColor(0xFF, 0, 0)),
        "examine_color_rgb",
    ),
    "strike": (
        lambda p: first_run(p).font._element.set("strike", "sngStrike"),
        "examine_strike_through",
    ),
    "alignment": (
        lambda p: setattr(body(p).paragraphs[0], "alignment", PP_ALIGN.CENTER),
        "examine_alignment",
    ),
    # the level is also the bullets' level: both checks see it
    "level": (
        lambda p: setattr(body(p).paragraphs[1], "level", 2),
        "examine_indent examine_bullets",
    ),
    "notes": (
        lambda p: setattr(p.slides[1].notes_slide.notes_text_frame, "text", "changed"),
        "examine_note",
    ),
    "moved": (lambda p: setattr(p.slides[0].shapes.title, "left", Emu(10)), "examine_shape"),
    "background": (lambda p: _blue_background(p.slides[1]), "examine_background_color"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_property_fails_the_comparison_unless_its_check_is_off(tmp_path, gold, name):
    edit, option = EDITS[name]
    changed = deck(tmp_path / f"{name}.pptx", edit)
    assert compare_pptx_files(changed, gold) == 0.0
    off = dict.fromkeys(option.split(), False)
    assert compare_pptx_files(changed, gold, **off) == 1.0
    if len(off) > 1:
        assert compare_pptx_files(changed, gold, **{option.split()[0]: False}) == 0.0


def test_an_identical_deck_passes_and_unreadable_files_score_zero(tmp_path, gold):
    assert compare_pptx_files(deck(tmp_path / "same.pptx"), gold) == 1.0
    assert compare_pptx_files(None, gold) == 0.0
    assert compare_pptx_files(str(tmp_path / "missing.pptx"), gold) == 0.0
    broken = tmp_path / "broken.pptx"
    broken.write_text("not a zip")
    assert compare_pptx_files(str(broken), gold) == 0.0
    assert METRICS["compare_pptx_files"] is compare_pptx_files


def test_slide_count_and_the_shorter_slide_decide(tmp_path, gold):
    longer = deck(tmp_path / "longer.pptx", slides=3)
    assert compare_pptx_files(longer, gold) == 0.0
    assert compare_pptx_files(longer, gold, examine_number_of_slides=False) == 1.0
    # a picture added at the end is not compared (shapes are paired up to the shorter slide),
    # a shape with text is: its empty paragraph changes the slide's bullets
    picture = str(tmp_path / "dot.png")
    extra = deck(tmp_path / "extra.pptx", lambda p: p.slides[0].shapes.add_picture(picture, 0, 0))
    assert compare_pptx_files(extra, gold) == 1.0
    oval = deck(
        tmp_path / "oval.pptx",
        lambda p: p.slides[0].shapes.add_shape(MSO_SHAPE.OVAL, 0, 0, Emu(100), Emu(100)),
    )
    assert compare_pptx_files(oval, gold) == 0.0
    assert compare_pptx_files(oval, gold, examine_bullets=False) == 1.0


def test_theme_colours_are_not_compared_and_bullets_are(tmp_path, gold):
    def theme(prs: Any) -> None:
        from pptx.enum.dml import MSO_THEME_COLOR

        first_run(prs).font.color.theme_color = MSO_THEME_COLOR.ACCENT_1

    assert compare_pptx_files(deck(tmp_path / "theme.pptx", theme), gold) == 1.0

    def bullet(prs: Any) -> None:
        paragraph = body(prs).paragraphs[1]._p
        properties = paragraph.get_or_add_pPr()
        properties.append(
            properties.makeelement(
                "{http://schemas.openxmlformats.org/drawingml/2006/main}buChar", {"char": "-"}
            )
        )

    dashed = deck(tmp_path / "dashed.pptx", bullet)
    assert compare_pptx_files(dashed, gold) == 0.0
    assert compare_pptx_files(dashed, gold, examine_bullets=False) == 1.0


def _resize_picture(width: int, left: int = 914400) -> Callable[[Any], None]:
    def change(prs: Any) -> None:
        picture = prs.slides[1].shapes[-1]
        picture.width, picture.left = Emu(width), Emu(left)

    return change


def test_image_size_and_modify_height_tolerate_only_their_change(tmp_path, gold):
    wider = deck(tmp_path / "wider.pptx", _resize_picture(900000))
    loose = {"examine_shape": False}
    assert compare_pptx_files(wider, gold) == 0.0
    assert compare_pptx_files(wider, gold, **loose) == 1.0
    assert compare_pptx_files(wider, gold, **loose, examine_image_size=True) == 0.0
    moved = deck(tmp_path / "moved.pptx", _resize_picture(457200, left=100))
    assert compare_pptx_files(moved, gold, **loose, examine_image_size=True) == 1.0

    def taller(prs: Any) -> None:
        prs.slides[1].shapes[-1].height = Emu(600000)

    tall = deck(tmp_path / "tall.pptx", taller)
    assert compare_pptx_files(tall, gold, **loose, examine_modify_height=True) == 0.0
    assert compare_pptx_files(moved, gold, **loose, examine_modify_height=True) == 1.0
    title_moved = deck(tmp_path / "title.pptx", EDITS["moved"][0])
    assert compare_pptx_files(title_moved, gold, **loose, examine_modify_height=True) == 0.0


def test_top_and_right_position_want_the_picture_moved_on_slide_two(tmp_path, gold):
    loose = {"examine_shape": False}
    up = deck(tmp_path / "up.pptx", lambda p: setattr(p.slides[1].shapes[-1], "top", Emu(10)))
    assert compare_pptx_files(up, gold, **loose, examine_top_position=True) == 1.0
    assert compare_pptx_files(gold, gold, **loose, examine_top_position=True) == 0.0
    right = deck(tmp_path / "right.pptx", _resize_picture(457200, left=5000000))
    assert compare_pptx_files(right, gold, **loose, examine_right_position=True) == 1.0
    assert compare_pptx_files(gold, gold, **loose, examine_right_position=True) == 0.0


def test_the_options_of_the_real_tasks_are_known_and_others_are_not(tmp_path):
    getters = [{"type": "vm_file", "path": "~/a.pptx"}]
    for options in (
        {"examine_shape": False, "examine_title_bottom_position": True},
        {"examine_aligment": False},  # a real task's spelling, ignored as OSWorld ignores it
        {"examine_shape": False, "examine_bullets": False},
    ):
        assert check_options("compare_pptx_files", options, getters) == []
    assert check_options("compare_pptx_files", {"examine_tables": True}, getters) == [
        ("metric", "compare_pptx_files option examine_tables")
    ]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice Impress")
def test_a_deck_libreoffice_saved_matches_itself_and_not_an_edited_copy(tmp_path, gold):
    out = tmp_path / "saved"
    profile = tmp_path / "profile"
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
    command += ["--convert-to", "pptx", "--outdir", str(out), gold]
    environment = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)
    saved = str(out / "gold.pptx")
    assert compare_pptx_files(saved, saved) == 1.0
    edited = tmp_path / "edited.pptx"
    prs = Presentation(saved)
    prs.slides[0].shapes.title.text_frame.paragraphs[0].runs[0].font.bold = True
    prs.save(str(edited))
    assert compare_pptx_files(str(edited), saved) == 0.0


def test_portrait_stretched_picture_and_background_distance(tmp_path, gold):
    from tasks.osworld import slides

    def portrait(prs: Any) -> None:
        prs.slide_width, prs.slide_height = prs.slide_height, prs.slide_width

    assert slides.check_slide_orientation_Portrait(deck(tmp_path / "tall.pptx", portrait)) == 1.0
    assert slides.check_slide_orientation_Portrait(gold) == 0.0

    def first_picture(prs: Any) -> None:
        prs.slides[0].shapes.add_picture(str(tmp_path / "dot.png"), Emu(10), Emu(10), Emu(9000))

    original = deck(tmp_path / "original.pptx", first_picture)

    def stretched(prs: Any) -> None:
        first_picture(prs)
        picture = prs.slides[0].shapes[-1]
        picture.left, picture.top = Emu(100000), Emu(0)
        picture.width, picture.height = prs.slide_width - Emu(200000), prs.slide_height

    filled = deck(tmp_path / "filled.pptx", stretched)
    assert slides.check_image_stretch_and_center(filled, original) == 1.0
    assert slides.check_image_stretch_and_center(original, original) == 0.0
    assert slides.check_image_stretch_and_center(gold, original) == 0.0  # no such picture

    def backgrounds(prs: Any) -> None:
        for slide in prs.slides:
            _blue_background(slide)

    blue = deck(tmp_path / "blue.pptx", backgrounds)
    distance = slides.evaluate_presentation_fill_to_rgb_distance
    assert distance(blue, {"rgb": [0, 0, 255]}) == 1.0
    assert distance(blue, {"rgb": [0, 0, 0]}) == pytest.approx(1 - (1 / 3) ** 0.5)
    assert distance(gold, {"rgb": [255, 255, 255]}) == 0.0  # no solid RGB background
    for metric in slides.METRICS:
        assert METRICS[metric.__name__] is metric


def test_transition_of_a_slide(tmp_path, gold):
    from lxml import etree

    from tasks.osworld.slides import check_transition

    def dissolve(prs: Any) -> None:
        ns = "http://schemas.openxmlformats.org/presentationml/2006/main"
        transition = etree.SubElement(prs.slides[1]._element, f"{{{ns}}}transition")
        etree.SubElement(transition, f"{{{ns}}}dissolve")

    faded = deck(tmp_path / "dissolve.pptx", dissolve)
    assert check_transition(faded, {"slide_idx": 1, "transition_type": "dissolve"}) == 1.0
    assert check_transition(faded, {"slide_idx": 1, "transition_type": "push"}) == 0.0
    assert check_transition(faded, {"slide_idx": 0, "transition_type": "dissolve"}) == 0.0
    assert check_transition(faded, {"slide_idx": 5, "transition_type": "dissolve"}) == 0.0
    assert check_transition(gold, {"slide_idx": 1, "transition_type": "dissolve"}) == 0.0


def test_presenter_console_off_in_the_registry(tmp_path):
    from tasks.osworld.metrics import check_presenter_console_disable

    def registry(value: str) -> str:
        path = tmp_path / f"registry-{value}.xcu"
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry">\n'
            '<item oor:path="/org.openoffice.Office.Impress/Misc/Start">'
            f'<prop oor:name="EnablePresenterScreen" oor:op="fuse"><value>{value}</value></prop>'
            "</item>\n</oor:items>\n"
        )
        return str(path)

    assert check_presenter_console_disable(registry("false")) == 1.0
    assert check_presenter_console_disable(registry("true")) == 0.0
    assert check_presenter_console_disable(str(tmp_path / "none.xcu")) == 0.0
