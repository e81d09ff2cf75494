"""The ui-tars family end to end: the oracle plays desktop and phone tasks in its wire format."""

from tests.tasks.family_oracle import (
    ANDROID,
    DESKTOP,
    assert_all_pass,
    oracle_bench,
    replies,
)

FAMILY = "ui-tars"


def test_desktop_tasks_pass_through_ui_tars_replies(tmp_path):
    records, output = oracle_bench(FAMILY, "desktop", DESKTOP, tmp_path)
    assert_all_pass(records, DESKTOP, FAMILY)
    written = replies(tmp_path / "out", "mousepad-append-line")
    assert written[0].startswith("Thought: ") and "\nAction: click(start_box='(" in written[0]
    assert "(100%)" in output


def test_phone_tasks_pass_through_ui_tars_replies(tmp_path):
    records, _ = oracle_bench(FAMILY, "android", ANDROID, tmp_path)
    assert_all_pass(records, ANDROID, FAMILY)
    written = replies(tmp_path / "out", "contacts-delete-long-press")
    assert any("Action: long_press(start_box='(" in reply for reply in written)
