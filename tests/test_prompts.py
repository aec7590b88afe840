"""Confirmation as the cmdlets' -Confirm: on a terminal an update shows what it will send and asks.

A declined prompt sends nothing and is exit 4; without a terminal a routine update goes ahead (tested
throughout the suite), while a replacement needs --yes (tests/service/test_updates_never_lie.py).
"""

from __future__ import annotations

import os

from tests.terminal import MLWS, run_on_a_terminal


def test_update_asks_on_a_terminal_and_a_no_sends_nothing(emulator, tmp_path):
    name, group, path = emulator.put_sample_service("prompt")
    env = {**os.environ, "MLWS_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": emulator.subscription}
    update = [MLWS, "update", "-n", name, "-g", group, "--title", "asked first"]
    before = emulator.call("GET", path).body["properties"]["title"]

    declined, screen = run_on_a_terminal(update, env, "n")
    kept = emulator.call("GET", path).body["properties"]["title"]
    accepted, _ = run_on_a_terminal(update, env, "y")

    assert declined == 4, screen
    assert 'properties.title: "asked first"\r\nSend this PATCH? [y/N]' in screen  # shown before asking
    assert "declined at the prompt: nothing was sent" in screen
    assert kept == before
    assert accepted == 0
    assert emulator.call("GET", path).body["properties"]["title"] == "asked first"
