"""A job (`python -m agility.jobs...`) run as a process of its own, as an operator runs it; its
output (stdout and stderr, as a terminal shows them) goes to a file that can be read while it runs."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from agility.core.errors import AgilityError


class JobProcess:
    """`grace`: seconds `close()` lets it end on SIGTERM (to close what it opened) before SIGKILL."""

    def __init__(self, name: str, command: list[str], env: dict[str, str] | None = None, grace: float = 0.0):
        self.name, self.grace = name, grace
        handle, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".log")
        self.log = Path(path)
        with open(handle, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env=None if env is None else {**os.environ, **env})

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def finish(self, timeout: float) -> int:
        """Its exit code, once it ended by itself."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AgilityError(f"{self.name} still runs after {timeout:.0f} s; its output so far:\n"
                               f"{self.output()[-2000:]}") from None

    def close(self) -> None:
        if self.running() and self.grace:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                pass
        if self.running():
            self.process.kill()  # SIGKILL also ends a stopped process
            self.process.wait(timeout=10)
        self.log.unlink(missing_ok=True)
