"""OSWorld's VLC getters (desktop_env/evaluators/getters/vlc.py) on this machine.

`vlc_playing_info` reads status.xml from VLC's web interface, as OSWorld's getter does from
its VM's port 8080 with the password "password"; here the interface listens on the task's own
port (conventions.install_vlc_settings), so two tasks never read each other's player. Like
OSWorld it gives the path of the saved status.xml, or None when VLC does not answer.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

from tasks.osworld.conventions import VLC_PASSWORD
from tasks.osworld.machine import Machine

# The video types whose default app OSWorld's default_video_player asks xdg-mime about.
VIDEO_TYPES = [
    "3gp",
    "3gpp",
    "3gpp2",
    "avi",
    "divx",
    "dv",
    "fli",
    "flv",
    "mp2t",
    "mp4",
    "mp4v-es",
    "mpeg",
    "mpeg-system",
    "msvideo",
    "ogg",
    "quicktime",
    "vnd.divx",
    "vnd.mpegurl",
    "vnd.rn-realvideo",
    "webm",
    "x-anim",
    "x-avi",
    "x-flc",
    "x-fli",
    "x-flv",
    "x-m4v",
    "x-matroska",
    "x-mpeg",
    "x-mpeg-system",
    "x-mpeg2",
    "x-ms-asf",
    "x-ms-asf-plugin",
    "x-ms-asx",
    "x-ms-wm",
    "x-ms-wmv",
    "x-ms-wmx",
    "x-ms-wvx",
    "x-msvideo",
    "x-nsv",
    "x-ogm",
    "x-ogm+ogg",
    "x-theora",
    "x-theora+ogg",
]


def vlc_status(port: int, timeout: float = 5.0) -> bytes | None:
    """status.xml from the web interface on `port`, None when nothing answers there."""
    token = base64.b64encode(f":{VLC_PASSWORD}".encode()).decode("ascii")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/requests/status.xml",
        headers={"Authorization": f"Basic {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except (OSError, urllib.error.URLError):
        return None


def vlc_playing_info(machine: Machine, config: dict[str, Any]) -> str | None:
    content = vlc_status(machine.ports.vlc)
    if content is None:
        return None
    path = machine.scratch(str(config.get("dest", "status.xml")))
    path.write_bytes(content)
    return str(path)


def vlc_config(machine: Machine, config: dict[str, Any]) -> str | None:
    path = machine.home / ".config" / "vlc" / "vlcrc"
    return str(path) if path.is_file() else None


def default_video_player(machine: Machine, config: dict[str, Any]) -> str:
    """The app xdg-mime names most often as the default for the video types (its output as
    is, newline included, as OSWorld's getter returns it), or "unknown"."""
    apps: Counter[str] = Counter()
    for kind in VIDEO_TYPES:
        app = machine.run(["xdg-mime", "query", "default", f"video/{kind}"], False).stdout
        if app:
            apps[app] += 1
    return apps.most_common(1)[0][0] if apps else "unknown"
