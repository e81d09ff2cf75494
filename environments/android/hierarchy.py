"""The phone's UI tree from `uiautomator dump`, as flat elements with screen bounds.

Protocols that want more than pixels (set-of-marks, text grounding) and task solutions that
locate a widget by its label at run time both read this.

`uiautomator dump` exits 0 even when it fails ("ERROR: could not get idle state." after waiting
for an animated screen to go idle, "ERROR: null root node returned by ..."); such failures are
transient, so a dump is tried a bounded number of times, and one that still fails is reported
as a screen that could not be read (fed back to the model), never as the end of the run.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from adbutils import AdbDevice, AdbTimeout

from agent.errors import EnvironmentFailure, InvalidAction

DUMP_PATH = "/data/local/tmp/qwen-operator-window.xml"

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


@dataclass(frozen=True)
class UIElement:
    text: str
    resource_id: str
    class_name: str
    package: str
    content_desc: str
    bounds: tuple[int, int, int, int]  # left, top, right, bottom
    clickable: bool = False
    long_clickable: bool = False
    scrollable: bool = False
    checkable: bool = False
    checked: bool = False
    focused: bool = False
    enabled: bool = True

    @property
    def center(self) -> tuple[int, int]:
        left, top, right, bottom = self.bounds
        return (left + right) // 2, (top + bottom) // 2

    @property
    def label(self) -> str:
        return self.text or self.content_desc


class ScreenUnreadable(InvalidAction):
    """`uiautomator dump` kept failing: the screen's UI tree could not be read this time."""


@dataclass(frozen=True)
class DumpSettings:
    attempts: int = 3
    wait: float = 0.5  # seconds between attempts
    timeout: float = 20.0  # per attempt: uiautomator alone may wait 10 s for an idle screen


def read_tree(device: AdbDevice, settings: DumpSettings = DumpSettings()) -> str:
    """The XML of one `uiautomator dump`, tried up to `settings.attempts` times; each try is one
    shell round trip (dump, print, remove)."""
    said = ""
    command = (
        f"rm -f {DUMP_PATH}; uiautomator dump {DUMP_PATH} && cat {DUMP_PATH}; rm -f {DUMP_PATH}"
    )
    for attempt in range(max(1, settings.attempts)):
        if attempt:
            time.sleep(settings.wait)
        try:
            output = device.shell(command, timeout=settings.timeout)
        except (AdbTimeout, TimeoutError):
            said = f"no answer within {settings.timeout:g} s"
            continue
        start = output.find("<?xml")
        end = output.rfind("</hierarchy>")
        if start >= 0 and end > start and "ERROR" not in output[:start]:
            return output[start : end + len("</hierarchy>")]
        text = (output[:start] if start >= 0 else output).strip()
        said = next((line for line in text.splitlines() if "ERROR" in line), text)[:200]
    raise ScreenUnreadable(
        f"the phone's screen could not be read (uiautomator dump, {settings.attempts} tries: "
        f"{said or 'no answer'}); look at the screenshot instead, or wait and try again"
    )


def focused_text(elements: list[UIElement]) -> str | None:
    """The text of the focused editable field, or None when no field has focus."""
    fields = [e for e in elements if e.focused and e.class_name.endswith("EditText")]
    return fields[-1].text if fields else None


def _flag(node: ET.Element, name: str) -> bool:
    return node.get(name) == "true"


def parse_hierarchy(xml: str) -> list[UIElement]:
    """Every node of a dump in document order; EnvironmentFailure if it is not a dump."""
    start = xml.find("<?xml")
    if start < 0:
        start = xml.find("<hierarchy")
    try:
        root = ET.fromstring(xml[max(start, 0) :])
    except ET.ParseError as exc:
        raise EnvironmentFailure(f"uiautomator dump is not valid XML: {exc}") from exc
    elements = []
    for node in root.iter("node"):
        match = _BOUNDS.fullmatch(node.get("bounds", ""))
        if not match:
            continue
        elements.append(
            UIElement(
                text=node.get("text", ""),
                resource_id=node.get("resource-id", ""),
                class_name=node.get("class", ""),
                package=node.get("package", ""),
                content_desc=node.get("content-desc", ""),
                bounds=tuple(int(v) for v in match.groups()),  # type: ignore[arg-type]
                clickable=_flag(node, "clickable"),
                long_clickable=_flag(node, "long-clickable"),
                scrollable=_flag(node, "scrollable"),
                checkable=_flag(node, "checkable"),
                checked=_flag(node, "checked"),
                focused=_flag(node, "focused"),
                enabled=node.get("enabled", "true") == "true",
            )
        )
    return elements


def find(elements: list[UIElement], label: str) -> UIElement | None:
    """The element showing `label` (exact text or description first, then case-insensitive,
    then a substring), preferring visible ones that react to touch."""
    wanted = label.strip().casefold()
    tests = (
        lambda name: name == label,
        lambda name: name.casefold() == wanted,
        lambda name: wanted in name.casefold(),
    )
    for test in tests:
        hits = [
            e
            for e in elements
            if e.bounds[2] > e.bounds[0] and any(n and test(n) for n in (e.text, e.content_desc))
        ]
        if hits:
            return max(hits, key=lambda e: (e.clickable or e.long_clickable, -len(e.label)))
    return None
