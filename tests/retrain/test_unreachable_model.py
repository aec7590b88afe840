"""Scoring a service whose model lives on storage that does not answer fails in seconds, naming the model.

The emulator's RRS reads the model through the shared blob client; its retries were azure-storage's
default back-off (15 s + 3^n s between tries), so `mlws score` hung 41-44 s with no output.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import pytest

from tests.retrain.conftest import TRAINING_ASSET
from tests.terminal import MLWS, run_on_a_terminal
from tests.test_progress import ANSI

API = "?api-version=2017-01-01"


class AcceptAndClose:
    """A TCP listener on loopback that accepts every connection and closes it at once, counting them."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.attempts = 0  # connections accepted
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.attempts += 1
            connection.close()

    def close(self) -> None:
        self._socket.close()


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_model_at(world, emulator, uri: str) -> None:
    path = (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
        f"/providers/Microsoft.MachineLearning/webServices/{world.predict}{API}"
    )
    assets = emulator.call("GET", path).body["properties"]["assets"]
    asset_id = next(key for key, asset in assets.items() if asset["name"] == TRAINING_ASSET)
    body = {
        "properties": {"packageType": "Graph", "assets": {asset_id: {**assets[asset_id], "locationInfo": {"uri": uri}}}}
    }
    assert emulator.call("PATCH", path, body).status == 200


def score(world):
    rows = world.workdir / "rows.json"
    rows.write_text(json.dumps([{"rooms": 3, "area_sqm": 70, "age_years": 10}]))
    return world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows))


@pytest.fixture
def storage_waits(monkeypatch) -> list[float]:
    """The seconds the blob client waited between tries, in order, each still waited: azure-storage's retry policy
    asks its transport to sleep (the emulator reads models in this process)."""
    from azure.core.pipeline.transport import HttpTransport

    waits: list[float] = []

    def sleep(_transport, seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(HttpTransport, "sleep", sleep)  # every sync transport's, the blob client's among them
    return waits


@pytest.fixture
def listener():
    listening = AcceptAndClose()
    yield listening
    listening.close()


def test_a_model_on_storage_that_drops_connections_fails_quickly(world, emulator, listener, storage_waits):
    uri = f"http://127.0.0.1:{listener.port}/devstoreaccount1/models/unreachable.ilearner"
    point_model_at(world, emulator, uri)

    scored = score(world)

    assert scored.exit_code == 1
    message = scored.stderr.strip()
    assert len(message.splitlines()) == 1 and uri in message and "not reachable" in message, message
    # Retried twice, 0.5 s apart (README; +-0.2 s of jitter): the storage SDK's own back-off waits 15 s + 3^n s.
    assert listener.attempts == 3
    assert len(storage_waits) == 2 and all(0.3 <= wait <= 0.7 for wait in storage_waits), storage_waits


def test_a_model_on_storage_that_is_not_listening_fails_with_its_uri(world, emulator):
    uri = f"http://127.0.0.1:{closed_port()}/devstoreaccount1/models/nowhere.ilearner"
    point_model_at(world, emulator, uri)

    scored = score(world)

    assert scored.exit_code == 1
    message = scored.stderr.strip()
    assert len(message.splitlines()) == 1 and uri in message and "not reachable" in message, message


def test_scoring_shows_progress_on_a_terminal_while_it_waits(world, emulator, listener):
    uri = f"http://127.0.0.1:{listener.port}/devstoreaccount1/models/slow.ilearner"
    point_model_at(world, emulator, uri)
    rows = world.workdir / "rows.json"
    rows.write_text(json.dumps([{"rooms": 3, "area_sqm": 70, "age_years": 10}]))

    code, screen = run_on_a_terminal(
        [MLWS, "score", "-n", world.predict, "-g", world.group, "--input", str(rows)],
        {**os.environ, **world.env, "COLUMNS": "200"},
    )

    assert code == 1, screen
    assert f"scoring the rows of {rows}" in screen  # the status line while the service worked
    last_line = ANSI.sub("", screen.replace("\r", "\n")).strip().splitlines()[-1]
    assert last_line.startswith("mlws: error: ") and uri in last_line  # the error stands on its own
