"""The composed family end to end: the oracle plays desktop and phone tasks in its wire format."""

from tests.tasks.family_oracle import (
    ANDROID,
    DESKTOP,
    assert_all_pass,
    oracle_bench,
    replies,
)

FAMILY = "composed"


def test_desktop_tasks_pass_with_a_planner_and_a_grounder(tmp_path):
    records, output = oracle_bench(FAMILY, "desktop", DESKTOP, tmp_path)
    assert_all_pass(records, DESKTOP, FAMILY)
    written = replies(tmp_path / "out", "mousepad-append-line")
    assert "Action: click\nTarget: the point (" in written[0]
    assert "(100%)" in output


def test_phone_tasks_pass_with_a_planner_and_a_grounder(tmp_path):
    records, _ = oracle_bench(FAMILY, "android", ANDROID, tmp_path)
    assert_all_pass(records, ANDROID, FAMILY)
