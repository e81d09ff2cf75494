"""OSWorld's Thunderbird tasks on the real Thunderbird, with the task's own profile under
~/.thunderbird as OSWorld's tasks unpack it: the app runs on that profile, the postconfig
closes its window by class (OSWorld's "Mail.thunderbird", instance.class) so that Thunderbird
writes prefs.js as it quits, and the getters read the profile's files (vm_file) and a listing
a postconfig command kept (cache_file)."""

from __future__ import annotations

import shutil

import pytest

from tests.tasks.osworld_suite import rule, run_suite, step, task

pytestmark = pytest.mark.skipif(shutil.which("thunderbird") is None, reason="no Thunderbird")

PROFILE = "/home/user/.thunderbird/t5q2a5hp.default-release"
# As a profile Thunderbird made on a Debian or Ubuntu machine has it: the install of
# /usr/lib/thunderbird (its hash FDC34C9F024745EB) uses this profile, else Thunderbird would
# make a new one.
PROFILES_INI = (
    "[Profile0]\\nName=default-release\\nIsRelative=1\\nPath=t5q2a5hp.default-release\\n"
    "Default=1\\n\\n[General]\\nStartWithLastProfile=1\\nVersion=2\\n\\n"
    "[InstallFDC34C9F024745EB]\\nDefault=t5q2a5hp.default-release\\nLocked=1\\n"
)


def test_the_profile_getters_read_what_thunderbird_wrote(tmp_path):
    make = (
        f"mkdir -p {PROFILE} && printf '{PROFILES_INI}' > ~/.thunderbird/profiles.ini && "
        f'echo \'user_pref("mail.identity.id1.htmlSigText", "Anonym, XYZ Lab");\' '
        f"> {PROFILE}/user.js"
    )
    data = task(
        "thunderbird-profile",
        [
            step("execute", command=make, shell=True),
            step("launch", command=["/usr/bin/thunderbird"]),
            step("sleep", seconds=12),
        ],
        {
            "postconfig": [
                step("close_window", window_name="Mail.thunderbird", strict=True, by_class=True),
                step("sleep", seconds=4),
                step("command", command=["ls", "-R", "/home/user/.thunderbird"], stdout="tb.ls"),
            ],
            "func": ["file_contains", "check_list"],
            "conj": "and",
            "result": [
                {"type": "vm_file", "path": f"{PROFILE}/prefs.js", "dest": "prefs.js"},
                {"type": "cache_file", "path": "tb.ls"},
            ],
            "expected": [
                rule(['user_pref("mail.identity.id1.htmlSigText", "Anonym, XYZ Lab");']),
                {"type": "rule", "rules": {"expect": [r"^prefs\.js$", r"^user\.js$"]}},
            ],
        },
        related_apps=["thunderbird"],
    )
    records, output = run_suite(tmp_path, "thunderbird", [data])
    assert records["thunderbird-profile"]["score"] == 1.0, output
