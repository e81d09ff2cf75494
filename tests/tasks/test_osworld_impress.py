"""OSWorld's Impress getters on a pptx package laid out as PowerPoint and LibreOffice save it:
a slide's background image (bgPr's blip, resolved through the slide's relationships) and its
audio, inside the package or linked from the VM's home."""

from __future__ import annotations

import zipfile
from pathlib import Path

from environments.desktop.session import SessionRunner
from tasks.osworld.getters import GETTERS, Machine

P = "http://schemas.openxmlformats.org/presentationml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
IMAGE = f"{R}/image"
AUDIO = f"{R}/audio"


def slide(background: str | None) -> str:
    bg = (
        f'<p:bg><p:bgPr><a:blipFill><a:blip r:embed="{background}"/></a:blipFill></p:bgPr></p:bg>'
        if background
        else ""
    )
    return f'<p:sld xmlns:p="{P}" xmlns:a="{A}" xmlns:r="{R}"><p:cSld>{bg}</p:cSld></p:sld>'


def rels(*items: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
    return f'<Relationships xmlns="{REL}">{body}</Relationships>'


def test_a_slides_background_and_audio_from_the_saved_file(tmp_path):
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    (home / "Music").mkdir()
    (home / "Music" / "linked.mp3").write_bytes(b"ID3 linked")
    deck = home / "Desktop" / "deck.pptx"
    with zipfile.ZipFile(deck, "w") as package:
        package.writestr("ppt/slides/slide1.xml", slide("rId2"))
        package.writestr(
            "ppt/slides/_rels/slide1.xml.rels",
            rels(
                ("rId1", IMAGE, "../media/image1.png"),
                ("rId2", IMAGE, "../media/image2.png"),
                ("rId3", AUDIO, "../media/media1.mp3"),
            ),
        )
        package.writestr("ppt/slides/slide2.xml", slide(None))
        package.writestr(
            "ppt/slides/_rels/slide2.xml.rels",
            rels(("rId1", AUDIO, "file:///home/user/Music/linked.mp3")),
        )
        package.writestr("ppt/media/image1.png", b"not the background")
        package.writestr("ppt/media/image2.png", b"the background")
        package.writestr("ppt/media/media1.mp3", b"ID3 inside")
    (home / ".osworld-bin").mkdir()
    machine = Machine(home, SessionRunner())
    background, audio = GETTERS["background_image_in_slide"], GETTERS["audio_in_slide"]
    first = {"ppt_file_path": "/home/user/Desktop/deck.pptx", "slide_index": 0, "dest": "x"}
    second = {**first, "slide_index": 1}
    assert Path(background(machine, first)).read_bytes() == b"the background"
    assert Path(audio(machine, first)).read_bytes() == b"ID3 inside"
    assert background(machine, second) is None  # no background image of its own
    assert audio(machine, second) == str(home / "Music" / "linked.mp3")
    assert audio(machine, {**first, "slide_index": 5}) is None
    assert audio(machine, {**first, "ppt_file_path": "~/Desktop/none.pptx"}) is None
