"""Touches and keys as Android's input pipeline would deliver them to the views on screen.

A swipe that stays in place is a tap, or a long press when held 500 ms or more (a view without
a long-press action then gets a click, as Android's View does on release). A swipe starting on
a scrolling list moves its content with the finger; a quick one (a fling) carries on further.
Gesture navigation: up from the bottom edge goes home, inwards from a side edge goes back.
Keys edit the focused text field; `input text` and the ADB Keyboard type into it; without a
focused field typed text goes nowhere.
"""

from __future__ import annotations

from environments.android.virtual_phone import keycodes as K
from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.text_buffer import TextBuffer
from environments.android.virtual_phone.ui import target

LONG_PRESS_MS = 500
FLING_MS = 200
FLING_FACTOR = 3


def tap(handset: Handset, x: float, y: float) -> None:
    node = target(handset.screen.roots(), x, y, lambda n: n.on_tap is not None)
    if node is not None and node.on_tap is not None:
        node.on_tap()
    _settle(handset)


def long_press(handset: Handset, x: float, y: float) -> None:
    roots = handset.screen.roots()
    node = target(roots, x, y, lambda n: n.on_long_press is not None or n.on_tap is not None)
    if node is not None:
        action = node.on_long_press or node.on_tap
        if action is not None:
            action()
    _settle(handset)


def swipe(handset: Handset, x1: float, y1: float, x2: float, y2: float, ms: int) -> None:
    look = handset.look()
    dx, dy = x2 - x1, y2 - y1
    if abs(dx) < look.px(24) and abs(dy) < look.px(24):
        if ms >= LONG_PRESS_MS:
            long_press(handset, x1, y1)
        else:
            tap(handset, x1, y1)
        return
    if y1 >= look.nav_bar.top - look.px(20) and -dy > look.px(300):
        handset.go_home()
        return
    edge = look.px(40)
    if (x1 < edge and dx > look.px(200)) or (x1 >= look.width - edge and -dx > look.px(200)):
        handset.back()
        _settle(handset)
        return
    node = target(handset.screen.roots(), x1, y1, lambda n: n.on_scroll is not None)
    if node is not None and node.on_scroll is not None and abs(dy) >= abs(dx):
        distance = -dy
        if ms <= FLING_MS:
            distance *= FLING_FACTOR
        node.on_scroll(round(distance))
    _settle(handset)


def type_text(handset: Handset, text: str) -> None:
    if handset.focus is not None:
        handset.focus.insert(text)
    handset.changed()


def press(handset: Handset, code: int, shift: bool = False, ctrl: bool = False) -> None:
    """One key, with the modifiers of a key combination."""
    if code == K.HOME:
        handset.go_home()
        return
    if code in (K.BACK, K.ESCAPE):
        handset.back()
        _settle(handset)
        return
    if code == K.APP_SWITCH:
        handset.toggle_recents()
        return
    buffer = handset.focus
    if buffer is not None:
        _edit(handset, buffer, code, shift, ctrl)
    _settle(handset)


def _edit(handset: Handset, buffer: TextBuffer, code: int, shift: bool, ctrl: bool) -> None:
    if ctrl:
        if code == 29:  # KEYCODE_A
            buffer.select_all()
        return
    char = K.character(code, shift)
    if char is not None:
        buffer.insert(char)
    elif code in (K.ENTER, K.NUMPAD_ENTER, K.DPAD_CENTER):
        if buffer.multiline:
            buffer.insert("\n")
        elif buffer.on_submit is not None:
            buffer.on_submit()
        else:
            handset.set_focus(None)
    elif code == K.DEL:
        buffer.backspace()
    elif code == K.FORWARD_DEL:
        buffer.delete_forward()
    elif code in (K.DPAD_LEFT, K.DPAD_RIGHT):
        buffer.move(-1 if code == K.DPAD_LEFT else 1)
    elif code == K.MOVE_HOME:
        buffer.move_to(buffer.value.rfind("\n", 0, buffer.cursor) + 1 if buffer.multiline else 0)
    elif code == K.MOVE_END:
        end = buffer.value.find("\n", buffer.cursor) if buffer.multiline else -1
        buffer.move_to(len(buffer.value) if end < 0 else end)


def _settle(handset: Handset) -> None:
    """After an event: the screen changed, and a focused field that left it loses focus."""
    handset.changed()
    handset.validate_focus()
