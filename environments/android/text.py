"""Typing on a phone: ASCII through `input text`, anything else through the ADB Keyboard IME.

`input text` goes through the phone's shell and then Android's `input` tool, which turns `%s`
into a space and throws on any character outside ASCII. So ASCII is sent single-quoted with
spaces as `%s` (newlines as ENTER key events), and other text is broadcast to the ADB Keyboard
(github.com/senzhk/ADBKeyBoard) as base64, switching to that IME for the duration and restoring
the user's keyboard afterwards.
"""

from __future__ import annotations

import base64
import re
import shlex

from adbutils import AdbDevice

from agent.errors import InvalidAction

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
_CHUNK = 200
_SHELL_SAFE = re.compile(r"[ -~]*")


class ImeMissing(InvalidAction):
    """Non-ASCII text was asked for but the phone has no ADB Keyboard."""


def run_checked(device: AdbDevice, command: str) -> str:
    """The output of a shell command; InvalidAction (shown to the model) if it fails."""
    result = device.shell2(command, v2=True)
    if result.returncode != 0:
        raise InvalidAction(f"`{command}` failed on the phone: {result.output.strip()}")
    return result.output


def input_text_commands(text: str) -> list[str]:
    """Shell commands typing ASCII `text`: chunks of `input text`, ENTER for each newline."""
    commands: list[str] = []
    for index, line in enumerate(text.split("\n")):
        if index:
            commands.append("input keyevent KEYCODE_ENTER")
        for start in range(0, len(line), _CHUNK):
            chunk = line[start : start + _CHUNK].replace(" ", "%s")
            commands.append("input text " + shlex.quote(chunk))
    return commands


def needs_ime(text: str) -> bool:
    """Whether `input text` cannot type `text` (non-ASCII, control characters, a literal %s)."""
    return not _SHELL_SAFE.fullmatch(text.replace("\n", "")) or "%s" in text


class Typist:
    def __init__(self, device: AdbDevice) -> None:
        self.device = device

    def type(self, text: str) -> None:
        if needs_ime(text):
            self._type_with_ime(text)
            return
        for command in input_text_commands(text):
            self._shell(command)

    def _shell(self, command: str) -> str:
        return run_checked(self.device, command)

    def _type_with_ime(self, text: str) -> None:
        if ADB_KEYBOARD not in self._shell("ime list -s").split():
            raise ImeMissing(
                f"typing {text!r} needs the ADB Keyboard IME, which is not installed on "
                f"{self.device.serial}: install ADBKeyboard.apk (github.com/senzhk/ADBKeyBoard) "
                "with `adb install`, or type ASCII text only"
            )
        previous = self._shell("settings get secure default_input_method").strip()
        if previous != ADB_KEYBOARD:
            self._shell(f"ime enable {ADB_KEYBOARD}")
            self._shell(f"ime set {ADB_KEYBOARD}")
        try:
            message = base64.b64encode(text.encode("utf-8")).decode("ascii")
            self._shell(f"am broadcast -a ADB_INPUT_B64 --es msg {message}")
        finally:
            if previous and previous != ADB_KEYBOARD and previous != "null":
                self._shell(f"ime set {shlex.quote(previous)}")
