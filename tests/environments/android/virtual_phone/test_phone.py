"""The virtual phone through its shell and file system, as the adbd transport drives it.

Outcomes are observed the way a host would: pixels of screencap, the uiautomator dump, settings
values and the apps' state files.
"""

from __future__ import annotations

import base64
import io
import json
import re
import stat
import struct
import time
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from environments.android.virtual_phone import Phone, ShellResult

CONTACTS = "/sdcard/Android/data/com.android.contacts/files/contacts.json"
NOTES = "/sdcard/Android/data/com.example.notes/files/notes.json"
ADB_IME = "com.android.adbkeyboard/.AdbIME"
_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


@pytest.fixture
def phone() -> Phone:
    return Phone()


def run(phone: Phone, command: str) -> str:
    result = phone.shell(command)
    assert result.exit_code == 0, (command, result)
    return result.stdout.decode()


def dump(phone: Phone) -> list[dict[str, str]]:
    assert "UI hierchary dumped to: /sdcard/window_dump.xml" in run(phone, "uiautomator dump")
    xml = phone.read_file("/sdcard/window_dump.xml")
    assert xml is not None and xml.startswith(b"<?xml")
    return [dict(node.attrib) for node in ET.fromstring(xml).iter("node")]


def find(phone: Phone, label: str, **attributes: str) -> dict[str, str] | None:
    for node in dump(phone):
        if label in (node["text"], node["content-desc"]) and all(
            node[k.strip("_").replace("_", "-")] == v for k, v in attributes.items()
        ):
            return node
    return None


def bounds(node: dict[str, str]) -> tuple[int, int, int, int]:
    match = _BOUNDS.fullmatch(node["bounds"])
    assert match, node
    left, top, right, bottom = (int(v) for v in match.groups())
    return left, top, right, bottom


def center(node: dict[str, str]) -> tuple[int, int]:
    left, top, right, bottom = bounds(node)
    return (left + right) // 2, (top + bottom) // 2


def tap(phone: Phone, label: str, **attributes: str) -> None:
    node = find(phone, label, **attributes)
    assert node is not None, f"{label!r} is not on screen"
    run(phone, "input tap {} {}".format(*center(node)))


def long_press(phone: Phone, label: str) -> None:
    node = find(phone, label)
    assert node is not None, f"{label!r} is not on screen"
    x, y = center(node)
    run(phone, f"input swipe {x} {y} {x} {y} 800")


def frame(phone: Phone) -> Image.Image:
    data = phone.shell("screencap").stdout
    width, height, pixel_format, _ = struct.unpack("<4I", data[:16])
    assert pixel_format == 1
    return Image.frombytes("RGBA", (width, height), data[16:])


def pixel(phone: Phone, x: int, y: int) -> tuple[int, ...]:
    return frame(phone).getpixel((x, y))[:3]


def contacts(phone: Phone) -> list[dict[str, object]]:
    return json.loads(phone.read_file(CONTACTS) or b"")


def notes(phone: Phone) -> list[dict[str, object]]:
    return json.loads(phone.read_file(NOTES) or b"")


def focus(phone: Phone) -> str:
    """The focused window's package (the focused app's while an app starts and focus is null)."""
    out = run(phone, "dumpsys window")
    line = re.search(r"mCurrentFocus=Window\{\S+ u0 (\S+)/(\S+)\}", out)
    line = line or re.search(r"mFocusedApp=ActivityRecord\{\S+ u0 (\S+)/(\S+) t\d+\}", out)
    assert line, "no mCurrentFocus or mFocusedApp line"
    return line.group(1)


# Screen capture -------------------------------------------------------------------------------


def test_raw_screencap_has_a_16_byte_header_and_rgba_rows(phone: Phone):
    data = phone.shell("screencap").stdout
    assert struct.unpack("<4I", data[:16]) == (1080, 2400, 1, 0)
    assert len(data) == 16 + 1080 * 2400 * 4


