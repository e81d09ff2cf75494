"""What one shell command line gives back: its two output streams and its exit status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShellResult:
    """Output of a command line. On a device, shell v1 streams carry stderr merged into stdout;
    shell v2 keeps them apart and adds the exit code."""

    stdout: bytes
    stderr: bytes = b""
    exit_code: int = 0
    # both streams in the order they were written (None: stdout, then stderr)
    interleaved: bytes | None = field(default=None, compare=False)

    @property
    def merged(self) -> bytes:
        """What shell v1 carries: stdout and stderr as one stream, in order."""
        if self.interleaved is not None:
            return self.interleaved
        return self.stdout + self.stderr if self.stderr else self.stdout


def ok(text: str | bytes = "") -> ShellResult:
    return ShellResult(text.encode() if isinstance(text, str) else text)


def fail(message: str, exit_code: int = 1, stdout: str = "") -> ShellResult:
    """A failed command; `message` goes to stderr as the device's tool would print it."""
    return ShellResult(stdout.encode(), message.encode(), exit_code)
