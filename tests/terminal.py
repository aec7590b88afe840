"""Run mlws as a person does: on a pseudo-terminal (stdin, stdout and stderr), answering its prompt if asked."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

MLWS = str(Path(sys.executable).parent / "mlws")


def run_on_a_terminal(args: list[str], env: dict[str, str], answer: str | None = None) -> tuple[int, str]:
    """Run `args` on a pseudo-terminal, typing `answer` at a [y/N] prompt; returns (exit code, screen text)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen, answered = b"", answer is None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            screen += data
        if not answered and b"[y/N]" in screen:
            os.write(master, answer.encode() + b"\r")
            answered = True
        if process.poll() is not None and not ready:
            break
    os.close(master)
    return process.wait(timeout=30), screen.decode("utf-8", "replace")
