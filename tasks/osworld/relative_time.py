"""OSWorld's rule_relativeTime (desktop_env/evaluators/getters/misc.py): the rule's expected
texts with dates filled in, dates said relative to today ("tomorrow", "next Monday").

`rules.relativeTime` has "from" (then `rules.expected.time` is filled) or "from" and "to"
(then `expected.from` and `expected.to`). The first {DoW}, {Month}, {DayD}, {Year},
{Month0D}, {month}, {MonthFull} and {Day0D} of each text become the date's short weekday,
short month, day, year, two-digit month, lower-case month, full month and two-digit day.
The days are OSWorld's, counted from the evaluator's local date: "this Saturday" and
"this Sunday" of the current week (Monday first), "next Monday" the Monday after today, and
"next Friday" the Friday of that week when the range starts next Monday before Friday.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from datetime import date, timedelta
from typing import Any

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
_MONTHS += ("August", "September", "October", "November", "December")


def _next_month(today: date, day: int) -> date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, day)


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _first_monday_four_months_later(today: date) -> date:
    month = (today.month + 3) % 12 + 1
    first = date(today.year + (today.month + 4 > 12), month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _next_friday(today: date, start: str) -> date:
    if today.weekday() < 4 and start == "next Monday":
        return today + timedelta(days=4 - today.weekday() + 7)
    ahead = 4 - today.weekday() if today.weekday() < 4 else 6 - today.weekday() + 5
    return today + timedelta(days=ahead)


_DAYS: dict[str, Callable[[date, str], date]] = {
    "tomorrow": lambda today, start: today + timedelta(days=1),
    "5th next month": lambda today, start: _next_month(today, 5),
    "10th next month": lambda today, start: _next_month(today, 10),
    "11th next month": lambda today, start: _next_month(today, 11),
    "this month": lambda today, start: today,
    "this Saturday": lambda today, start: today + timedelta(days=5 - today.weekday()),
    "this Sunday": lambda today, start: today + timedelta(days=6 - today.weekday()),
    "next Monday": lambda today, start: _next_monday(today),
    "next Friday": _next_friday,
    "first monday four months later": lambda today, start: _first_monday_four_months_later(today),
}


def day(relative: str, today: date, start: str = "") -> date:
    """The date `relative` names, counted from `today` (`start`: the range's "from")."""
    if relative not in _DAYS:
        raise ValueError(
            f"rule_relativeTime: unknown relative time {relative!r}; OSWorld's are "
            f"{', '.join(sorted(_DAYS))}"
        )
    return _DAYS[relative](today, start)


def fill(text: str, when: date) -> str:
    """`text` with the first of each of OSWorld's date placeholders filled from `when`."""
    values = {
        "{DoW}": _WEEKDAYS[when.weekday()],
        "{Month}": _MONTHS[when.month - 1][:3],
        "{DayD}": str(when.day),
        "{Year}": str(when.year),
        "{Month0D}": f"{when.month:02d}",
        "{month}": _MONTHS[when.month - 1].lower(),
        "{MonthFull}": _MONTHS[when.month - 1],
        "{Day0D}": f"{when.day:02d}",
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value, 1)
    return text


def relative_rules(rules: dict[str, Any], today: date) -> dict[str, Any]:
    """A copy of `rules` with the expected dates filled in (see the module docstring)."""
    filled = deepcopy(rules)
    relative, expected = filled["relativeTime"], filled["expected"]
    if "to" not in relative:
        expected["time"] = fill(expected["time"], day(relative["from"], today))
        return filled
    start = relative["from"]
    expected["from"] = fill(expected["from"], day(start, today))
    expected["to"] = fill(expected["to"], day(relative["to"], today, start))
    return filled
