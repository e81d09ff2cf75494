import pytest

from agent import actions as A
from agent.errors import InvalidAction

SCREEN = (1280, 800)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (A.Click(1280, 10), "off the 1280x800 screen"),
        (A.Click(-1, 10), "off the 1280x800 screen"),
        (A.Drag(10, 10, 10, 800), "off the 1280x800 screen"),
        (A.Click(5, 5, count=4), "single, double or triple"),
        (A.Click(5, 5, button="side"), "unknown mouse button"),  # type: ignore[arg-type]
        (A.Scroll(5, 5), "non-zero amount"),
        (A.Scroll(5, 5, dy=500), "at most 100"),
        (A.Key(("ctrl", "nosuchkey")), "unknown key 'nosuchkey'"),
        (A.Wait(-1), "wait takes 0 to 60 seconds, not -1"),
        (A.Type(""), "non-empty text"),
        (A.Type("a\x00b"), r"holds a NUL character \(\\x00\), which no keyboard can type"),
        (A.Type("x" * 10_001), "type at most 10,000 characters at once \\(got 10,001\\)"),
        (A.Terminate("maybe"), "terminate status"),  # type: ignore[arg-type]
    ],
)
def test_invalid_actions_are_rejected_with_a_specific_message(action, message):
    with pytest.raises(InvalidAction, match=message):
        A.validate(action, SCREEN)


@pytest.mark.parametrize(
    "action",
    [
        A.Click(0, 0),
        A.Click(1279, 799, "right", 3),
        A.Move(640, 400),
        A.Drag(0, 0, 1279, 799),
        A.Scroll(10, 10, dx=-3),
        A.Type("héllo <world>"),
        A.Key(("ctrl", "shift", "t")),
        A.Wait(0.5),
        A.Answer("42"),
        A.Terminate("failure"),
    ],
)
def test_valid_actions_pass_and_round_trip_through_dicts(action):
    A.validate(action, SCREEN)
    assert A.from_dict(A.to_dict(action)) == action
    assert A.to_dict(action)["kind"] == action.kind


def test_describe_names_the_action_and_its_pixels():
    assert A.describe(A.Click(3, 4, count=2)) == "double-click at (3, 4)"
    assert A.describe(A.Click(3, 4, button="right")) == "right click at (3, 4)"
    assert A.describe(A.Key(("ctrl", "s"))) == "key ctrl+s"