def test_legacy_screencap_header_has_12_bytes():
    data = Phone(legacy_screencap_header=True).shell("screencap -d 0").stdout
    assert struct.unpack("<3I", data[:12]) == (1080, 2400, 1)
    assert len(data) == 12 + 1080 * 2400 * 4


def test_png_screencap_matches_the_raw_frame(phone: Phone):
    png = Image.open(io.BytesIO(phone.shell("screencap -p").stdout))
    assert png.size == (1080, 2400)
    assert png.convert("RGB").getpixel((540, 1200)) == pixel(phone, 540, 1200)


def test_an_unchanged_screen_is_not_rendered_again(phone: Phone):
    first = phone.shell("screencap").stdout
    run(phone, "getprop ro.product.model; dumpsys window; settings get global wifi_on")
    assert phone.shell("screencap").stdout is first
    run(phone, "input keyevent KEYCODE_HOME")
    assert phone.shell("screencap").stdout is not first


# Shell ----------------------------------------------------------------------------------------


def test_unknown_commands_fail_like_the_shell(phone: Phone):
    assert phone.shell("frobnicate --now") == ShellResult(
        b"", b"/system/bin/sh: frobnicate: not found\n", 127
    )
    assert phone.shell("frobnicate; echo after").stdout == b"after\n"


def test_quoting_sequences_and_redirections(phone: Phone):
    assert run(phone, "echo 'a  b' \"c\"d; false && echo no || echo yes") == "a  b cd\nyes\n"
    assert run(phone, "cat /nope 2>/dev/null; echo $?x >/dev/null; echo 2") == "2\n"
    run(phone, "echo first > /sdcard/f.txt && echo second >> /sdcard/f.txt")
    assert phone.read_file("/sdcard/f.txt") == b"first\nsecond\n"
    assert run(phone, "dumpsys window | grep -c mFocusedApp") == "1\n"
    assert phone.shell("echo 'open").exit_code != 0


def test_wrong_usage_of_known_commands_fails(phone: Phone):
    for command in ("input tap 1", "input roll", "wm size big", "settings get nowhere x", "am"):
        result = phone.shell(command)
        assert result.exit_code != 0 and result.stderr, command


def test_getprop_and_identity(phone: Phone):
    assert run(phone, "getprop ro.build.version.sdk") == "34\n"
    assert run(phone, "getprop sys.boot_completed") == "1\n"
    assert "[ro.product.model]: [Virtual Phone]" in run(phone, "getprop")
    assert run(phone, "whoami") == "shell\n"
    assert phone.serial_banner.startswith("device::ro.product.name=")


def test_wm_size_override_resizes_the_screen(phone: Phone):
    assert run(phone, "wm size") == "Physical size: 1080x2400\n"
    run(phone, "wm size 720x1600")
    assert run(phone, "wm size") == "Physical size: 1080x2400\nOverride size: 720x1600\n"
    assert frame(phone).size == (720, 1600)
    assert find(phone, "Settings") is not None
    run(phone, "wm size reset")
    assert frame(phone).size == (1080, 2400)
    assert run(phone, "wm density") == "Physical density: 420\n"


def test_rotation_turns_screen_touch_and_dumpsys(phone: Phone):
    run(phone, "settings put system user_rotation 1")
    assert frame(phone).size == (2400, 1080)
    display = run(phone, "dumpsys display")
    assert re.search(r"orientation=(\d+)", display).group(1) == "1"
    assert "SurfaceOrientation: 1" in run(phone, "dumpsys input")
    assert 'rotation="1"' in phone.shell("uiautomator dump /dev/tty").stdout.decode()
    tap(phone, "Settings")
    assert focus(phone) == "com.android.settings"
    assert find(phone, "Settings", class_="android.widget.TextView") is not None
    run(phone, "settings put system user_rotation 0")
    assert frame(phone).size == (1080, 2400)
    bind = "--bind name:s:user_rotation --bind value:i:3"
    run(phone, f"content insert --uri content://settings/system {bind}")
    assert frame(phone).size == (2400, 1080)


# Settings -------------------------------------------------------------------------------------


