import pytest

from agent.errors import InvalidAction
from agent.keys import normalize_chord, normalize_key


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Return", "enter"),
        ("enter", "enter"),
        ("KP_Enter", "enter"),
        ("cmd", "win"),
        ("super", "win"),
        ("Control_L", "ctrl"),
        ("pgdn", "pagedown"),
        ("Page_Up", "pageup"),
        ("Esc", "escape"),
        ("BackSpace", "backspace"),
        ("F5", "f5"),
        ("A", "a"),
        ("/", "/"),
        ("minus", "-"),
        ("ArrowLeft", "left"),
    ],
)
def test_model_key_names_map_to_one_canonical_name(given, canonical):
    assert normalize_key(given) == canonical


def test_chords_accept_lists_and_plus_strings():
    assert normalize_chord(["Ctrl", "Shift", "T"]) == ("ctrl", "shift", "t")
    assert normalize_chord("ctrl+alt+Delete") == ("ctrl", "alt", "delete")
    assert normalize_chord("ctrl c") == ("ctrl", "c")
    assert normalize_chord("+") == ("+",)


@pytest.mark.parametrize("bad", ["hyper_x", "", "ctrl+banana"])
def test_unknown_keys_are_refused_by_name(bad):
    with pytest.raises(InvalidAction, match="key"):
        normalize_chord(bad)
