"""Android setup steps act on the phone through adb and stop the task when they fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings
from tasks.android import setup_phone
from tasks.spec import Step, Task

TASK = Task(id="t", instruction="x", path=Path(__file__))


@pytest.fixture
def android(adb_server, virtual_phone):
    adb = AdbSettings(serial=virtual_phone.address, port=adb_server.port)
    with AndroidEnvironment(AndroidSettings(adb=adb)) as env:
        yield env


def test_setting_steps_keep_spaces_and_push_writes_app_state(android):
    setup_phone(TASK, (
        Step("setting", {"namespace": "global", "key": "device_name", "value": "Orchid Lab 7"}),
        Step("push", {"path": "/sdcard/hello.txt", "content": "Grüße"}),
        Step("open_app", {"value": "Notes"}),
    ), android)  # fmt: skip
    assert android.shell("settings get global device_name").strip() == "Orchid Lab 7"
    assert android.device.sync.read_bytes("/sdcard/hello.txt").decode() == "Grüße"
    assert android.current_app() == "com.example.notes"


@pytest.mark.parametrize(
    "step",
    [
        Step("setting", {"namespace": "nowhere", "key": "k", "value": "v"}),
        Step("adb_shell", {"value": "no-such-tool"}),
    ],
)
def test_a_failing_setup_step_stops_the_task(android, step):
    with pytest.raises(RuntimeError, match=r"setup `.*` failed"):
        setup_phone(TASK, (step,), android)