def test_tapping_a_switch_changes_pixels_and_the_setting(phone: Phone):
    run(phone, "am start -n com.android.settings/.Settings")
    row = find(phone, "Airplane mode")
    switch = next(
        n for n in dump(phone) if n["class"] == "android.widget.Switch" and
        bounds(n)[1] >= bounds(row)[1] - 100 and bounds(n)[3] <= bounds(row)[3] + 100
    )  # fmt: skip
    assert switch["checked"] == "false"
    _, top, right, bottom = bounds(switch)
    track = (right - (bottom - top) // 2 + 4, (top + bottom) // 2 + (bottom - top) // 2 - 8)
    before = pixel(phone, *track)
    run(phone, "input tap {} {}".format(*center(switch)))
    assert run(phone, "settings get global airplane_mode_on") == "1\n"
    assert run(phone, "settings get global wifi_on") == "0\n"
    assert pixel(phone, *track) != before
    # the status bar's airplane icon is drawn, but a dump holds only the active window
    assert find(phone, "Airplane mode.") is None
    assert {n["package"] for n in dump(phone)} == {"com.android.settings"}
    run(phone, "cmd connectivity airplane-mode disable")
    assert run(phone, "settings get global wifi_on") == "1\n"
    assert pixel(phone, *track) == before


def test_settings_put_shows_in_the_settings_app(phone: Phone):
    run(phone, "monkey -p com.android.settings -c android.intent.category.LAUNCHER 1")
    assert run(phone, "settings get global bluetooth_on") == "0\n"
    run(phone, "settings put global bluetooth_on 1")
    switches = [n for n in dump(phone) if n["class"] == "android.widget.Switch"]
    assert [s["checked"] for s in switches][:3] == ["true", "false", "true"]  # Wi-Fi, plane, BT
    tap(phone, "Bluetooth")
    assert run(phone, "settings get global bluetooth_on") == "0\n"


def test_swipe_scrolls_the_settings_list(phone: Phone):
    run(phone, "am start -n com.android.settings/.Settings")
    assert find(phone, "About phone") is None
    recycler = find(phone, "", resource_id="com.android.settings:id/recycler_view")
    assert recycler is not None and recycler["scrollable"] == "true"
    run(phone, "input swipe 540 2000 540 300 400")
    run(phone, "input swipe 540 2000 540 300 400")
    about = find(phone, "About phone")
    assert about is not None
    assert bounds(about)[3] <= bounds(recycler)[3]
    tap(phone, "About phone")
    assert find(phone, "Android version") is not None
    run(phone, "input keyevent KEYCODE_BACK")
    assert find(phone, "Android version") is None and find(phone, "About phone") is not None


def test_a_fling_scrolls_further_than_a_slow_swipe(phone: Phone):
    def first_visible_contact() -> str:
        rows = [n for n in dump(phone) if n["content-desc"].startswith("Photo of ")]
        return rows[0]["content-desc"]

    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    run(phone, "input swipe 540 1400 540 1100 1000")
    slow = first_visible_contact()
    run(phone, "am force-stop com.android.contacts")
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    run(phone, "input swipe 540 1400 540 1100 80")
    assert first_visible_contact() > slow


def test_dark_theme_recolours_the_apps(phone: Phone):
    run(phone, "am start -n com.android.settings/.Settings")
    light = pixel(phone, 1060, 1500)
    tap(phone, "Dark theme")
    assert run(phone, "settings get secure ui_night_mode") == "2\n"
    dark = pixel(phone, 1060, 1500)
    assert sum(dark) < sum(light) - 300
    assert run(phone, "cmd uimode night no") == "Night mode: no\n"


# Contacts -------------------------------------------------------------------------------------


def test_add_a_contact_with_taps_and_input_text(phone: Phone):
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    tap(phone, "Create contact")
    name = find(phone, "Name", class_="android.widget.EditText")
    assert name is not None and name["focused"] == "true"
    run(phone, "input text 'Zoe%sQuinn'")
    tap(phone, "Phone", class_="android.widget.EditText")
    run(phone, "input text '+1 555 0199'; input keyevent KEYCODE_DEL KEYCODE_9")
    tap(phone, "Save")
    assert {"name": "Zoe Quinn", "phone": "+1 555 0199", "favorite": False} in contacts(phone)
    assert find(phone, "Zoe Quinn") is not None
    run(phone, "input keyevent 4")
    assert find(phone, "Search contacts") is not None


def test_search_filters_the_contact_list(phone: Phone):
    run(phone, "monkey -p com.android.contacts -c android.intent.category.LAUNCHER 1")
    assert find(phone, "Alice Johnson") is not None
    tap(phone, "Search contacts")
    run(phone, "input text kenji")
    assert find(phone, "Kenji Tanaka") is not None
    assert find(phone, "Alice Johnson") is None


def test_long_press_on_a_contact_opens_a_menu(phone: Phone):
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    long_press(phone, "Bob Smith")
    tap(phone, "Add to favourites")
    assert next(c for c in contacts(phone) if c["name"] == "Bob Smith")["favorite"] is True
    long_press(phone, "Bob Smith")
    assert find(phone, "Remove from favourites") is not None
    tap(phone, "Delete")
    assert all(c["name"] != "Bob Smith" for c in contacts(phone))
    assert find(phone, "Delete") is None


def test_a_short_tap_opens_a_contact_and_back_goes_home(phone: Phone):
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    tap(phone, "Carlos Mendez")
    assert find(phone, "+1 555-0103") is not None
    run(phone, "input keyevent KEYCODE_BACK")
    assert find(phone, "Search contacts") is not None
    run(phone, "input keyevent KEYCODE_BACK")
    assert focus(phone) == "com.android.launcher3"


def test_pushing_contacts_json_replaces_the_address_book(phone: Phone):
    phone.write_file(CONTACTS, json.dumps([{"name": "Solo", "phone": "1"}]).encode())
    assert contacts(phone) == [{"name": "Solo", "phone": "1", "favorite": False}]
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    assert find(phone, "Solo") is not None
    with pytest.raises(OSError):
        phone.write_file(CONTACTS, b"{not json")


# Notes and typing -----------------------------------------------------------------------------


def test_cjk_note_through_the_adb_keyboard(phone: Phone):
    run(phone, f"ime enable {ADB_IME} && ime set {ADB_IME}")
    assert run(phone, "settings get secure default_input_method") == ADB_IME + "\n"
    run(phone, "am start -n com.example.notes/.MainActivity")
    tap(phone, "New note")
    text = "買牛奶\nдва яйца"
    message = base64.b64encode(text.encode()).decode()
    out = run(phone, f"am broadcast -a ADB_INPUT_B64 --es msg {message}")
    assert out.endswith("Broadcast completed: result=0\n")
    assert find(phone, text) is None  # the keyboard's receiver is not listening yet
    time.sleep(phone.quirks.ime_receiver_delay)
    out = run(phone, f"am broadcast -a ADB_INPUT_B64 --es msg {message}")
    assert out.startswith("Broadcasting: Intent { act=ADB_INPUT_B64 flg=0x400000")
    assert out.endswith("Broadcast completed: result=0\n")
    editor = find(phone, text)
    assert editor is not None and editor["class"] == "android.widget.EditText"
    left, top, right, _ = bounds(editor)
    glyphs = frame(phone).crop((left, top, right, top + 80)).convert("L")
    assert glyphs.getextrema()[0] < 100  # dark strokes of the CJK line were drawn
    run(phone, "input keyevent KEYCODE_BACK")
    assert notes(phone)[0]["text"] == text and notes(phone)[0]["title"] == "買牛奶"
    assert find(phone, "買牛奶") is not None


def test_adb_keyboard_does_nothing_unless_it_is_the_current_ime(phone: Phone):
    run(phone, "am start -n com.example.notes/.MainActivity")
    tap(phone, "New note")
    assert run(phone, "settings get secure default_input_method").startswith("com.android.inputm")
    out = run(phone, "am broadcast -a ADB_INPUT_TEXT --es msg hello")
    assert "Broadcast completed: result=0" in out
    assert find(phone, "hello") is None
    assert ADB_IME in run(phone, "ime list -a -s").split()
    assert ADB_IME not in run(phone, "ime list -s").split()  # installed, not enabled
    assert "cannot be selected" in phone.shell(f"ime set {ADB_IME}").stderr.decode()
    run(phone, f"ime enable {ADB_IME}; ime set {ADB_IME}")
    time.sleep(phone.quirks.ime_receiver_delay)
    run(phone, "am broadcast -a ADB_INPUT_TEXT --es msg hello")
    assert find(phone, "hello") is not None


def test_input_text_refuses_non_ascii(phone: Phone):
    run(phone, "am start -n com.example.notes/.MainActivity")
    tap(phone, "New note")
    result = phone.shell("input text 'café'")
    assert result.exit_code == 1
    assert result.stderr.startswith(b"Exception occurred while executing 'text':")
    run(phone, "input text 'a%sb'; input keyevent KEYCODE_ENTER KEYCODE_C")
    assert find(phone, "a b\nc") is not None
    run(phone, "input keyevent KEYCODE_DEL")
    field = find(phone, "a b\n")
    assert field is not None and field["focused"] == "true"
    run(phone, "input keycombination KEYCODE_CTRL_LEFT KEYCODE_A; input keyevent KEYCODE_DEL")
    run(phone, "input keycombination KEYCODE_SHIFT_LEFT KEYCODE_H; input keyevent I")
    assert find(phone, "Hi") is not None


def test_a_phone_without_the_adb_keyboard():
    phone = Phone(adb_keyboard=False)
    assert ADB_IME not in run(phone, "ime list -s")
    assert phone.shell(f"ime set {ADB_IME}").exit_code != 0
    assert "package:com.android.adbkeyboard" not in run(phone, "pm list packages")


def test_long_press_deletes_a_note(phone: Phone):
    run(phone, "am start -n com.example.notes/.MainActivity")
    long_press(phone, "Shopping list")
    tap(phone, "Delete")
    assert [n["title"] for n in notes(phone)] == ["Meeting notes"]


def test_pushing_notes_json_replaces_the_notes(phone: Phone):
    phone.write_file(NOTES, json.dumps([{"title": "Plan", "body": "step 1"}]).encode())
    assert [(n["title"], n["text"]) for n in notes(phone)] == [("Plan", "Plan\nstep 1")]


# Navigation and apps --------------------------------------------------------------------------


def test_home_screen_icons_carry_app_labels(phone: Phone):
    labels = {n["text"]: n for n in dump(phone) if n["package"] == "com.android.launcher3"}
    for label in ("Settings", "Contacts", "Notes"):
        icon = labels[label]
        assert icon["content-desc"] == label and icon["clickable"] == "true"
    tap(phone, "Notes")
    assert focus(phone) == "com.example.notes"
    run(phone, "input keyevent KEYCODE_HOME")
    assert focus(phone) == "com.android.launcher3"


def test_app_switch_returns_to_the_previous_app(phone: Phone):
    run(phone, "am start -n com.android.settings/.Settings")
    run(phone, "am start -n com.example.notes/.MainActivity")
    run(phone, "input keyevent KEYCODE_APP_SWITCH")
    assert find(phone, "Clear all") is not None
    run(phone, "input keyevent KEYCODE_APP_SWITCH")
    assert focus(phone) == "com.android.settings"


def test_gestures_go_home_and_back(phone: Phone):
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    tap(phone, "Alice Johnson")
    run(phone, "input swipe 2 1200 400 1200 200")
    assert find(phone, "Search contacts") is not None
    run(phone, "input swipe 540 2395 540 1500 200")
    assert focus(phone) == "com.android.launcher3"


def test_activity_manager_and_package_manager(phone: Phone):
    out = run(phone, "am start -W -n com.android.settings/.Settings")
    assert "Status: ok" in out and focus(phone) == "com.android.settings"
    focused = run(phone, "dumpsys window windows")
    assert (
        "mFocusedApp=ActivityRecord{" in focused and "com.android.settings/.Settings t" in focused
    )
    assert "topResumedActivity=ActivityRecord{" in run(phone, "dumpsys activity activities")
    run(phone, "am force-stop com.android.settings")
    assert focus(phone) == "com.android.launcher3"
    assert phone.shell("am start -n com.android.settings/.Nope").exit_code != 0
    monkey = phone.shell("monkey -p com.nope -c android.intent.category.LAUNCHER 1")
    assert b"No activities found" in monkey.stderr and monkey.exit_code != 0
    assert run(phone, "pm list packages -3") == (
        "package:com.android.adbkeyboard\npackage:com.example.notes\n"
    )
    assert run(phone, "pm path com.android.settings").startswith("package:/")
    brief = run(phone, "cmd package resolve-activity --brief com.example.notes")
    assert brief.splitlines()[-1] == "com.example.notes/.MainActivity"
    query = "cmd package query-activities --brief -a android.intent.action.MAIN "
    launchers = run(phone, query + "-c android.intent.category.LAUNCHER")
    assert "com.android.contacts/.activities.PeopleActivity" in launchers


# Files and reset ------------------------------------------------------------------------------


def test_file_system_for_the_sync_service(phone: Phone):
    mode, _, _ = phone.stat("/sdcard")
    assert stat.S_ISDIR(mode)
    phone.write_file("/data/local/tmp/a.bin", b"\x00\x01", 0o600)
    mode, size, mtime = phone.stat("/data/local/tmp/a.bin")
    assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o600 and size == 2 and mtime > 0
    assert ("a.bin", mode, 2, mtime) in phone.listdir("/data/local/tmp")
    assert phone.listdir("/data/local/tmp/a.bin") is None
    assert phone.read_file("/storage/emulated/0/Android/data/com.example.notes/files/notes.json")
    with pytest.raises(PermissionError):
        phone.write_file("/system/evil", b"x")
    run(phone, "mkdir -p /sdcard/x/y && touch /sdcard/x/y/z && rm -r /sdcard/x")
    assert phone.stat("/sdcard/x") is None
    assert phone.shell("rm /sdcard/missing").exit_code == 1
    assert run(phone, "ls /sdcard/Android/data/com.android.contacts/files") == "contacts.json\n"


def test_reset_restores_the_factory_state(phone: Phone):
    run(phone, "settings put global airplane_mode_on 1; wm size 720x1280")
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    phone.write_file(CONTACTS, b"[]")
    phone.write_file("/sdcard/Download/x", b"x")
    phone.reset()
    assert run(phone, "settings get global airplane_mode_on") == "0\n"
    assert run(phone, "wm size") == "Physical size: 1080x2400\n"
    assert len(contacts(phone)) == 16 and phone.stat("/sdcard/Download/x") is None
    assert focus(phone) == "com.android.launcher3"


def test_dump_bounds_match_the_pixels(phone: Phone):
    run(phone, "am start -n com.android.contacts/.activities.PeopleActivity")
    fab = find(phone, "Create contact")
    left, top, right, bottom = bounds(fab)
    image = frame(phone)
    inside = image.getpixel(((left + right) // 2, top + 6))[:3]
    outside = image.getpixel(((left + right) // 2, top - 3))[:3]
    assert inside != outside
    assert image.getpixel((left + 30, (top + bottom) // 2))[:3] == inside


def test_notes_stay_newest_first_after_a_push_and_an_edit(phone: Phone):
    pushed = [{"text": "Old\nx", "modified": 100}, {"text": "New\ny", "modified": 200}]
    phone.write_file(NOTES, json.dumps(pushed).encode())
    assert [n["title"] for n in notes(phone)] == ["New", "Old"]
    run(phone, "am start -n com.example.notes/.MainActivity")
    tap(phone, "Old")
    run(phone, "input text 'er'; input keyevent KEYCODE_BACK")
    assert [(n["title"], n["text"]) for n in notes(phone)] == [
        ("Old", "Old\nxer"),
        ("New", "New\ny"),
    ]
