"""OSWorld's setup and postconfig steps on our desktop, with the semantics of its VM server
(desktop_env/server/main.py): `execute` runs a command (an argv, a string split like a shell
would, or a shell line with shell=true) and ignores its failure, keeping its output for
`cache_file` when it names a `stdout` file; `launch` starts one and does
not wait; `activate_window` / `close_window` find a window by title (case-insensitive
substring, or the whole title with strict=true, or by class with by_class=true); `download`
copies the cached files into the home; `open` opens a file in its app; `chrome_open_tabs` /
`chrome_close_tabs` open and close tabs of the task's browser over DevTools (chromium.py).

`osworld_session` comes first in every task: it puts the shims on the task's PATH, points the
desktop's browser and terminal launchers at the shims and starts the Ctrl+Alt+T terminal
shortcut (conventions.py, hotkey.py).
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
    install_launchers,
    install_shims,
    opener,
    task_env,
    task_ports,
    vm_path,
)
from tasks.osworld.machine import Machine
from tasks.spec import Step

_PORT = re.compile(r"(--remote-debugging-port=)(\d+)")


def _windows(env: DesktopEnvironment, args: dict[str, Any]) -> list[int]:
    name = str(args["window_name"])
    if args.get("by_class") and "." in name:  # wmctrl's WM_CLASS: instance.class
        instance, kind = (re.escape(part) for part in name.split(".", 1))
        if args.get("strict"):
            instance, kind = f"^{instance}$", f"^{kind}$"
        query = ["--all", "--classname", instance, "--class", kind]
    elif args.get("by_class"):
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


def _tabs(step: Step, env: DesktopEnvironment, home: Path) -> None:
    from tasks.osworld.chromium import close_tabs, open_tabs

    act = open_tabs if step.kind == "osworld_chrome_open_tabs" else close_tabs
    act(task_ports(home).chrome, list(step.args["urls"]))


def _window(step: Step, env: DesktopEnvironment, home: Path) -> None:
    for window in _windows(env, step.args)[:1]:
        if step.kind == "osworld_close_window":
            env.close_window(window)
            continue
        subprocess.run(
            ["xdotool", "windowactivate", str(window)],
            timeout=10,
            env=env.display.child_env(),
            capture_output=True,
        )


_APP_STEPS = {
    "osworld_chrome_open_tabs": _tabs,
    "osworld_chrome_close_tabs": _tabs,
    "osworld_activate_window": _window,
    "osworld_close_window": _window,
}


def run_step(step: Step, env: DesktopEnvironment, home: Path) -> None:
    """One `osworld_*` step of a task's config or postconfig, run in the task's home."""
    runner = env.display.runner()
    variables = task_env(runner.env, home)
    args = step.args
    if step.kind in _APP_STEPS:
        _APP_STEPS[step.kind](step, env, home)
    elif step.kind == "osworld_session":
        root = os.geteuid() == 0
        install_shims(home, shutil.which("chromium"), root, shutil.which("xterm"))
        install_launchers(home)
        env.launch([sys.executable, "-P", "-m", "tasks.osworld.hotkey"], variables)
    elif step.kind == "osworld_execute":
        argv = command_argv(args["command"], args["shell"], home)
        task = runner.with_env(variables)
        done = task.run(argv, home, 120)
        if args.get("stdout"):  # kept for the cache_file getter, as OSWorld's cache_dir
            Machine(home, task).scratch(args["stdout"]).write_text(done.stdout)
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
    else:
        raise ValueError(f"unknown OSWorld step {step.kind!r}")
