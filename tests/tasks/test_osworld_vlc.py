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
            "func": ["file_contains", "file_contains"],
            "conj": "and",
            "result": [
                {"type": "vlc_playing_info", "dest": "status.xml"},
                {"type": "vlc_config", "dest": "vlcrc"},
            ],
            "expected": [
                rule(["<state>playing</state>", f"<info name='filename'>{media.name}</info>"]),
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
