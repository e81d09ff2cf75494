"""The phone's shell commands by name (see each module for what it answers)."""

from __future__ import annotations

from environments.android.virtual_phone.commands import (
    activity,
    content,
    dumpsys,
    files,
    input,
    package,
    screen,
    system,
)
from environments.android.virtual_phone.commands.base import Command

COMMANDS: dict[str, Command] = {
    **files.COMMANDS,
    **input.COMMANDS,
    **activity.COMMANDS,
    **package.COMMANDS,
    **system.COMMANDS,
    **content.COMMANDS,
    **dumpsys.COMMANDS,
    **screen.COMMANDS,
}
