"""What an OSWorld getter reads: the task's home, how its programs run (the task's environment,
as the session's user), and the task's own ports (conventions.Ports) where OSWorld's VM has
fixed ones."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from environments.desktop.session import SessionRunner
from tasks.osworld.conventions import SHIMS, Ports, command_argv, task_ports


@dataclass(frozen=True)
class Machine:
    home: Path
    session: SessionRunner

    @property
    def env(self) -> dict[str, str]:
        """The task's environment (for the harness's own X queries, run as we run)."""
        return self.session.env

    @property
    def ports(self) -> Ports:
        return task_ports(self.home)

    def scratch(self, name: str) -> Path:
        """Where a getter keeps what it fetched (OSWorld's cache_dir/dest): beside the shims,
        out of the agent's way."""
        folder = self.home / SHIMS / "evaluation"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / Path(name).name

    def run(self, command: str | list[str], shell: bool) -> subprocess.CompletedProcess[str]:
        return self.session.run(command_argv(command, shell, self.home), self.home, 120)
