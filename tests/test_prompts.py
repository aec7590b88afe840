"""Confirmation as the cmdlets' -Confirm: on a terminal an update shows what it will send and asks.

A declined prompt sends nothing and is exit 4; without a terminal a routine update goes ahead (tested
throughout the suite), while a replacement needs --yes (tests/service/test_updates_never_lie.py).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.conftest import REPO

MLWS = str(Path(sys.executable).parent / "mlws")


def answer_on_a_terminal(args: list[str], env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run mlws on a pseudo-terminal and type `answer` at its [y/N] prompt; returns (exit code, screen text)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen, answered = b"", False
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


def test_update_asks_on_a_terminal_and_a_no_sends_nothing(emulator, tmp_path):
    name, group = f"prompt-{uuid.uuid4().hex[:8]}", f"rg-{uuid.uuid4().hex[:8]}"
    path = (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.MachineLearning/webServices/{name}?api-version=2017-01-01"
    )
    body = json.loads((REPO / "definitions" / "dev" / "housing-predict.json").read_text(encoding="utf-8"))
    body["properties"]["storageAccount"]["key"] = "prompt-test-storage-key"
    assert emulator.call("PUT", path, body).status in (200, 201)
    env = {**os.environ, "MLWS_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": emulator.subscription}
    update = [MLWS, "update", "-n", name, "-g", group, "--title", "asked first"]

    declined, screen = answer_on_a_terminal(update, env, "n")
    kept = emulator.call("GET", path).body["properties"]["title"]
    accepted, _ = answer_on_a_terminal(update, env, "y")

    assert declined == 4, screen
    assert 'properties.title: "asked first"\r\nSend this PATCH? [y/N]' in screen  # shown before asking
    assert "declined at the prompt: nothing was sent" in screen
    assert kept == body["properties"]["title"]
    assert accepted == 0
    assert emulator.call("GET", path).body["properties"]["title"] == "asked first"
