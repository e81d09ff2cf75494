"""An mp4 of the display while the agent works, recorded by ffmpeg's x11grab."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from agent.errors import EnvironmentFailure
from environments.desktop.display import VirtualDisplay


class ScreenRecorder:
    def __init__(
        self, display: VirtualDisplay, size: tuple[int, int], path: Path, fps: int = 10
    ) -> None:
        if shutil.which("ffmpeg") is None:
            raise EnvironmentFailure("ffmpeg not found: install it with ./scripts/setup.sh")
        self.path = path
        width, height = size
        self.process = display.launch(
            ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "x11grab",
             "-video_size", f"{width}x{height}", "-framerate", str(fps), "-i", display.name,
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
        )  # fmt: skip

    def stop(self) -> None:
        """Let ffmpeg finish the file (SIGINT), rather than killing it mid-write."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
