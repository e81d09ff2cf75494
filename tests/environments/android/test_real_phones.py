"""AndroidEnvironment against the virtual phone playing what real phones do: an ADB Keyboard
that is installed but not enabled and listens late, dumps that fail, several displays, Android
10's `input`, a null focus while an app starts, FLAG_SECURE windows; all through the real adb
server, outcomes read back from the phone (its fields, files, frames and the commands it ran)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from agent import actions as A
from agent.errors import EnvironmentFailure
from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings
from environments.android.environment import SECURE_NOTICE
from environments.android.hierarchy import DumpSettings
from environments.android.screen import ScreenCapture, decode_raw, read_shell
from environments.android.text import ImeSettings
from environments.android.virtual_phone import Phone, Quirks
from environments.android.virtual_phone.commands.dumpsys import DISPLAY_ID
from environments.android.virtual_phone.system_settings import ADB_IME, LATIN_IME
from tests.servers import attached_phone

pytestmark = pytest.mark.timeout(120)
NOTES = "/sdcard/Android/data/com.example.notes/files/notes.json"
SECOND_DISPLAY = str(int(DISPLAY_ID) + 1)


def open_env(adb_server, server, **settings) -> AndroidEnvironment:
    adb = AdbSettings(serial=server.address, port=adb_server.port)
    return AndroidEnvironment(AndroidSettings(adb=adb, **settings))


def tap(env: AndroidEnvironment, label: str) -> None:
    element = env.find(label)
    assert element is not None, f"{label!r} is not on the phone's screen"
    assert env.execute(A.Click(*element.center)).ok


def new_note(env: AndroidEnvironment) -> None:
    assert env.execute(A.OpenApp("Notes")).ok
    tap(env, "New note")


def ran(phone: Phone, word: str) -> list[str]:
    return [command for command in phone.log if word in command]


def test_a_keyboard_installed_but_not_enabled_is_enabled_used_and_put_back(adb_server):
    phone = Phone()
    assert ADB_IME not in phone.shell("ime list -s").stdout.decode()
    with attached_phone(adb_server, phone) as server:
        env = open_env(adb_server, server)
        new_note(env)
        result = env.execute(A.Type("牛奶 und Grüße"))
        assert result.ok, result.error
        assert env.find("牛奶 und Grüße") is not None
        assert env.execute(A.SystemButton("back")).ok
        assert json.loads(env.device.sync.read_bytes(NOTES))[0]["text"] == "牛奶 und Grüße"
        assert env.shell("settings get secure default_input_method").strip() == LATIN_IME
        assert ADB_IME not in env.shell("ime list -s")  # disabled again, as the user had it


def test_a_keyboard_the_user_had_enabled_stays_enabled(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(adb_keyboard_enabled=True))) as server:
        env = open_env(adb_server, server)
        new_note(env)
        assert env.execute(A.Type("Grüße")).ok
        assert env.find("Grüße") is not None
        assert ADB_IME in env.shell("ime list -s").split()
        assert env.shell("settings get secure default_input_method").strip() == LATIN_IME


def test_a_broadcast_nobody_receives_is_an_error_not_a_success(adb_server):
    quirks = Quirks(ime_receiver_delay=60)
    with attached_phone(adb_server, Phone(quirks=quirks)) as server:
        env = open_env(adb_server, server, ime=ImeSettings(timeout=0.3, warmup=0.05))
        new_note(env)
        result = env.execute(A.Type("Grüße"))
        assert "did not type 'Grüße'" in (result.error or "")
        assert env.find("Grüße") is None
        assert env.shell("settings get secure default_input_method").strip() == LATIN_IME


def test_dumps_that_fail_are_retried_and_then_reported_without_ending_the_run(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(dump_failures=2))) as server:
        env = open_env(adb_server, server, dump=DumpSettings(attempts=3, wait=0.05))
        result = env.execute(A.OpenApp("Contac"))  # only the home screen's icon is called so
        assert result.ok, result.error
        assert env.current_app() == "com.android.contacts"
    quirks = Quirks(dump_failures=1000, dump_failure="ERROR: null root node returned by Ui")
    with attached_phone(adb_server, Phone(quirks=quirks)) as server:
        env = open_env(adb_server, server, dump=DumpSettings(attempts=3, wait=0.05))
        result = env.execute(A.OpenApp("Contac"))
        assert "screen could not be read" in (result.error or "")
        assert "null root node" in (result.error or "") and "cat:" not in (result.error or "")
        assert env.observe().focused == "com.android.launcher3"  # the run goes on


def test_warning_lines_before_a_raw_frame_do_not_end_raw_capture(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(displays=2))) as server:
        env = open_env(adb_server, server)
        data = read_shell(env.device, "screencap")
        assert data.startswith(b"[Warning] Multiple displays") and data.count(b"[Warning]") == 3
        assert decode_raw(data).size == (1080, 2400)
        capture = ScreenCapture(env.device)
        for _ in range(2):
            assert capture.capture().size == (1080, 2400)
            assert capture.raw and capture.last_bytes == len(data)


def test_the_display_is_chosen_and_passed_to_screencap_and_input(adb_server):
    phone = Phone(quirks=Quirks(displays=2))
    with attached_phone(adb_server, phone) as server:
        env = open_env(adb_server, server)
        assert env.display is not None and env.display.id == DISPLAY_ID
        env.observe()
        assert env.execute(A.OpenApp("Contac")).ok
        assert ran(phone, "screencap") and all(
            f"-d {DISPLAY_ID}" in c for c in ran(phone, "screencap")
        )
        assert "input -d 0 tap" in " ".join(ran(phone, "input"))
        second = open_env(adb_server, server, display_id=SECOND_DISPLAY)
        assert second.display is not None and second.display.logical == 1
        second.observe()
        assert ran(phone, "screencap")[-1] == f"screencap -d {SECOND_DISPLAY}"
        # the dump reads the focused display (0): on display 1 the tree is not offered as its own
        result = second.execute(A.OpenApp("Contac"))
        assert "cannot be read on display" in (result.error or "")
        assert ran(phone, "input")[-1] == "input -d 1 keyevent KEYCODE_HOME"
        with pytest.raises(EnvironmentFailure, match=r"no display '7'.*--display-id"):
            open_env(adb_server, server, display_id="7")


def test_chords_on_android_10_are_checked_by_their_output(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(sdk=29))) as server:
        env = open_env(adb_server, server)
        assert env.execute(A.OpenApp("Contacts")).ok
        tap(env, "Search contacts")
        assert env.execute(A.Type("kenji")).ok
        result = env.execute(A.Key(("ctrl", "a")))
        assert "ctrl+a is not available on this phone" in (result.error or "")
        assert env.execute(A.Key(("shift", "t"))).ok
        assert env.find("kenjiT") is not None


def test_one_dumpsys_window_per_observation_while_an_app_starts(adb_server):
    phone = Phone(quirks=Quirks(focus_null=5))
    with attached_phone(adb_server, phone) as server:
        env = open_env(adb_server, server)
        assert env.execute(A.OpenApp("Contacts")).ok
        phone.log.clear()
        started = time.monotonic()
        assert env.observe().focused == "com.android.contacts"
        assert time.monotonic() - started < 1.0
        assert ran(phone, "dumpsys") == ["dumpsys window"]


def test_a_secure_screen_is_told_to_the_model(adb_server):
    phone = Phone(quirks=Quirks(secure=frozenset({"com.example.notes"})))
    with attached_phone(adb_server, phone) as server:
        env = open_env(adb_server, server)
        assert env.observe().notice is None
        assert env.execute(A.OpenApp("Notes")).ok
        observation = env.observe()
        assert observation.notice == SECURE_NOTICE
        assert observation.image.getextrema() == ((0, 0), (0, 0), (0, 0))


def test_settling_reads_the_ui_tree_not_full_frames(adb_server):
    phone = Phone()
    with attached_phone(adb_server, phone) as server:
        env = open_env(adb_server, server)
        phone.log.clear()
        result = env.execute(A.OpenApp("Settings"))
        assert result.settled and result.settle_seconds < 3
        assert not ran(phone, "screencap") and ran(phone, "uiautomator dump")


def test_a_screen_that_never_settles_is_given_up_at_the_cap(adb_server):
    quirks = Quirks(dump_failures=1000)  # an animated screen: never idle
    with attached_phone(adb_server, Phone(quirks=quirks)) as server:
        env = open_env(adb_server, server, dump=DumpSettings(attempts=1))
        started = time.monotonic()
        result = env.execute(A.SystemButton("home"))
        assert result.ok and not result.settled
        assert env.settings.settle.timeout <= time.monotonic() - started < 5


def test_doctor_lists_the_displays_and_run_takes_one(adb_server):
    from agent.cli import parser
    from agent.options import settings_from
    from agent.scripted import ScriptedModelServer, VLLMConfig
    from tests.agent.test_doctor import TURN

    args = parser().parse_args(["run", "x", "--env", "android", "--display-id", SECOND_DISPLAY])
    assert settings_from(args).environment.display_id == SECOND_DISPLAY
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_server.port)}
    with (
        attached_phone(adb_server, Phone(quirks=Quirks(displays=2))) as phone,
        ScriptedModelServer(lambda request: TURN, VLLMConfig()) as server,
    ):
        argv = [sys.executable, "-m", "agent.cli", "doctor", "--model-url", server.url]
        argv += ["--env", "android", "--device", phone.address]
        out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120).stdout
        wrong = subprocess.run(
            [*argv, "--display-id", "7"], capture_output=True, text=True, env=env, timeout=120
        ).stdout
    assert f"PASS  android displays: {phone.address}: {DISPLAY_ID} (display 0 " in out
    assert f"{SECOND_DISPLAY} (display 1 " in out and f"a run uses {DISPLAY_ID} " in out
    assert "FAIL  android displays: the phone has no display '7'" in wrong


def test_a_dump_that_takes_too_long_does_not_hold_up_settling(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(dump_seconds=8))) as server:
        env = open_env(adb_server, server)
        started = time.monotonic()
        result = env.execute(A.SystemButton("home"))
        assert result.ok and not result.settled
        assert time.monotonic() - started < 2 * env.settings.settle.timeout + 1
        assert env.observe().focused == "com.android.launcher3"  # the device is still in use
