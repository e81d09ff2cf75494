"""OSWorld's VLC tasks on the real VLC: the VM's web interface (status.xml behind the password
"password") on each task's own port, read by `vlc_playing_info`, with two tasks playing at
once (`--workers 2`); VLC's settings file through `vlc_config`; and the loader no longer
skipping VLC tasks as root when the desktop's apps run as an ordinary account."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from pathlib import Path

import pytest

from environments.desktop.session import SessionRunner
from tasks.osworld import vlc_metrics as m
from tasks.osworld.getters import GETTERS, Machine
from tasks.osworld.loader import load_osworld
from tests.tasks.osworld_suite import rule, run_suite, step, task

pytestmark = pytest.mark.skipif(shutil.which("vlc") is None, reason="VLC is not installed")


def tone(path: Path, seconds: int, pitch: float) -> Path:
    """A mono 8 kHz WAV of a sine tone, long enough to be playing when the evaluator asks."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        frames = (int(9000 * math.sin(2 * math.pi * pitch * i / 8000)) for i in range(8000))
        second = b"".join(struct.pack("<h", value) for value in frames)
        out.writeframes(second * seconds)
    return path


def playing(task_id: str, media: Path) -> dict:
    vm_path = f"/home/user/Music/{media.name}"
    return task(
        task_id,
        [
            step("download", files=[{"url": media.as_uri(), "path": vm_path}]),
            step("launch", command=["vlc", vm_path]),
            step("sleep", seconds=4),
        ],
        {
            "func": ["is_vlc_playing", "file_contains"],
            "conj": "and",
            "result": [
                {"type": "vlc_playing_info", "dest": "status.xml"},
                {"type": "vlc_config", "dest": "vlcrc"},
            ],
            "expected": [
                {"type": "rule", "rules": {"type": "file_name", "file_name": media.name}},
                rule(["extraintf=http", "http-password=password"]),
            ],
        },
        related_apps=["vlc"],
    )


def test_two_tasks_read_their_own_player_over_its_web_interface(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    first = tone(media / "first-tone.wav", 60, 440.0)
    second = tone(media / "second-tone.wav", 60, 660.0)
    stopped = task(
        "vlc-none",
        [],
        {
            "func": "file_contains",
            "result": {"type": "vlc_playing_info", "dest": "status.xml"},
            "expected": rule(["<state>"]),
        },
    )
    tasks = [playing("vlc-first", first), playing("vlc-second", second), stopped]
    records, output = run_suite(tmp_path, "vlc", tasks, workers=2)
    assert records["vlc-first"]["score"] == 1.0, output
    assert records["vlc-second"]["score"] == 1.0, output
    assert records["vlc-none"]["score"] == 0.0, output  # no player: the getter gives None
    home = Path(records["vlc-first"]["run_dir"]).parent / "workspace"
    status = (home / ".osworld-bin" / "evaluation" / "status.xml").read_text()
    assert "first-tone.wav" in status and "second-tone.wav" not in status


def test_vlc_tasks_load_when_the_desktop_runs_apps_as_an_ordinary_account(tmp_path):
    data = playing("vlc-load", tmp_path / "a.wav")
    (tmp_path / "a.wav").write_bytes(b"")
    path = tmp_path / "vlc-load.json"
    path.write_text(__import__("json").dumps(data))
    assert load_osworld(path).unsupported == ()


# vlcrc as VLC writes it: every option, commented out with its default unless it was set
VLCRC = """[qt] # Qt interface
#qt-minimal-view=0
qt-max-volume=200
#qt-slider-colours=153;210;153;20;210;20;255;199;15;245;39;29
qt-slider-colours=10;10;10;20;20;20;30;30;30;99;0;0
[core] # core program
#input-record-path=
input-record-path=/tmp/home/Desktop
#global-key-play-pause=
one-instance-when-started-from-file=0
"""


def test_the_vlc_metrics_read_vlcrc_and_status_as_osworld(tmp_path):
    config = tmp_path / "vlcrc"
    config.write_text(VLCRC)
    path = str(config)
    assert m.check_qt_max_volume(path, {"expected_qt_max_volume": 200}) == 1.0
    assert m.check_qt_minimal_view(path, {"expected_qt_minimal_view": 1}) == 0.0  # default 0
    assert m.check_qt_bgcone(path, {"expected_qt_bgcone": 1}) == 1.0  # absent: the default
    assert m.check_qt_slider_colours(path, {"type": "blackish"}) == 1.0
    assert (
        m.check_qt_slider_colours(path, {"type": "match", "expected_qt_slider_colours": "x"}) == 0
    )
    started = {"expected_one_instance_when_started_from_file": 0}
    assert m.check_one_instance_when_started_from_file(path, started) == 1.0
    assert m.check_global_key_play_pause(path, {"expected_global_key_play_pause": 0}) == 1.0
    folder = {"recording_file_path": "/tmp/home/Desktop"}
    assert m.is_vlc_recordings_folder(path, folder) == 1.0
    assert m.is_vlc_recordings_folder(path, {"recording_file_path": "/elsewhere"}) == 0.0
    assert m.check_qt_max_volume(None, {"expected_qt_max_volume": 125}) == 0.0
    status = tmp_path / "status.xml"
    status.write_text(
        "<root><state>paused</state><information><category name='meta'>"
        "<info name='filename'>song.wav</info></category></information></root>"
    )
    assert m.is_vlc_playing(str(status), {"type": "file_name", "file_name": "song.wav"}) == 0.0
    status.write_text(status.read_text().replace("paused", "playing"))
    assert m.is_vlc_playing(str(status), {"type": "file_name", "file_name": "song.wav"}) == 1.0
    assert m.is_vlc_playing(str(status), {"type": "url", "url": "https://x"}) == 0.0


def test_a_rule_names_the_vms_home_as_the_tasks(tmp_path):
    machine = Machine(tmp_path, SessionRunner())
    rules = {"recording_file_path": "/home/user/Desktop", "urls": ["file:///home/user/a.html"]}
    got = GETTERS["rule"](machine, {"rules": {**rules, "n": 3}})
    assert got == {
        "recording_file_path": f"{tmp_path}/Desktop",
        "urls": [f"file://{tmp_path}/a.html"],
        "n": 3,
    }
