"""Typing on a phone: ASCII through `input text`, anything else through the ADB Keyboard IME.

`input text` goes through the phone's shell and then Android's `input` tool, which turns `%s`
into a space and throws on any character outside ASCII. So ASCII is sent single-quoted with
spaces as `%s` (newlines as ENTER key events), and other text is broadcast to the ADB Keyboard
(github.com/senzhk/ADBKeyBoard) as base64.

The keyboard is found with `ime list -a -s` (all installed IMEs: `ime list -s` lists only the
enabled ones, and `adb install` leaves a new IME disabled), enabled and selected, and only used
once it is the active input method. Its receiver starts with its service, a moment later, and a
broadcast nobody receives still "completes", so a warm-up broadcast (typing nothing) goes first,
and the text is verified by reading the focused field back from the UI tree: text that did not
arrive is sent once more, then reported. The user's IME (and the keyboard's enabled state) is
restored afterwards.
"""

from __future__ import annotations

import base64
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

from adbutils import AdbDevice

from agent.errors import InvalidAction

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
_CHUNK = 200
_SHELL_SAFE = re.compile(r"[ -~]*")


class ImeMissing(InvalidAction):
    """Non-ASCII text was asked for but the phone has no ADB Keyboard."""


def run_checked(device: AdbDevice, command: str) -> str:
    """The output of a shell command; InvalidAction (shown to the model) if it fails (Android
    10's `input` reports a usage error with "Error: ..." and exit status 0)."""
    result = device.shell2(command, v2=True)
    if result.returncode != 0 or result.output.startswith("Error:"):
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


@dataclass(frozen=True)
class ImeSettings:
    timeout: float = 2.0  # for the IME to become active, and for typed text to arrive
    warmup: float = 0.5  # after the warm-up broadcast (Open-AutoGLM waits about 1 s)
    poll: float = 0.1


def _same_text(text: str) -> str:
    """Text as a field shows it, for comparison: a single-line field turns newlines to spaces."""
    return " ".join(text.split())


class Typist:
    """Types text; `read_field` gives the focused field's text from the UI tree (None when no
    field can be read), to verify what the ADB Keyboard typed."""

    def __init__(
        self,
        device: AdbDevice,
        read_field: Callable[[], str | None] = lambda: None,
        settings: ImeSettings = ImeSettings(),
    ) -> None:
        self.device = device
        self.read_field = read_field
        self.settings = settings

    def type(self, text: str) -> None:
        if needs_ime(text):
            self._type_with_ime(text)
            return
        for command in input_text_commands(text):
            self._shell(command)

    def _shell(self, command: str) -> str:
        return run_checked(self.device, command)

    def _ime_ids(self, command: str) -> list[str]:
        return self._shell(command).split()

    def _type_with_ime(self, text: str) -> None:
        if ADB_KEYBOARD not in self._ime_ids("ime list -a -s"):
            raise ImeMissing(
                f"typing {text!r} needs the ADB Keyboard IME, which is not installed on "
                f"{self.device.serial}: install ADBKeyboard.apk (github.com/senzhk/ADBKeyBoard) "
                "with `adb install`, or type ASCII text only"
            )
        enabled = ADB_KEYBOARD in self._ime_ids("ime list -s")
        previous = self._shell("settings get secure default_input_method").strip()
        try:
            if not enabled:
                self._shell(f"ime enable {ADB_KEYBOARD}")
            if previous != ADB_KEYBOARD:
                self._shell(f"ime set {ADB_KEYBOARD}")
            self._wait_until_active()
            self._broadcast("")
            time.sleep(self.settings.warmup)
            self._send_verified(text)
        finally:
            if previous and previous not in (ADB_KEYBOARD, "null"):
                self._shell(f"ime set {shlex.quote(previous)}")
            if not enabled:
                self._shell(f"ime disable {ADB_KEYBOARD}")

    def _wait_until_active(self) -> None:
        deadline = time.monotonic() + self.settings.timeout
        while True:
            current = self._shell("settings get secure default_input_method").strip()
            if current == ADB_KEYBOARD:
                return
            if time.monotonic() > deadline:
                raise InvalidAction(
                    f"the ADB Keyboard did not become the active input method on "
                    f"{self.device.serial} (it is {current!r}); select it in the phone's "
                    "keyboard settings, or type ASCII text only"
                )
            time.sleep(self.settings.poll)

    def _broadcast(self, text: str) -> None:
        message = base64.b64encode(text.encode("utf-8")).decode("ascii")
        output = self._shell(f"am broadcast -a ADB_INPUT_B64 --es msg {shlex.quote(message)}")
        if "Broadcast completed" not in output:
            raise InvalidAction(f"the ADB Keyboard broadcast failed: {output.strip()}")

    def _send_verified(self, text: str) -> None:
        """Send `text`; where the focused field can be read, wait until it shows up there."""
        before = self.read_field()
        wanted = _same_text(text)
        for _ in range(2):
            self._broadcast(text)
            if before is None:
                return
            deadline = time.monotonic() + self.settings.timeout
            while True:
                after = self.read_field()
                if after is not None and _same_text(after).count(wanted) > _same_text(before).count(
                    wanted
                ):
                    return
                if time.monotonic() > deadline:
                    break
                time.sleep(self.settings.poll)
        raise InvalidAction(
            f"the ADB Keyboard did not type {text!r}: the broadcast completed but the text did "
            "not arrive in the focused field (the keyboard's service may not be running); tap "
            "the field and try again"
        )
