"""OSWorld's vm_terminal_output on the real xterm: a postconfig opens the Ctrl+Alt+T terminal
and types commands with pyautogui, as OSWorld's do; the getter gives the text the terminal
shows (the prompt, the commands and their output, lines ending in "\\n", no escapes), from the
terminal opened last (by the shortcut or the desktop's icon), which a `pkill` of a word of
the home's path leaves alone; no terminal gives None."""

from __future__ import annotations

import shutil

import pytest

from tasks.osworld.terminal import shown_text
from tests.tasks.osworld_suite import rule, run_suite, step, task

TYPED = (
    "import pyautogui, time; time.sleep(0.5); pyautogui.hotkey('ctrl', 'alt', 't'); "
    "time.sleep(1.5); pyautogui.write({text!r}); pyautogui.press('enter'); time.sleep(1)"
)


def typed(text: str) -> dict:
    return step("execute", command=["python", "-c", TYPED.format(text=text)])


@pytest.mark.skipif(shutil.which("xterm") is None, reason="no xterm")
def test_the_terminal_output_is_what_the_last_terminal_shows(tmp_path):
    sized = task(
        "terminal-size",
        [step("execute", command="echo 'XTerm*geometry: 90x20' > ~/.Xdefaults", shell=True)],
        {
            "postconfig": [
                typed("echo first terminal"),
                # the home's path ends in "workspace": the terminal is not the task's app
                typed("pkill workspace; printf 'one\\ttwo\\n'; echo $((6*7)); stty size"),
            ],
            "func": "check_include_exclude",
            "result": {"type": "vm_terminal_output"},
            "expected": {
                "type": "rule",
                "rules": {"include": ["one\ttwo\n42\n20 90\n"], "exclude": ["first", "\x1b"]},
            },
        },
    )
    none = task(
        "no-terminal",
        [],
        {"func": "exact_match", "result": {"type": "vm_terminal_output"}, "expected": rule(None)},
    )
    icon = task(
        "terminal-icon",
        [],
        {
            "func": "check_include_exclude",
            "result": {"type": "vm_terminal_output"},
            "expected": {"type": "rule", "rules": {"include": ["\nfrom the icon\n"]}},
        },
    )
    icon["x_solution"] = [
        {"click_text": {"text": "Terminal", "count": 2, "timeout": 30}},
        {"wait": 3},
        {"type": "echo from the icon\n"},
        {"wait": 2},
        {"terminate": "success"},
    ]
    records, output = run_suite(tmp_path, "os", [sized, none, icon], workers=2)
    for name in ("terminal-size", "no-terminal", "terminal-icon"):
        assert records[name]["score"] == 1.0, output


def test_escapes_carriage_returns_and_backspaces_are_shown_as_a_terminal_shows_them():
    log = "\x1b]0;user@host: ~\x07\x1b[?2004h\x1b[01;32muser\x1b[0m$ ls\r\n\x1b[?2004l\r"
    log += "a.txt  b.txt\r\n50%\r100%\r\nabd\bc\r\n$ "
    assert shown_text(log) == "user$ ls\na.txt  b.txt\n100%\nabc\n$"
