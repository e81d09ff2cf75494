"""`agent run --env android` as a user runs it: the scripted model answers with Qwen's mobile_use
calls, the agent drives the virtual phone through the real adb server, and the outcome is read
back through adb."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import adbutils
import pytest

from agent.builder import family_for
from agent.scripted import ScriptedCall, ScriptedModelServer, ScriptedTurn
from environments.android.hierarchy import find, parse_hierarchy
from tests.agent.test_cli import ROOT, agent, run_dir_of
from tests.servers import free_port, wait_for_port

pytestmark = pytest.mark.timeout(180)
CONTACTS = "/sdcard/Android/data/com.android.contacts/files/contacts.json"
GRID = family_for("Qwen/Qwen3-VL-8B-Instruct", "android").grid((1080, 2400))


def mobile(**arguments: Any) -> ScriptedTurn:
    return ScriptedTurn(
        reasoning=f"Next: {arguments['action']}.", calls=(ScriptedCall("mobile_use", arguments),)
    )


class Player:
    """Scripted replies whose taps find their targets on the phone when the model is asked."""

    def __init__(self, device: adbutils.AdbDevice, steps: list[Any]) -> None:
        self.device, self.steps = device, list(steps)

    def __call__(self, request: dict[str, Any]) -> ScriptedTurn:
        step = self.steps.pop(0) if self.steps else mobile(action="terminate", status="failure")
        if callable(step):
            return step()
        if isinstance(step, str):
            element = find(parse_hierarchy(self.device.dump_hierarchy()), step)
            assert element is not None, f"{step!r} is not on the phone's screen"
            return mobile(action="click", coordinate=list(GRID.from_screen(*element.center)))
        return step


def run_agent(tmp_path: Path, url: str, address: str, adb_port: int, *extra: str):
    process = agent(
        "run", "turn on airplane mode, then add Ada Lovelace (+44 20 7946 0000) to contacts",
        "--env", "android", "--device", address, "--adb-port", str(adb_port),
        "--model-url", url, "--out", str(tmp_path / "runs"), *extra, home=tmp_path,
    )  # fmt: skip
    return process, *process.communicate(timeout=150)


def test_airplane_mode_and_a_new_contact_end_to_end(tmp_path, adb_server, virtual_phone):
    device = adbutils.AdbClient("127.0.0.1", adb_server.port).device(virtual_phone.address)
    script = Player(device, [
        mobile(action="open", text="Settings"),
        "Airplane mode",
        mobile(action="system_button", button="Home"),
        mobile(action="open", text="Contacts"),
        "Create contact",
        mobile(action="type", text="Ada Lovelace"),
        "Phone",
        mobile(action="type", text="+44 20 7946 0000"),
        "Save",
        mobile(action="terminate", status="success"),
    ])  # fmt: skip
    with ScriptedModelServer(script) as server:
        process, _out, err = run_agent(tmp_path, server.url, virtual_phone.address, adb_server.port)
    assert process.returncode == 0, err
    setting = adb_server.adb(
        "-s", virtual_phone.address, "shell", "settings get global airplane_mode_on"
    )
    assert setting.stdout.strip() == "1"
    pulled = tmp_path / "contacts.json"
    adb_server.adb("-s", virtual_phone.address, "pull", CONTACTS, str(pulled))
    contacts = json.loads(pulled.read_text())
    assert {"name": "Ada Lovelace", "phone": "+44 20 7946 0000", "favorite": False} in contacts
    run_dir = run_dir_of(err)
    result = json.loads((run_dir / "result.json").read_text())
    assert (result["status"], result["steps"]) == ("success", 10)
    steps = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    kinds = [call["action"]["kind"] for step in steps for call in step["actions"]]
    assert kinds[:4] == ["open_app", "click", "system_button", "open_app"]
    info = json.loads((run_dir / "run.json").read_text())
    assert (info["env"], info["protocol"], info["screen"]) == (
        "android",
        "qwen-mobile-use",
        [1080, 2400],
    )


def test_a_phone_that_dies_mid_run_is_reported_and_the_record_kept(tmp_path, adb_server):
    port = free_port()
    phone = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "android", "virtual-phone", "--port", str(port),
         "--connect", "--adb-port", str(adb_server.port)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for_port(port)
        assert "connected to" in phone.stdout.readline() + phone.stdout.readline()

        def unplug() -> ScriptedTurn:
            phone.kill()
            phone.wait()
            return mobile(action="click", coordinate=[500, 500])

        script = [mobile(action="open", text="Settings"), unplug]
        with ScriptedModelServer(Player(None, script)) as server:  # type: ignore[arg-type]
            process, _out, err = run_agent(
                tmp_path, server.url, f"127.0.0.1:{port}", adb_server.port
            )
    finally:
        phone.kill()
        phone.wait()
    assert process.returncode == 1
    assert "lost the Android device" in err
    run_dir = run_dir_of(err)
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "error" and "lost the Android device" in result["reason"]
    assert len((run_dir / "trajectory.jsonl").read_text().splitlines()) >= 1


def test_no_phone_names_the_fixes(tmp_path):
    from environments.android.device import PrivateAdbServer

    with PrivateAdbServer() as empty, ScriptedModelServer([]) as server:
        process = agent(
            "run", "open settings", "--env", "android", "--adb-port", str(empty.port),
            "--model-url", server.url, "--out", str(tmp_path / "runs"), home=tmp_path,
        )  # fmt: skip
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "no Android device: `adb devices` lists none" in err
    assert "adb connect HOST:PORT" in err


def test_the_mobile_action_set_flag_reaches_the_protocol():
    from agent.cli import parser
    from agent.families.qwen.mobile_use import ACTION_SETS
    from agent.options import settings_from

    args = parser().parse_args(
        [
            "run",
            "x",
            "--env",
            "android",
            "--family-option",
            "mobile_actions=notebook",
            "--response-format",
            "tool_call",
        ]
    )
    protocol = family_for("Qwen/Qwen3-VL-8B-Instruct", "android", settings_from(args))
    (tool,) = protocol.tools((1080, 2400))
    assert tool["function"]["name"] == "mobile_use"
    assert tool["function"]["parameters"]["properties"]["action"]["enum"] == list(
        ACTION_SETS["notebook"]
    )


def test_a_secure_screen_is_told_to_the_model(tmp_path, adb_server):
    from environments.android.environment import SECURE_NOTICE

    port = free_port()
    phone = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "android",
            "virtual-phone",
            "--port",
            str(port),
            "--connect",
            "--adb-port",
            str(adb_server.port),
            "--secure",
            "com.example.notes",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    requests: list[str] = []

    def script(request: dict[str, Any]) -> ScriptedTurn:
        requests.append(json.dumps(request))
        if len(requests) == 1:
            return mobile(action="open", text="Notes")
        return mobile(action="terminate", status="success")

    try:
        wait_for_port(port)
        assert "connected to" in phone.stdout.readline() + phone.stdout.readline()
        with ScriptedModelServer(script) as server:
            process, _out, err = run_agent(
                tmp_path, server.url, f"127.0.0.1:{port}", adb_server.port
            )
    finally:
        phone.kill()
        phone.wait()
    assert process.returncode == 0, err
    assert len(requests) == 2
    assert SECURE_NOTICE not in requests[0] and SECURE_NOTICE in requests[1]
