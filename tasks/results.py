"""`results.json`: a header that says what produced the results (model, family, settings, date,
oracle or not) and one record per attempt, keyed by the task's key (and rollout): its id, or
"domain/id" for an OSWorld task, since OSWorld uses one id in two domains (chrome and
thunderbird share bb5e4c0d-f964-439c-97b6-bdb9747de3f4).

Files of format 2 keyed OSWorld tasks by the bare id; their records are read with the key of the
task of that id in that record's domain (its "app"), so they resume as before. A file of a
format newer than this version's is refused.

Results of different models, settings or of the oracle never share a file: resuming into a file
made with other settings is refused, and a run without `--resume` never replaces earlier
results. Attempts that ended in `error` (the harness failed, not the model) are dropped on
resume, so they run again.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import AgentError

FORMAT = 3
RERUN_ON_RESUME = {"error", "skipped"}  # skipped ones are re-derived from the task files


@dataclass(frozen=True)
class Header:
    oracle: bool
    model: str | None  # the served model id (None under the oracle)
    family: str
    settings: dict[str, Any] = field(default_factory=dict)  # what changes the outcome
    model_url: str | None = None  # where it was served; informative, not compared
    date: str = field(default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat())

    def describe(self) -> str:
        who = "the oracle" if self.oracle else f"model {self.model}"
        options = ", ".join(f"{key} {value}" for key, value in sorted(self.settings.items()))
        return f"{who} (family {self.family}; {options})"

    def differences(self, other: Header) -> list[str]:
        names = ("oracle", "model", "family", "settings")
        return [
            f"{name} {getattr(self, name)!r} here, {getattr(other, name)!r} in the file"
            for name in names
            if getattr(self, name) != getattr(other, name)
        ]


class ResultsFile:
    """The records of one suite run, saved after every change (a crash loses nothing)."""

    def __init__(
        self,
        path: Path,
        header: Header,
        resume: bool,
        keys: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        """`keys` maps (task id, app) to the task's key, for the records of older files."""
        self.path = path
        self.header = header
        self.records: dict[str, dict[str, Any]] = {}
        self._keys = dict(keys or {})
        if path.exists():
            self._take_over(resume)

    def _take_over(self, resume: bool) -> None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AgentError(
                f"{self.path} is not a results file ({exc}): choose another --out"
            ) from exc
        if not isinstance(saved, dict) or "header" not in saved:
            raise AgentError(
                f"{self.path} holds results without a header (an older version made it): "
                "choose another --out, or move the file away"
            )
        if int(saved.get("format", 1)) > FORMAT:
            raise AgentError(
                f"{self.path} is of results format {saved['format']}, newer than this version "
                f"reads ({FORMAT}): update qwen-operator, or choose another --out"
            )
        old = Header(**saved["header"])
        records = {key_of(self._keyed(record)): record for record in saved.get("results", [])}
        if not resume:
            if records:
                raise AgentError(
                    f"{self.path} already holds {len(records)} results of {old.describe()} "
                    f"from {old.date}: pass --resume to continue them, or choose another --out"
                )
            return
        if differences := self.header.differences(old):
            raise AgentError(
                f"cannot resume into {self.path}: it holds results of {old.describe()}, this run "
                f"is {self.header.describe()} ({'; '.join(differences)}); choose another --out "
                "or run with the settings of the file"
            )
        self.header = Header(**{**asdict(self.header), "date": old.date})
        self.records = {k: r for k, r in records.items() if r["status"] not in RERUN_ON_RESUME}

    def _keyed(self, record: dict[str, Any]) -> dict[str, Any]:
        if "key" not in record:  # format 2
            record["key"] = self._keys.get((record["id"], record.get("app", "")), record["id"])
        return record

    def put(self, record: dict[str, Any]) -> None:
        self.records[key_of(record)] = record
        self.save()

    def save(self) -> None:
        records = list(self.records.values())
        body = {"format": FORMAT, "header": asdict(self.header), "results": records}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.path)


def key_of(record: dict[str, Any]) -> str:
    """The record's name in the file: its task's key, with the rollout after # from the 2nd."""
    rollout, key = record.get("rollout", 1), record.get("key") or record["id"]
    return key if rollout == 1 else f"{key}#{rollout}"


def load_records(path: Path) -> list[dict[str, Any]]:
    """The records of a results file (for scripts and tests that read one)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["results"]
