"""Progress on a terminal: a status line while an operation runs, gone before the result is printed."""

from __future__ import annotations

import os
import re
import subprocess

from tests.conftest import REPO
from tests.http_log import status_polls
from tests.terminal import MLWS, run_on_a_terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_a_slow_operation_shows_progress_on_a_terminal_and_clears_it(start_emulator, tmp_path):
    emulator = start_emulator(op_seconds=2.5)
    env = {
        **os.environ,
        "MLWS_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": emulator.subscription,
        "MLWS_STORAGE_KEY": "progress-test-storage-key",
        "COLUMNS": "120",
    }
    definition = REPO / "definitions" / "dev" / "housing-predict.json"  # its storage is not running here

    code, screen = run_on_a_terminal(
        [
            MLWS,
            "new",
            "-f",
            str(definition),
            "-n",
            "progress-demo",
            "-g",
            "rg-progress",
            "-l",
            "South Central US",
            "--skip-model-check",
        ],
        env,
    )

    assert code == 0, screen
    assert "Provisioning" in screen  # the status line named the operation's state while it ran
    shown = [line for line in ANSI.sub("", screen.replace("\r", "\n")).splitlines() if line.strip()]
    verified, write_only = shown[-2:]
    assert "progress-demo" in verified and "Provisioning" not in verified  # the result stands on its own
    assert write_only.startswith("not verifiable: properties.storageAccount.key")


def test_no_progress_without_a_terminal(start_emulator):
    emulator = start_emulator(op_seconds=2.5)
    env = {
        **os.environ,
        "MLWS_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": emulator.subscription,
        "MLWS_STORAGE_KEY": "progress-test-storage-key",
    }
    definition = REPO / "definitions" / "dev" / "housing-predict.json"  # its storage is not running here
    done = subprocess.run(
        [
            MLWS,
            "new",
            "-f",
            str(definition),
            "-n",
            "quiet-demo",
            "-g",
            "rg-progress",
            "-l",
            "South Central US",
            "--skip-model-check",
            "--debug",
        ],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # It polled again, so an answer said Provisioning: what a terminal would have shown, here shown nowhere.
    assert status_polls(done.stderr) >= 2
    assert "Provisioning" not in done.stderr + done.stdout
