"""AndroidEnvironment through adbutils, a real adb server and the virtual phone behind it:
every outcome is read back from the phone (pixels, settings, app files, the UI tree)."""

from __future__ import annotations

import json

import pytest
from PIL import ImageChops

from agent import actions as A
from agent.errors import EnvironmentFailure
from environments.android import AdbSettings, AndroidEnvironment, AndroidSettings
from environments.android.device import PrivateAdbServer
from environments.android.screen import decode_png, read_shell
from environments.android.virtual_phone import Phone
from tests.servers import attached_phone

pytestmark = pytest.mark.timeout(120)
CONTACTS = "/sdcard/Android/data/com.android.contacts/files/contacts.json"
NOTES = "/sdcard/Android/data/com.example.notes/files/notes.json"
LATIN = "com.android.inputmethod.latin/.LatinIME"


def open_env(adb_server, server, **settings) -> AndroidEnvironment:
    adb = AdbSettings(serial=server.address, port=adb_server.port)
    return AndroidEnvironment(AndroidSettings(adb=adb, **settings))


@pytest.fixture
def android(adb_server, virtual_phone):
    with open_env(adb_server, virtual_phone, reconnect_wait=0.1) as env:
        yield env


def tap(env: AndroidEnvironment, label: str) -> None:
    element = env.find(label)
    assert element is not None, f"{label!r} is not on the phone's screen"
    result = env.execute(A.Click(*element.center))
    assert result.ok, result.error


def app_json(env: AndroidEnvironment, path: str) -> list[dict]:
    return json.loads(env.device.sync.read_bytes(path))


def test_a_screenshot_is_the_phone_frame_decoded_on_the_host(android):
    observation = android.observe()
    assert observation.size == android.screen_size == (1080, 2400)
    assert observation.focused == "com.android.launcher3"
    png = decode_png(read_shell(android.device, "screencap -p"))
    assert ImageChops.difference(observation.image, png).getbbox() is None
    assert android._screen.raw  # the raw path was used, not the PNG fallback


def test_an_old_phone_without_the_colour_space_field_decodes_too(adb_server):
    with attached_phone(adb_server, Phone(legacy_screencap_header=True)) as server:
        env = open_env(adb_server, server)
        png = decode_png(read_shell(env.device, "screencap -p"))
        assert ImageChops.difference(env.screenshot(), png).getbbox() is None
        assert env._screen.raw and env._screen.last_bytes == 12 + 1080 * 2400 * 4


def test_opening_apps_by_name_and_package(android):
    for name, package in [
        ("Settings", "com.android.settings"),
        ("contacts", "com.android.contacts"),
        ("Notes", "com.example.notes"),
        ("com.android.settings", "com.android.settings"),
    ]:
        assert android.execute(A.OpenApp(name)).ok
        assert android.current_app() == package
    result = android.execute(A.OpenApp("Flight Simulator"))
    assert "no app called 'Flight Simulator'" in (result.error or "")


def test_a_tap_on_a_switch_changes_the_setting_and_the_pixels(android):
    android.execute(A.OpenApp("Settings"))
    before = android.screenshot()
    tap(android, "Airplane mode")
    assert android.shell("settings get global airplane_mode_on").strip() == "1"
    assert ImageChops.difference(before, android.screenshot()).getbbox() is not None


def test_text_lands_in_the_field_and_newlines_are_enter(android):
    android.execute(A.OpenApp("Contacts"))
    tap(android, "Create contact")
    assert android.execute(A.Type("Zoe O'Hara & Co; $HOME")).ok
    tap(android, "Phone")
    assert android.execute(A.Type("+1 555 0199")).ok
    tap(android, "Save")
    contacts = app_json(android, CONTACTS)
    assert {"name": "Zoe O'Hara & Co; $HOME", "phone": "+1 555 0199", "favorite": False} in contacts


def test_unicode_goes_through_the_adb_keyboard_and_the_ime_is_restored(android):
    android.execute(A.OpenApp("Notes"))
    tap(android, "New note")
    assert android.execute(A.Type("買牛奶\nGrüße")).ok
    assert android.execute(A.SystemButton("back")).ok
    assert app_json(android, NOTES)[0]["text"] == "買牛奶\nGrüße"
    assert android.shell("settings get secure default_input_method").strip() == LATIN


def test_unicode_without_the_adb_keyboard_says_how_to_get_it(adb_server):
    with attached_phone(adb_server, Phone(adb_keyboard=False)) as server:
        env = open_env(adb_server, server)
        env.execute(A.OpenApp("Notes"))
        tap(env, "New note")
        result = env.execute(A.Type("Grüße"))
        assert "needs the ADB Keyboard IME" in (result.error or "")
        assert "adb install" in (result.error or "")


