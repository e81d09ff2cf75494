"""OSWorld's metrics on folders, the clipboard, music tags, SQLite databases, a picture's text
position, a slide master's colours and a document's words, on files the tests write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import docx
from mutagen.easyid3 import EasyID3
from PIL import Image, ImageDraw

from tasks.osworld.docx_checks import fuzzy_place_math
from tasks.osworld.images import check_textbox_on_leftside
from tasks.osworld.mail import run_sqlite3
from tasks.osworld.os_metrics import check_moved_jpgs, check_mp3_meta, is_in_vm_clickboard
from tasks.osworld.slides import check_page_number_colors


def test_check_moved_jpgs():
    listing = {"name": "cpjpg", "children": [{"name": "a.jpg"}, {"name": "b.jpg"}]}
    assert check_moved_jpgs(listing, {"expected": ["b.jpg", "a.jpg"]}) == 1.0
    assert check_moved_jpgs(listing, {"expected": ["a.jpg"]}) == 0.0
    assert check_moved_jpgs(listing, {"expected": ["a.jpg", "c.jpg"]}) == 0.0
    assert check_moved_jpgs(None, {"expected": []}) == 0.0


def test_is_in_vm_clickboard():
    assert (
        is_in_vm_clickboard({"expected": "/home/user/secret.docx"}, "/home/user/secret.docx\n")
        == 1.0
    )
    assert is_in_vm_clickboard({"expected": ["a", "b"]}, "a and b") == 1.0
    assert is_in_vm_clickboard({"expected": ["a", "c"]}, "a and b") == 0.0
    assert is_in_vm_clickboard({"expected": "x"}, None) == 0.0


def silent_mp3(path: Path) -> str:
    # one MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz) and its zeroed body: a file
    # mutagen accepts as MP3; the tags are written by mutagen itself
    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + bytes(413)
    path.write_bytes(frame * 8)
    return str(path)


def test_check_mp3_meta(tmp_path):
    path = silent_mp3(tmp_path / "song.mp3")
    tags = EasyID3()
    tags["title"] = "Missing You"
    tags["artist"] = ["Cheng Xiang", "Guest"]
    tags.save(path)
    assert check_mp3_meta(path, {"title": {"method": "eq", "ref": "Missing You"}}) == 1.0
    assert check_mp3_meta(path, {"artist": {"method": "eq", "ref": "Cheng Xiang,Guest"}}) == 1.0
    assert check_mp3_meta(path, {"title": {"method": "eq", "ref": "Tears"}}) == 0.0
    assert check_mp3_meta(path, {"album": {"method": "eq", "ref": ""}}) == 1.0  # missing: ""
    bare = silent_mp3(tmp_path / "bare.mp3")
    assert check_mp3_meta(bare, {"title": {"method": "eq", "ref": "Missing You"}}) == 0.0
    assert check_mp3_meta(str(tmp_path / "missing.mp3"), {}) == 0.0


def test_run_sqlite3(tmp_path):
    path = tmp_path / "global-messages-db.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("create table messages (id integer, folderID integer)")
        connection.execute("insert into messages values (1, 13), (2, 14)")
    connection.close()
    assert (
        run_sqlite3(str(path), {"sql": "select sum(1) > 0 from messages where folderID = 13"})
        == 1.0
    )
    assert (
        run_sqlite3(str(path), {"sql": "select sum(1) > 0 from messages where folderID = 99"})
        == 0.0
    )
    assert run_sqlite3(str(path), {"sql": "select * from nowhere"}) == 0.0
    missing = tmp_path / "missing.sqlite"
    assert run_sqlite3(str(missing), {"sql": "select 1"}) == 0.0
    assert not missing.exists()  # nothing created
    # the copy is read-only: a query cannot change it
    assert run_sqlite3(str(path), {"sql": "delete from messages"}) == 0.0
    with sqlite3.connect(path) as connection:
        assert connection.execute("select count(*) from messages").fetchone()[0] == 2
    connection.close()


def test_check_textbox_on_leftside(tmp_path):
    def drawn(name: str, left: int) -> str:
        image = Image.new("RGB", (400, 100), "white")
        ImageDraw.Draw(image).rectangle([left, 40, left + 100, 60], fill="black")
        image.save(tmp_path / name)
        return str(tmp_path / name)

    assert check_textbox_on_leftside(drawn("left.png", 5)) == 1.0
    assert check_textbox_on_leftside(drawn("middle.png", 150)) == 0.0
    Image.new("RGB", (40, 40), "white").save(tmp_path / "blank.png")
    assert check_textbox_on_leftside(str(tmp_path / "blank.png")) == 0.0
    assert check_textbox_on_leftside(None) == 0.0


def test_fuzzy_place_math(tmp_path):
    answers = ["Shenzhen Futian Yitian Road 5055", "Shenzhen Futian Fuhua Road 111"]
    answers = [a.replace(" ", "") for a in answers]

    def written(name: str, lines: list[str]) -> str:
        document = docx.Document()
        for line in lines:
            document.add_paragraph(line)
        document.save(str(tmp_path / name))
        return str(tmp_path / name)

    exact = written("exact.docx", [answers[0], answers[1], answers[0]])
    assert fuzzy_place_math(exact, {"expected": answers}) == 1.0
    near = fuzzy_place_math(
        written("near.docx", [answers[0], answers[1], "ShenzhenFutian"]), {"expected": answers}
    )
    assert 0.5 < near < 1.0
    assert fuzzy_place_math(written("two.docx", answers), {"expected": answers}) == 0.0  # not three
    assert fuzzy_place_math(None, {"expected": answers}) == 0.0


def test_check_page_number_colors(tmp_path):
    import zipfile

    def master(name: str, *colours: str) -> str:
        fills = "".join(f'<a:solidFill><a:srgbClr val="{c}"/></a:solidFill>' for c in colours)
        xml = (
            '<p:sldMaster xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            f'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">{fills}</p:sldMaster>'
        )
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr("ppt/slideMasters/slideMaster1.xml", xml)
        return str(tmp_path / name)

    red = master("red.pptx", "FFFFFF", "C9211E", "000000")  # the next-to-last counts
    assert check_page_number_colors(red, {"color": "red"}) == 1.0
    assert check_page_number_colors(red, {"color": "blue"}) == 0.0
    assert (
        check_page_number_colors(master("blue.pptx", "0000FF", "000000"), {"color": "blue"}) == 1.0
    )
    assert (
        check_page_number_colors(master("black.pptx", "101010", "FFFFFF"), {"color": "black"})
        == 1.0
    )
    assert check_page_number_colors(red, {"color": "purple"}) == 1.0  # a colour it has no test for
    assert check_page_number_colors(master("one.pptx", "FF0000"), {"color": "red"}) == 0.0
    assert check_page_number_colors(str(tmp_path / "missing.pptx"), {"color": "red"}) == 0.0
