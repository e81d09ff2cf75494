"""A caller's home full of settings, for tests that run tasks with HOME, the XDG dirs and the X
authority pointing into it: `snapshot` takes what must not change (every name, type, mode,
mtime and content), `changes` names what did; `with_private_tmp` gives a run a /tmp of its
own and `left_in_tmp` names what it left there beyond what our harness owns."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

# Top-level /tmp names of our own harness (a display's folder, Xvfb's lock and socket folder),
# present while a run (this one or another at the same time) has a display up.
HARNESS_TMP = re.compile(r"agent-display-\w+|agent-vnc-\w+|\.X\d+-lock|\.X11-unix|\.ICE-unix")
FILES = {
    ".bashrc": "# mine\nexport EDITOR=vi\n",
    ".profile": "PATH=$HOME/bin:$PATH\n",
    ".Xauthority": "\x01\x00\x00\x04host\x00\x010\x00\x12MIT-MAGIC-COOKIE-1\x00\x10" + "k" * 16,
    ".ICEauthority": "",
    ".config/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml": "<channel name='mine'/>\n",
    ".config/xfce4/xfconf/xfce-perchannel-xml/xsettings.xml": "<channel name='xsettings'/>\n",
    ".config/xfce4/panel/whiskermenu-1.rc": "favorites=mine.desktop\n",
    ".config/mimeapps.list": "[Default Applications]\ntext/plain=mine.desktop\n",
    ".config/gtk-3.0/settings.ini": "[Settings]\ngtk-theme-name=Mine\n",
    ".config/gtk-3.0/bookmarks": "file:///home/me/Documents\n",
    ".config/Mousepad/accels.scm": "; mine\n",
    ".config/chromium/Default/Preferences": '{"profile": {"name": "mine"}}\n',
    ".config/google-chrome/Local State": "{}\n",
    ".config/libreoffice/4/user/registrymodifications.xcu": "<items/>\n",
    ".config/gnumeric/mine": "x\n",
    ".config/pcmanfm/default/pcmanfm.conf": "[ui]\nshow_hidden=1\n",
    ".config/xterm/mine": "x\n",
    ".local/share/applications/mine.desktop": "[Desktop Entry]\nName=Mine\n",
    ".local/share/recently-used.xbel": "<xbel version='1.0'/>\n",
    ".local/share/Trash/info/old.trashinfo": "[Trash Info]\nPath=/home/me/old\n",
    ".local/state/mine": "x\n",
    ".cache/fontconfig/mine.cache": "x\n",
    ".cache/thumbnails/normal/mine.png": "x\n",
    "Desktop/note.txt": "keep\n",
    "Documents/letter.txt": "Dear me\n",
    "run/mine": "x\n",
}


def make_home(root: Path) -> dict[str, str]:
    """A caller's home at `root` (with a real dconf database of its own), and an environment
    whose HOME, XDG dirs and X authority point into it (and whose session bus is gone)."""
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "run").chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / ".config"),
        XDG_DATA_HOME=str(root / ".local" / "share"),
        XDG_CACHE_HOME=str(root / ".cache"),
        XDG_STATE_HOME=str(root / ".local" / "state"),
        XDG_RUNTIME_DIR=str(root / "run"),
        XAUTHORITY=str(root / ".Xauthority"),
        ICEAUTHORITY=str(root / ".ICEauthority"),
    )
    if shutil.which("dbus-run-session") and shutil.which("gsettings"):
        write = ["gsettings", "set", "org.gnome.desktop.session", "idle-delay", "42"]
        subprocess.run(["dbus-run-session", "--", *write], env=env, check=True, timeout=30)
        assert (root / ".config" / "dconf" / "user").is_file()
    return env


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Each name under `root` (and `root` itself): its mode, mtime and content (or link target)."""
    found = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        if path.is_symlink():
            content = os.readlink(path).encode()
        else:
            content = path.read_bytes() if path.is_file() else b""
        found[str(path.relative_to(root))] = (info.st_mode, info.st_mtime_ns, content)
    return found


def changes(before: dict[str, tuple[int, int, bytes]], root: Path) -> list[str]:
    """What changed under `root` since `before`: added, removed and changed names (and how)."""
    after = snapshot(root)
    found = [f"added {name}" for name in sorted(after.keys() - before.keys())]
    found += [f"removed {name}" for name in sorted(before.keys() - after.keys())]
    for name in sorted(before.keys() & after.keys()):
        (mode, mtime, content), (mode2, mtime2, content2) = before[name], after[name]
        what = [
            *([f"mode {mode:o} -> {mode2:o}"] if mode != mode2 else []),
            *(["mtime"] if mtime != mtime2 else []),
            *(["content"] if content != content2 else []),
        ]
        found += [f"changed {name} ({', '.join(what)})"] if what else []
    return found


_PRIVATE_TMP = """set -e
new="$1"
shift
while [ "$1" != "--" ]; do
    mkdir -p "$new/${1#/tmp/}"
    mount --bind "$1" "$new/${1#/tmp/}"
    shift
done
shift
mount --rbind "$new" /tmp
exec "$@"
"""


def _kept(keep: Sequence[Path]) -> list[str]:
    """The folders of `keep` under /tmp, outer ones first, and nothing twice."""
    paths = sorted({str(path.resolve()) for path in keep}, key=len)
    return [path for path in paths if path.startswith("/tmp/")]


def with_private_tmp(argv: list[str], tmp: Path, keep: Sequence[Path]) -> list[str]:
    """`argv` in a mount namespace of its own whose /tmp is the empty folder `tmp`, so what it
    leaves there is its own, whatever else runs on this machine; the folders of `keep` under
    /tmp (the test's files, a checkout and its virtual environment) stay where they are. Needs
    root (mount); else `argv` as it is."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return argv
    tmp.mkdir(mode=0o1777)
    tmp.chmod(0o1777)
    shell = ["sh", "-c", _PRIVATE_TMP, "private-tmp", str(tmp), *_kept(keep), "--"]
    return ["unshare", "--mount", "--propagation", "private", *shell, *argv]


def left_in_tmp(tmp: Path, keep: Sequence[Path]) -> list[str]:
    """What a run under `with_private_tmp` left at its /tmp's top level, but our harness's
    own names and the ways to the folders of `keep`."""
    kept = {Path(path.removeprefix("/tmp/")).parts[0] for path in _kept(keep)}
    names = os.listdir(tmp) if tmp.is_dir() else []
    return sorted(n for n in names if n not in kept and not HARNESS_TMP.fullmatch(n))
