"""Restarts, throttling, injected faults, the admin endpoints and `mlws emulator serve`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.fixtures.emulator import TOKEN

API = "?api-version=2017-01-01"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def service_path(emulator, name: str = "kept") -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg"
        f"/providers/Microsoft.MachineLearning/webServices/{name}"
    )


DEFINITION = {"location": "West Europe", "properties": {"packageType": "Graph", "title": "kept"}}


def test_state_survives_a_restart(start_emulator, tmp_path):
    db = tmp_path / "restart.db"
    first = start_emulator(db=db)
    assert first.call("PUT", service_path(first) + API, DEFINITION).status == 201
    keys = first.call("GET", service_path(first) + "/listKeys" + API).body
    before = first.call("GET", service_path(first) + API).body
    first.stop()
    second = start_emulator(db=db)
    after = second.call("GET", service_path(second) + API).body
    assert (
        after["properties"]["title"] == "kept" and after["properties"]["createdOn"] == before["properties"]["createdOn"]
    )
    assert second.call("GET", service_path(second) + "/listKeys" + API).body == keys


def test_only_the_configured_token_is_accepted(start_emulator):
    emulator = start_emulator(token="the-one")
    assert emulator.call("GET", service_path(emulator) + API).status == 401  # the fixture's default token
    assert emulator.call("GET", service_path(emulator) + API, token="the-one").status == 404


def test_throttling_answers_429_with_retry_after(start_emulator):
    emulator = start_emulator(read_budget=3, throttle_window=30)
    remaining = [emulator.call("GET", service_path(emulator) + API) for _ in range(3)]
    assert [r.header("x-ms-ratelimit-remaining-subscription-reads") for r in remaining] == ["2", "1", "0"]
    throttled = emulator.call("GET", service_path(emulator) + API)
    assert throttled.status == 429 and throttled.body["error"]["code"] == "SubscriptionRequestsThrottled"
    assert 1 <= int(throttled.header("retry-after")) <= 30
    assert emulator.call("PUT", service_path(emulator) + API, DEFINITION).status == 201  # writes have their own budget
    assert emulator.call("PUT", "/_emulator/throttle", {"reads": None}).body["reads"] is None
    assert emulator.call("GET", service_path(emulator) + API).status == 200


def test_injected_errors_appear_at_about_the_set_rate(start_emulator):
    emulator = start_emulator(error_rate=0.3, seed=7)
    statuses = [emulator.call("GET", service_path(emulator) + API).status for _ in range(200)]
    injected = [status for status in statuses if status in (500, 503)]
    assert 0.2 <= len(injected) / len(statuses) <= 0.4
    assert set(injected) == {500, 503} and set(statuses) - {500, 503} == {404}
    replay = start_emulator(db=":memory:", error_rate=0.3, seed=7)
    assert [replay.call("GET", service_path(replay) + API).status for _ in range(200)] == statuses  # seeded


def test_dropped_connections_and_failed_operations(start_emulator):
    emulator = start_emulator()
    assert emulator.call("PUT", "/_emulator/faults", {"dropRate": 1.0}).body["dropRate"] == 1.0
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        emulator.call("GET", service_path(emulator) + API)
    emulator.call("PUT", "/_emulator/faults", {"dropRate": 0.0, "failRate": 1.0, "opSeconds": 0})
    created = emulator.call("PUT", service_path(emulator) + API, DEFINITION)
    status = emulator.call("GET", created.header("azure-asyncoperation")).body
    assert status["status"] == "Failed" and status["error"]["code"] and status["error"]["message"]
    assert emulator.call("GET", service_path(emulator) + API).body["properties"]["provisioningState"] == "Failed"
    patched = emulator.call(
        "PATCH", service_path(emulator) + API, {"properties": {"packageType": "Graph", "title": "changed"}}
    )
    assert emulator.call("GET", patched.header("azure-asyncoperation")).body["status"] == "Failed"
    assert emulator.call("GET", service_path(emulator) + API).body["properties"]["title"] == "kept"  # not applied
    bad = emulator.call("PUT", "/_emulator/faults", {"errorRate": 2})
    assert bad.status == 400 and emulator.call("GET", "/_emulator/faults").body["errorRate"] == 0.0
    assert bad.body["error"]["message"] == "errorRate must be a fraction from 0 to 1, got 2.0"
    window = emulator.call("PUT", "/_emulator/throttle", {"windowSeconds": 0})
    assert window.status == 400 and "windowSeconds" in window.body["error"]["message"]
    assert emulator.call("GET", "/_emulator/throttle").body["windowSeconds"] == 3600.0


def test_slow_operations_stay_provisioning(start_emulator):
    emulator = start_emulator(op_seconds=30)
    created = emulator.call("PUT", service_path(emulator) + API, DEFINITION)
    status = emulator.call("GET", created.header("azure-asyncoperation")).body
    assert status["status"] == "Provisioning" and "endTime" not in status
    assert emulator.call("GET", service_path(emulator) + API).body["properties"]["provisioningState"] == "Provisioning"


def test_non_loopback_hosts_are_refused(mlws):
    run = mlws("emulator", "serve", "--host", "0.0.0.0", "--port", "0")
    assert run.exit_code == 2 and "loopback" in run.stderr


def test_serve_prints_its_url_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "toolkit",
            "emulator",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "s.db"),
            "-o",
            "json",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while not lines or lines[-1] != "}\n":  # the envelope ends with a closing brace at column 0
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
        result = json.loads("".join(lines))["result"]
        url = result["url"]
        assert result["env"]["MLWS_ARM_ENDPOINT"] == url
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
        connection.request(
            "GET", "/providers/Microsoft.MachineLearning/operations" + API, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_state_file_that_is_not_sqlite_is_bad_input(mlws, tmp_path):
    state = tmp_path / "notes.db"
    state.write_text("meeting notes, not a database\n" * 100)
    before = state.read_bytes()

    run = mlws("emulator", "serve", "--db", state, "--port", "0")

    assert run.exit_code == 2
    assert "notes.db" in run.stderr and "not an emulator state file" in run.stderr
    assert state.read_bytes() == before