def test_the_ui_tree_bounds_are_where_things_are_drawn(android):
    screen = android.screenshot()
    icons = [e for e in android.hierarchy() if e.label in ("Settings", "Contacts", "Notes")]
    assert {e.label for e in icons} >= {"Settings", "Contacts", "Notes"}
    background = screen.getpixel((5, screen.height // 2))
    for icon in icons:
        box = screen.crop(icon.bounds)
        assert box.getcolors(1 << 20) and len(box.getcolors(1 << 20)) > 1, icon
        assert any(box.getpixel((x, y)) != background for x in range(0, box.width, 4)
                   for y in range(0, box.height, 4))  # fmt: skip
    tap(android, "Contacts")
    assert android.current_app() == "com.android.contacts"


def test_scroll_swipe_long_press_and_system_buttons(android):
    android.execute(A.OpenApp("Settings"))
    assert android.find("About phone") is None
    width, height = android.screen_size
    assert android.execute(A.Scroll(width // 2, height - 400, dy=-10)).ok
    assert android.find("About phone") is not None
    assert android.execute(A.Drag(width // 2, 600, width // 2, 2000)).ok
    assert android.find("About phone") is None
    assert android.execute(A.SystemButton("home")).ok
    assert android.current_app() == "com.android.launcher3"
    android.execute(A.OpenApp("Contacts"))
    bob = android.find("Bob Smith")
    assert android.execute(A.LongPress(*bob.center, seconds=0.8)).ok
    tap(android, "Delete")
    assert not any(c["name"] == "Bob Smith" for c in app_json(android, CONTACTS))
    assert android.execute(A.SystemButton("back")).ok
    assert android.current_app() == "com.android.launcher3"


def test_key_chords_and_phone_keys(android):
    android.execute(A.OpenApp("Contacts"))
    tap(android, "Search contacts")
    android.execute(A.Type("kenji"))
    assert android.find("Kenji Tanaka") is not None and android.find("Alice Johnson") is None
    assert android.execute(A.Key(("ctrl", "a"))).ok
    assert android.execute(A.Key(("backspace",))).ok
    assert android.find("Alice Johnson") is not None
    result = android.execute(A.Key(("f13",)))
    assert "does not exist on an Android keyboard" in (result.error or "")
    assert "a phone has no pointer" in (android.execute(A.Move(5, 5)).error or "")
    assert "no right button" in (android.execute(A.Click(5, 5, "right")).error or "")


def test_wm_size_override_and_rotation_become_the_screen_pixels(android):
    android.shell("wm size 720x1600")
    assert android.observe().size == android.screen_size == (720, 1600)
    android.shell("wm size reset")
    android.shell("settings put system user_rotation 1")
    assert android.observe().size == android.screen_size == (2400, 1080)
    android.shell("settings put system user_rotation 0")
    assert android.observe().size == (1080, 2400)


def test_settling_waits_for_the_new_screen(android):
    result = android.execute(A.OpenApp("Settings"))
    assert result.settled and result.settle_seconds < 3
    assert android.find("Airplane mode") is not None


def test_a_phone_that_goes_away_ends_with_the_reason(adb_server):
    with attached_phone(adb_server, Phone()) as server:
        env = open_env(adb_server, server, reconnects=2, reconnect_wait=0.2)
        env.observe()
        server.close()
        with pytest.raises(EnvironmentFailure, match=r"lost the Android device .*reconnect 2"):
            env.observe()


def test_garbage_from_screencap_is_a_clear_error(adb_server):
    class Garbled(Phone):
        def shell(self, command):
            if command.startswith("screencap"):
                from environments.android.virtual_phone import ShellResult

                return ShellResult(b"Error: no display\x00\x01\x02" * 10)
            return super().shell(command)

    with attached_phone(adb_server, Garbled()) as server:
        env = open_env(adb_server, server)
        with pytest.raises(EnvironmentFailure, match=r"returned no picture .*Error: no display"):
            env.observe()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("unauthorized", r"is unauthorized: accept the 'Allow USB debugging\?' prompt"),
        ("offline", "is offline: the device is not answering"),
    ],
)
def test_devices_adb_cannot_use_are_named_with_the_fix(adb_server, state, message):
    with attached_phone(adb_server, Phone(), state=state) as server:
        settings = AdbSettings(port=adb_server.port, connect=server.address)
        with pytest.raises(EnvironmentFailure, match=message):
            AndroidEnvironment(AndroidSettings(adb=settings))


def test_no_device_at_all_names_the_fixes():
    with (
        PrivateAdbServer() as empty,
        pytest.raises(EnvironmentFailure, match=r"no Android device: `adb devices` lists"),
    ):
        AndroidEnvironment(AndroidSettings(adb=AdbSettings(port=empty.port)))


def test_a_double_tap_is_two_taps_at_the_same_point(android):
    android.execute(A.OpenApp("Settings"))
    switch = android.find("Airplane mode")
    assert android.execute(A.Click(*switch.center, count=2)).ok
    assert android.shell("settings get global airplane_mode_on").strip() == "0"
    assert android.execute(A.Click(*switch.center)).ok
    assert android.shell("settings get global airplane_mode_on").strip() == "1"
