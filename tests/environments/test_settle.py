"""Settling: wait while the screen changes, return soon after it stops, give up at the limit."""

from __future__ import annotations

import pytest

from agent import actions as A
from environments.settle import SettleSettings, wait_until_still
from tests.environments.desktop.helpers import ready

pytestmark = pytest.mark.timeout(60)


def test_a_still_screen_settles(desktop):
    settled = wait_until_still(desktop._grab, SettleSettings())
    assert settled.settled


def test_a_screen_that_keeps_changing_is_reported_unsettled(desktop, apps):
    apps(["xterm", "-title", "busy", "-e", "bash", "-c", "while :; do date +%s%N; done"])
    desktop.wait_for_window("busy")
    settled = wait_until_still(desktop._grab, SettleSettings(timeout=0.5))
    assert not settled.settled
    assert settled.seconds >= 0.5


def test_settling_waits_for_a_window_to_appear(desktop, apps):
    apps(["xterm", "-title", "late", "-e", "bash", "-c", "sleep 0.4; printf 'ready'; sleep 60"])
    window = desktop.wait_for_window("late")
    result = desktop.execute(A.Click(*window.center))
    assert result.settled
    assert result.settle_seconds < 2.0


def test_an_action_that_changes_the_screen_settles_once_it_is_drawn(desktop, apps):
    apps(["xterm", "-title", "echoes", "-e", "bash", "-c", "cat"])
    window = ready(desktop, "echoes")
    desktop.execute(A.Click(*window.center))
    before = desktop.screenshot()
    result = desktop.execute(A.Type("typed text\n"))
    assert result.settled
    assert desktop.screenshot() != before
    assert desktop.screenshot() == desktop.screenshot()
