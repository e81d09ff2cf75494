"""`content` on the settings provider: the other way scripts read and write settings.

`content insert --uri content://settings/system --bind name:s:user_rotation --bind value:i:1`
stores a value (and so rotates the screen, as `settings put` does); `content query` prints
`Row: N name=..., value=...` lines; `content update` takes a `--where "name='KEY'"`.
"""

from __future__ import annotations

import re

from environments.android.virtual_phone.commands.base import Command
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult, fail, ok
from environments.android.virtual_phone.system_settings import NAMESPACES

USAGE = (
    "usage: adb shell content [subcommand] [options]\n\n"
    "usage: adb shell content insert --uri <URI> --bind <BINDING> [--bind <BINDING>...]\n"
    "usage: adb shell content update --uri <URI> [--where <WHERE>] --bind <BINDING>...\n"
    "usage: adb shell content query --uri <URI> [--projection <PROJECTION>] [--where <WHERE>]\n"
)
_WHERE = re.compile(r"\s*name\s*=\s*['\"]?([\w.]+)['\"]?\s*")


def _parse(args: list[str]) -> tuple[str, dict[str, str], str | None] | None:
    """(namespace, bindings, key from --where) or None for anything but the settings URIs."""
    namespace, bindings, where = "", {}, None
    for option, value in zip(args[::2], args[1::2], strict=False):
        if option == "--uri":
            match = re.fullmatch(r"content://settings/(\w+)", value)
            namespace = match.group(1) if match else ""
        elif option == "--bind":
            name, _, rest = value.partition(":")
            bindings[name] = rest.partition(":")[2]
        elif option == "--where":
            match = _WHERE.fullmatch(value)
            where = match.group(1) if match else value
    if namespace not in NAMESPACES:
        return None
    return namespace, bindings, where


def content(handset: Handset, args: list[str], _stdin: bytes) -> ShellResult:
    verb = args[0] if args else ""
    parsed = _parse(args[1:]) if verb in ("insert", "update", "query") else None
    if parsed is None:
        return fail(USAGE)
    namespace, bindings, where = parsed
    store = handset.settings
    if verb == "query":
        rows = sorted(store.values[namespace].items())
        if where is not None:
            rows = [(k, v) for k, v in rows if k == where]
        out = "".join(f"Row: {i} name={k}, value={v}\n" for i, (k, v) in enumerate(rows))
        return ok(out or "No result found.\n")
    name = bindings.get("name") or where
    if not name or "value" not in bindings:
        return fail(USAGE)
    store.put(namespace, name, bindings["value"])
    handset.changed()
    return ok()


COMMANDS = {"content": Command(content, pure=True)}
