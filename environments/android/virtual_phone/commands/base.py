"""A shell command of the phone: a function of the handset, argv and stdin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from environments.android.virtual_phone.handset import Handset
from environments.android.virtual_phone.result import ShellResult

Run = Callable[[Handset, list[str], bytes], ShellResult]


@dataclass(frozen=True)
class Command:
    """`pure` commands leave the screen as it was, so the cached frame stays valid."""

    run: Run
    pure: bool = False


def options(
    args: list[str], with_value: frozenset[str] = frozenset()
) -> tuple[set[str], dict[str, str], list[str]]:
    """Split leading options from operands: flags, options taking a value, the rest."""
    flags: set[str] = set()
    values: dict[str, str] = {}
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        option = args[index]
        if option == "--":
            index += 1
            break
        if option in with_value and index + 1 < len(args):
            values[option] = args[index + 1]
            index += 2
            continue
        if not option.startswith("--") and len(option) > 2:
            flags.update(f"-{char}" for char in option[1:])
        else:
            flags.add(option)
        index += 1
    return flags, values, args[index:]
