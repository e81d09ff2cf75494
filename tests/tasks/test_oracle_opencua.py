"""The OpenCUA family end to end: the oracle plays desktop tasks in its wire format (pyautogui
code the family parses and never runs)."""

from tests.tasks.family_oracle import (
    ANDROID,
    DESKTOP,
    assert_all_pass,
    oracle_bench,
    replies,
)

FAMILY = "opencua"


def test_desktop_tasks_pass_through_pyautogui_code(tmp_path):
    records, output = oracle_bench(FAMILY, "desktop", DESKTOP, tmp_path)
    assert_all_pass(records, DESKTOP, FAMILY)
    written = replies(tmp_path / "out", "mousepad-append-line")
    assert "## Code:\n```python\npyautogui.click(x=" in written[0]
    assert "(100%)" in output


def test_a_phone_is_refused_with_the_fix(tmp_path):
    records, output = oracle_bench(FAMILY, "android", ANDROID[:1], tmp_path, ok=False)
    assert records[0]["score"] == 0.0
    assert "the opencua family acts on desktop, not android: choose another --family" in output
