"""OSWorld's metrics on JSON / YAML settings files and extension lists, on files the tests
write and values shaped as the getters return them."""

from __future__ import annotations

import json

from tasks.osworld.json_metrics import (
    check_json,
    check_json_keybindings,
    check_json_settings,
    is_extension_installed,
)
from tasks.osworld.metrics import check_options


def test_check_json_paths_and_rules(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"name": "happy-extension", "background": {"scripts": ["a.js"]}}))
    name = {"key": ["name"], "method": "eq", "ref": "happy-extension"}
    scripts = {"key": ["background", "scripts"], "method": "eq", "ref": ["a.js"]}
    assert check_json(str(path), {"expect": [name, scripts]}) == 1.0
    assert check_json(str(path), {"expect": [{**name, "ref": "sad"}]}) == 0.0
    assert check_json(str(path), {"expect": [{**name, "key": ["version"]}]}) == 0.0  # missing
    regex = {"key": ["name"], "method": "re", "ref": r"\bhappy\b"}
    assert check_json(str(path), {"expect": [regex]}) == 1.0
    # unexpect: a missing path is None, which a rule on a value does not meet
    assert check_json(str(path), {"unexpect": [{**name, "key": ["version"]}]}) == 1.0
    assert check_json(str(path), {"unexpect": [name]}) == 0.0
    path.write_text("{broken")
    assert check_json(str(path), {"expect": [name]}) == 0.0
    assert check_json(None, {"expect": []}) == 0.0


def test_check_json_reads_yaml(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("name: Test Account\nauthor:\n  name: Test Account\n  email: Test@gmail.com\n")
    rules = {"expect": [{"key": ["author", "email"], "method": "eq", "ref": "Test@gmail.com"}]}
    assert check_json(str(path), rules, is_yaml=True) == 1.0
    assert check_json(str(path), rules) == 0.0  # no JSON
    path.write_text("name: [unclosed\n")
    assert check_json(str(path), rules, is_yaml=True) == 0.0
    assert check_options("check_json", {"is_yaml": True}, []) == []


def test_check_json_settings(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"files.autoSave": "afterDelay", "files.autoSaveDelay": 500, "x": 1})
    )
    assert check_json_settings(str(path), {"expected": {"files.autoSave": "afterDelay"}}) == 1.0
    assert check_json_settings(str(path), {"expected": {"files.autoSaveDelay": 1000}}) == 0.0
    assert check_json_settings(str(path), {"expected": {"editor.wrap": True}}) == 0.0
    assert check_json_settings(str(path), {"expected": {}}) == 1.0
    # a nested value is compared whole
    path.write_text(json.dumps({"files.exclude": {"**/__pycache__": True, "**/.git": True}}))
    assert (
        check_json_settings(str(path), {"expected": {"files.exclude": {"**/__pycache__": True}}})
        == 0.0
    )
    path.write_text("// a comment\n{}")
    assert check_json_settings(str(path), {"expected": {}}) == 0.0
    assert check_json_settings(None, {"expected": {}}) == 0.0


def test_check_json_keybindings(tmp_path):
    binding = {
        "key": "ctrl+j",
        "command": "workbench.action.focusActiveEditorGroup",
        "when": "terminalFocus",
    }
    path = tmp_path / "keybindings.json"
    path.write_text("// Place your key bindings in this file\n" + json.dumps([binding]))
    assert check_json_keybindings(str(path), {"expected": binding}) == 1.0
    path.write_text(json.dumps([binding]))
    assert check_json_keybindings(str(path), {"expected": binding}) == 1.0
    path.write_text(json.dumps([{**binding, "when": "editorFocus"}]))
    assert check_json_keybindings(str(path), {"expected": binding}) == 0.0
    path.write_text(json.dumps(binding))  # an object, no list
    assert check_json_keybindings(str(path), {"expected": binding}) == 0.0
    assert check_json_keybindings(str(tmp_path / "missing.json"), {"expected": binding}) == 0.0


def test_is_extension_installed():
    listing = "ms-python.python\nnjpwerner.autodocstring\n"
    assert (
        is_extension_installed(listing, {"type": "contain", "expected": "ms-python.python"}) == 1.0
    )
    assert is_extension_installed(listing, {"type": "contain", "expected": "mattn.lisp"}) == 0.0
    assert is_extension_installed(listing, {"type": "not_contain", "expected": "mattn.lisp"}) == 1.0
    assert is_extension_installed(None, {"type": "contain", "expected": "x"}) == 0.0
    rule = [{"type": "rule", "rules": {"type": "version", "expected": "1"}}]
    assert check_options("is_extension_installed", {}, rule) == [
        ("metric", "is_extension_installed rule type version")
    ]


def test_metrics_left_out_say_why():
    assert check_options("compare_audios", {}, []) == [
        (
            "metric",
            "compare_audios (librosa's MFCC with fastdtw: a score only that stack reproduces)",
        )
    ]
    assert check_options("no_such_metric", {}, []) == [("metric", "no_such_metric")]
