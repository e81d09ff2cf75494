"""OSWorld's setup and postconfig steps on our desktop, with the semantics of its VM server
(desktop_env/server/main.py): `execute` runs a command (an argv, a string split like a shell
would, or a shell line with shell=true) and ignores its failure; `launch` starts one and does
not wait; `activate_window` / `close_window` find a window by title (case-insensitive
substring, or the whole title with strict=true, or by class with by_class=true); `download`
copies the cached files into the home; `open` opens a file in its app.

`osworld_session` comes first in every task: it puts the shims on the task's PATH and starts
the Ctrl+Alt+T terminal shortcut (conventions.py, hotkey.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from environments.desktop import DesktopEnvironment
from tasks.open_with import open_argv
from tasks.osworld.conventions import (
    command_argv,
    install_shims,
    opener,
    task_env,
    task_ports,
    vm_path,
)
from tasks.spec import Step

_PORT = re.compile(r"(--remote-debugging-port=)(\d+)")


def _windows(env: DesktopEnvironment, args: dict[str, Any]) -> list[int]:
    name = str(args["window_name"])
    if args.get("by_class"):
        query = ["--class", re.escape(name)]
    else:
        query = ["--name", f"^{re.escape(name)}$" if args.get("strict") else re.escape(name)]
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", *query],
        capture_output=True,
        text=True,
        env=env.display.child_env(),
        timeout=10,
    )
    return [int(line) for line in found.stdout.split()]


def run_step(step: Step, env: DesktopEnvironment, home: Path) -> None:
    """One `osworld_*` step of a task's config or postconfig, run in the task's home."""
    variables = task_env(env.display.child_env(), home)
    args = step.args
    if step.kind == "osworld_session":
        install_shims(home, shutil.which("chromium"), os.geteuid() == 0)
        env.launch([sys.executable, "-P", "-m", "tasks.osworld.hotkey"], variables)
    elif step.kind == "osworld_execute":
        argv = command_argv(args["command"], args["shell"], home)
        subprocess.run(
            argv, shell=args["shell"], cwd=home, env=variables, timeout=120, capture_output=True
        )
    elif step.kind == "osworld_launch":
        argv = command_argv(args["command"], args["shell"], home)
        if isinstance(argv, str):
            argv = ["/bin/sh", "-c", argv]
        port = str(task_ports(home).chrome)  # the VM's 1337, here the task's own
        env.launch([_PORT.sub(lambda m: m.group(1) + port, part) for part in argv], variables)
    elif step.kind == "osworld_download":
        for item in args["files"]:
            target = vm_path(item["path"], home)
            assert target is not None  # the loader let only paths in the home through
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item["from"], target)
    elif step.kind == "osworld_open":
        target = vm_path(args["path"], home)
        assert target is not None
        known = {window.id for window in env.windows()}
        argv = opener(str(target)) or open_argv(target, home / ".browser")
        env.launch(argv, variables)
        env.wait_for_new_window(known, 30.0)
    elif step.kind == "osworld_activate_window":
        for window in _windows(env, args)[:1]:
            subprocess.run(
                ["xdotool", "windowactivate", str(window)],
                timeout=10,
                env=env.display.child_env(),
                capture_output=True,
            )
    elif step.kind == "osworld_close_window":
        for window in _windows(env, args)[:1]:
            env.close_window(window)
    else:
        raise ValueError(f"unknown OSWorld step {step.kind!r}")
