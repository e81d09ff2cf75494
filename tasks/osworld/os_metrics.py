"""OSWorld's metrics on the desktop's files and clipboard (desktop_env/evaluators/metrics/
basic_os.py and others.py).

- check_moved_jpgs(listing, rule): the folder (list_directory's tree: {"children": [{"name"}]})
  holds exactly the `expected` names.
- is_in_vm_clickboard(rule, clipboard): the clipboard text (a command's output) holds
  `expected`, or every one of them when it is a list. OSWorld's argument order: the rule
  first.
- check_mp3_meta(result, meta): each ID3 tag named in `meta` (EasyID3's names: title, artist,
  album, ...; several values joined with ",", a missing tag "") meets its value rule
  (cells.matches). A missing file or one without ID3 tags scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.osworld.cells import matches


def check_moved_jpgs(listing: Any, rule: dict[str, Any]) -> float:
    if not isinstance(listing, dict):
        return 0.0
    names = [node["name"] for node in listing.get("children", [])]
    wanted = rule["expected"]
    return float(len(names) == len(wanted) and set(names) == set(wanted))


def is_in_vm_clickboard(rule: dict[str, Any], clipboard: Any) -> float:
    if not isinstance(clipboard, str):
        return 0.0
    wanted = rule["expected"]
    pieces = wanted if isinstance(wanted, list) else [wanted]
    return float(all(piece in clipboard for piece in pieces))


def check_mp3_meta(result: Any, meta: dict[str, dict[str, Any]]) -> float:
    from mutagen import MutagenError  # only tasks on music files need it
    from mutagen.easyid3 import EasyID3

    if not result or not isinstance(result, str) or not Path(result).is_file():
        return 0.0
    try:
        tags = EasyID3(result)
    except MutagenError:
        return 0.0
    for name, rule in meta.items():
        value = tags.get(name, "")
        if isinstance(value, list):
            value = ",".join(value)
        if not matches(value, rule):
            return 0.0
    return 1.0


METRICS = (check_moved_jpgs, is_in_vm_clickboard, check_mp3_meta)
