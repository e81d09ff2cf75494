"""The virtual phone's real-device behaviours, shell command by shell command (and over the
real adb server where the transport is what plays it)."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import adbutils
import pytest

from environments.android.screen import read_shell
from environments.android.virtual_phone import Phone, Quirks
from environments.android.virtual_phone.quirks import IDLE_STATE
from tests.servers import attached_phone

pytestmark = pytest.mark.timeout(60)


def contacts_search(phone: Phone) -> None:
    phone.shell("am start -n com.android.contacts/.activities.PeopleActivity")
    dump = phone.shell("uiautomator dump /dev/tty").stdout.decode()
    start = dump.index('text="Search contacts"')
    left, top, right, bottom = (
        int(v)
        for v in dump[dump.index("bounds=", start) + 8 :]
        .split('"')[0]
        .replace("][", ",")
        .strip("[]")
        .split(",")
    )
    phone.shell(f"input tap {(left + right) // 2} {(top + bottom) // 2}")


def test_unknown_key_names_send_nothing_and_exit_0_and_lookups_are_exact():
    phone = Phone()
    contacts_search(phone)
    for name in ("KEYCODE_a", "keycode_A", "FLUX_CAPACITOR"):
        result = phone.shell(f"input keyevent {name}")
        assert (result.exit_code, result.stdout, result.stderr) == (0, b"", b"")
    assert 'text="Search contacts"' in phone.shell("uiautomator dump /dev/tty").stdout.decode()
    phone.shell("input keyevent KEYCODE_A A 29")
    assert 'text="aaa"' in phone.shell("uiautomator dump /dev/tty").stdout.decode()


def test_android_10_input_has_no_keycombination_and_exits_0():
    old, new = Phone(quirks=Quirks(sdk=29)), Phone()
    result = old.shell("input keycombination KEYCODE_CTRL_LEFT KEYCODE_A")
    assert result.exit_code == 0
    assert result.stderr.startswith(b"Error: Unknown command: keycombination\n")
    assert old.shell("getprop ro.build.version.release").stdout == b"10\n"
    assert new.shell("input keycombination KEYCODE_CTRL_LEFT KEYCODE_A").exit_code == 0
    assert new.shell("input flip").exit_code == 255


def test_failing_dumps_print_the_error_and_exit_0_then_recover():
    phone = Phone(quirks=Quirks(dump_failures=2))
    for _ in range(2):
        result = phone.shell("uiautomator dump /sdcard/d.xml")
        assert (result.exit_code, result.stderr) == (0, f"{IDLE_STATE}\n".encode())
        assert phone.read_file("/sdcard/d.xml") is None
    assert phone.shell("uiautomator dump /sdcard/d.xml").stdout.startswith(b"UI hierchary dumped")


def test_a_dump_holds_the_active_window_only():
    phone = Phone()
    phone.shell("am start -n com.example.notes/.MainActivity")
    xml = phone.shell("uiautomator dump /dev/tty").stdout.decode()
    root = ET.fromstring(xml[: xml.index("</hierarchy>") + len("</hierarchy>")])
    assert [node.get("package") for node in root] == ["com.example.notes"]
    assert {node.get("package") for node in root.iter("node")} == {"com.example.notes"}


def test_focus_is_null_for_a_while_after_an_app_starts():
    phone = Phone(quirks=Quirks(focus_null=2))
    phone.shell("monkey -p com.android.settings -c android.intent.category.LAUNCHER 1")
    answers = [phone.shell("dumpsys window").stdout.decode() for _ in range(3)]
    assert ["mCurrentFocus=null" in a for a in answers] == [True, True, False]
    assert all("mFocusedApp=ActivityRecord{" in a and "com.android.settings" in a for a in answers)


def test_several_displays_and_a_secure_app():
    phone = Phone(quirks=Quirks(displays=2, secure=frozenset({"com.example.notes"})))
    ids = phone.shell("dumpsys SurfaceFlinger --display-id").stdout.decode().splitlines()
    assert len(ids) == 2 and "(HWC display 1)" in ids[1]
    warned = phone.shell("screencap")
    assert warned.stderr.count(b"[Warning]") == 3 and warned.stdout[:4] == (1080).to_bytes(
        4, "little"
    )
    second = ids[1].split()[1]
    assert phone.shell(f"screencap -d {second}").stderr == b""
    phone.shell("am start -n com.example.notes/.MainActivity")
    frame = phone.shell(f"screencap -d {second}").stdout
    assert set(frame[16:]) == {0, 255}
    assert "fl=SECURE " in phone.shell("dumpsys window").stdout.decode()


def test_the_link_delivers_no_faster_than_its_bandwidth(adb_server):
    with attached_phone(adb_server, Phone(quirks=Quirks(bandwidth=40e6))) as server:
        device = adbutils.AdbClient("127.0.0.1", adb_server.port).device(server.address)
        started = time.monotonic()
        data = read_shell(device, "screencap")
        assert time.monotonic() - started >= len(data) / 40e6
