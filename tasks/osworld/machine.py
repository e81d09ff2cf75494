"""What an OSWorld getter reads: the task's home, the environment its programs run with, and
the task's own ports (conventions.Ports) where OSWorld's VM has fixed ones."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tasks.osworld.conventions import SHIMS, Ports, command_argv, task_ports


@dataclass(frozen=True)
class Machine:
    home: Path
    env: dict[str, str]

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
        argv = command_argv(command, shell, self.home)
        return subprocess.run(
            argv,
            shell=shell,
            cwd=self.home,
            env=self.env,
            text=True,
            capture_output=True,
            timeout=120,
        )
