"""OSWorld's Impress getters (desktop_env/evaluators/getters/impress.py): a slide's audio or
background image, found in the saved pptx file as OSWorld finds it. The slide's relationships
name the media; a media file inside the package is extracted beside the getters' other files,
one linked as file:// is read where it is (a VM path, so in the task's home)."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from typing import Any
from urllib.parse import unquote

from tasks.osworld.conventions import vm_path
from tasks.osworld.machine import Machine

_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_BACKGROUND = "{http://schemas.openxmlformats.org/presentationml/2006/main}bgPr"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def _media(machine: Machine, package: zipfile.ZipFile, target: str) -> str | None:
    if target.startswith(".."):
        name = posixpath.normpath(posixpath.join("ppt/slides", target))
        if name not in package.namelist():
            return None
        folder = machine.scratch("media").parent
        return package.extract(name, folder)
    if target.startswith("file://"):
        local = vm_path(unquote(target[len("file://") :]), machine.home)
        return str(local) if local is not None and local.is_file() else None
    return None


def _slide(machine: Machine, config: dict[str, Any]) -> tuple[zipfile.ZipFile, int] | None:
    local = vm_path(str(config["ppt_file_path"]), machine.home)
    if local is None or not zipfile.is_zipfile(local):
        return None
    return zipfile.ZipFile(local), int(config["slide_index"]) + 1


def _relations(package: zipfile.ZipFile, number: int) -> list[ET.Element]:
    name = f"ppt/slides/_rels/slide{number}.xml.rels"
    if name not in package.namelist():
        return []
    return list(ET.fromstring(package.read(name)).iter(_RELS))


def audio_in_slide(machine: Machine, config: dict[str, Any]) -> str | None:
    """The first audio the slide links to (OSWorld assumes one)."""
    found = _slide(machine, config)
    if found is None:
        return None
    package, number = found
    with package:
        for rel in _relations(package, number):
            if "audio" in rel.get("Type", ""):
                return _media(machine, package, rel.get("Target", ""))
    return None


def background_image_in_slide(machine: Machine, config: dict[str, Any]) -> str | None:
    """The image of the slide's own background (bgPr), None when it has none."""
    found = _slide(machine, config)
    if found is None:
        return None
    package, number = found
    with package:
        slide = f"ppt/slides/slide{number}.xml"
        if slide not in package.namelist():
            return None
        root = ET.fromstring(package.read(slide))
        blips = [b.get(_EMBED) for bg in root.iter(_BACKGROUND) for b in bg.iter(_BLIP)]
        image = next((b for b in blips if b), None)
        if image is None:
            return None
        for rel in _relations(package, number):
            if "image" in rel.get("Type", "") and rel.get("Id") == image:
                return _media(machine, package, rel.get("Target", ""))
    return None


GETTERS = (audio_in_slide, background_image_in_slide)
