"""OSWorld's VLC metrics (desktop_env/evaluators/metrics/vlc.py) on what the VLC getters give:
the path of status.xml from VLC's web interface, or of VLC's settings file (vlcrc).

The settings checks read vlcrc as OSWorld's do, line by line: the last line that contains
`KEY=` sets the value (VLC writes every option, commented out with its default when unset),
and an option absent from the file has VLC's default.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def _lines(path: str | None) -> list[str] | None:
    if not path or not Path(path).is_file():
        return None
    return Path(path).read_text(encoding="utf-8", errors="replace").split("\n")


def is_vlc_playing(status: str | None, rule: dict[str, Any]) -> float:
    """VLC is playing, and the file name (or the URL) it plays ends with the rule's."""
    if not status or not Path(status).is_file():
        return 0.0
    try:
        tree = ET.fromstring(Path(status).read_text(encoding="utf-8"))
    except ET.ParseError:
        return 0.0
    if tree.findtext("state") != "playing":
        return 0.0
    field = {"file_name": "filename", "url": "url"}.get(rule["type"])
    if field is None:
        return 0.0
    value = tree.findtext(f"information/category[@name='meta']/info[@name='{field}']")
    return float(value is not None and value != "" and value.endswith(rule[rule["type"]]))


def is_vlc_recordings_folder(config: str | None, rule: dict[str, Any]) -> float:
    """The first setting of input-record-path is the expected folder."""
    for line in _lines(config) or []:
        if line.startswith("#") or not line.strip() or "input-record-path" not in line:
            continue
        return float(line.split("=")[-1].strip() == rule["recording_file_path"])
    return 0.0


def _setting(config: str | None, key: str, default: str) -> str | None:
    lines = _lines(config)
    if lines is None:
        return None
    value = default
    for line in lines:
        if f"{key}=" in line:
            value = line.split("=")[-1].strip()
    return value


def _expect(config: str | None, key: str, default: str, expected: Any) -> float:
    value = _setting(config, key, default)
    return float(value is not None and value == str(expected))


def check_qt_bgcone(config: str | None, rule: dict[str, Any]) -> float:
    return _expect(config, "qt-bgcone", "1", rule["expected_qt_bgcone"])


def check_qt_max_volume(config: str | None, rule: dict[str, Any]) -> float:
    return _expect(config, "qt-max-volume", "125", rule["expected_qt_max_volume"])


def check_qt_minimal_view(config: str | None, rule: dict[str, Any]) -> float:
    return _expect(config, "qt-minimal-view", "0", rule["expected_qt_minimal_view"])


def check_one_instance_when_started_from_file(config: str | None, rule: dict[str, Any]) -> float:
    expected = rule["expected_one_instance_when_started_from_file"]
    return _expect(config, "one-instance-when-started-from-file", "1", expected)


def check_qt_slider_colours(config: str | None, rule: dict[str, Any]) -> float:
    """`match`: the colours are the expected string; `blackish`: every colour of the slider
    has its red, green and blue below 100."""
    value = _setting(config, "qt-slider-colours", "153;210;153;20;210;20;255;199;15;245;39;29")
    if value is None:
        return 0.0
    if rule["type"] == "match":
        return float(value == rule["expected_qt_slider_colours"])
    try:
        numbers = [int(part) for part in value.split(";")]
    except ValueError:
        return 0.0
    colours = zip(numbers[0::3], numbers[1::3], numbers[2::3], strict=False)
    return float(rule["type"] == "blackish" and all(max(c) < 100 for c in colours))


def check_global_key_play_pause(config: str | None, rule: dict[str, Any]) -> float:
    """The global Play/Pause hotkey is set ("1") or not ("0")."""
    lines = _lines(config)
    if lines is None:
        return 0.0
    state = "0"
    for line in lines:
        if "global-key-play-pause=" in line:
            state = "0" if line.split("=")[-1].strip() == "" else "1"
    return float(state == str(rule["expected_global_key_play_pause"]))


def is_vlc_fullscreen(window: dict[str, int] | None, screen: dict[str, int] | None) -> float:
    """VLC's window is as large as the screen."""
    if not window or not screen:
        return 0.0
    return float(window["width"] == screen["width"] and window["height"] == screen["height"])


METRICS = (
    is_vlc_playing,
    is_vlc_fullscreen,
    is_vlc_recordings_folder,
    check_qt_bgcone,
    check_qt_max_volume,
    check_qt_minimal_view,
    check_one_instance_when_started_from_file,
    check_qt_slider_colours,
    check_global_key_play_pause,
)
