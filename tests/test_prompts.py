"""Confirmation as the cmdlets' -Confirm: on a terminal an update shows what it will send and asks.

A declined prompt sends nothing and is exit 4; without a terminal a routine update goes ahead (tested
throughout the suite), while a replacement needs --yes (tests/service/test_updates_never_lie.py).
"""

from __future__ import annotations

import json
import os
import uuid

from tests.conftest import REPO
from tests.terminal import MLWS, run_on_a_terminal


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

    declined, screen = run_on_a_terminal(update, env, "n")
    kept = emulator.call("GET", path).body["properties"]["title"]
    accepted, _ = run_on_a_terminal(update, env, "y")

    assert declined == 4, screen
    assert 'properties.title: "asked first"\r\nSend this PATCH? [y/N]' in screen  # shown before asking
    assert "declined at the prompt: nothing was sent" in screen
    assert kept == body["properties"]["title"]
    assert accepted == 0
    assert emulator.call("GET", path).body["properties"]["title"] == "asked first"
