"""Faults injected by the emulator: retries where they help, a clear exit 1 where they do not, files untouched."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.http_log import answers, retries, status_polls, throttled
from tests.service.conftest import STORAGE_KEY
from toolkit.arm.client import ArmClient, Operation
from toolkit.errors import ExitCode, OutcomeUnknown

NEW_MODEL = "housing-v9"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def test_throttling_is_retried_after_retry_after(mlws, faulty_workspace):
    workspace = faulty_workspace()
    workspace.deploy()
    # Two reads a second: the third read within the second meets a 429 whose Retry-After is 1 (whole seconds).
    workspace.emulator.call("PUT", "/_emulator/throttle", {"reads": 2, "windowSeconds": 1.0})

    results = [mlws("get", "-n", workspace.name, "--debug") for _ in range(4)]

    assert [r.exit_code for r in results] == [0, 0, 0, 0], results[-1].stderr
    assert [answers(r.stderr) for r in results] == [[200], [200], [429, 200], [200]]
    # A 429 is re-sent after the Retry-After it names (1 s, whole seconds), outside the retries of failures.
    assert [throttled(r.stderr) for r in results] == [[], [], [(1.0, 1.0, "GET")], []]
    assert [retries(r.stderr) for r in results] == [[], [], [], []]


def test_a_429_storm_ends_in_a_clear_error_once_the_throttle_budget_is_spent(mlws, faulty_workspace, monkeypatch):
    from toolkit.arm import client

    monkeypatch.setattr(client, "THROTTLE_BUDGET", 3.5)  # seconds; 180 by default
    workspace = faulty_workspace(read_budget=0, throttle_window=1.0)

    result = mlws("get", "-n", workspace.name, "--debug")

    assert result.exit_code == 1
    assert "SubscriptionRequestsThrottled" in result.stderr and "HTTP 429" in result.stderr
    assert "(after 3 retries)" in result.stderr
    # Throttling is waited out within the budget: 3 re-sends after the 1 s asked, then a fourth wait would pass it.
    assert answers(result.stderr) == [429] * 4
    assert throttled(result.stderr) == [(1.0, 1.0, "GET")] * 3


def test_server_errors_and_dropped_connections_are_retried(mlws, faulty_workspace):
    workspace = faulty_workspace(error_rate=0.15, drop_rate=0.1, seed=4)
    workspace.swap_model(mlws, NEW_MODEL)
    file_before = workspace.definition.read_bytes()

    created = mlws("new", "-f", workspace.definition, "--debug")
    listed = mlws("list", "-o", "json")

    assert created.exit_code == 0, created.stderr
    assert re.search(r"<- 50[03] ", created.stderr), "the seed should inject at least one server error"
    assert listed.exit_code == 0 and [s["name"] for s in listed.json()["result"]] == [workspace.name]
    assert workspace.definition.read_bytes() == file_before


def test_a_service_that_always_fails_gives_exit_1_and_leaves_the_file(mlws, faulty_workspace):
    workspace = faulty_workspace(error_rate=1.0)
    before = workspace.definition.read_bytes()

    result = mlws("export", "-n", workspace.name, "-f", workspace.definition, "--yes")

    assert result.exit_code == 1
    assert re.search(r"HTTP 50[03]", result.stderr), result.stderr
    assert workspace.definition.read_bytes() == before


def test_dropped_connections_everywhere_give_a_clear_error(mlws, faulty_workspace):
    workspace = faulty_workspace(drop_rate=1.0)

    result = mlws("get", "-n", workspace.name)

    assert result.exit_code == 1
    assert "get: no answer from 127.0.0.1" in result.stderr and "(after 4 retries)" in result.stderr


def test_a_failed_operation_is_exit_1_with_the_request_id(mlws, faulty_workspace, tmp_path):
    workspace = faulty_workspace()
    workspace.deploy()
    model_before = workspace.live_model()
    workspace.swap_model(mlws, NEW_MODEL)
    file_before = workspace.definition.read_bytes()
    workspace.emulator.call("PUT", "/_emulator/faults", {"failRate": 1.0})

    result = mlws("update", "-f", workspace.definition, "-o", "json")

    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["type"] == "OperationFailed" and error["requestId"]
    assert "update failed" in error["message"]
    assert workspace.definition.read_bytes() == file_before
    assert workspace.live_model() == model_before


def test_timeout_names_the_url_to_resume_with(mlws, faulty_workspace):
    workspace = faulty_workspace(op_seconds=2.0)
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 0.05})
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 2.0})

    timed_out = mlws("update", "-f", workspace.definition, "--timeout", "0.5", "--debug")
    url = re.search(r"mlws operation wait '([^']+)'", timed_out.stderr)
    resumed = mlws("operation", "wait", url.group(1) if url else "missing", "-o", "json")

    assert timed_out.exit_code == ExitCode.UNKNOWN and url, timed_out.stderr
    assert "still running after 0.5s" in timed_out.stderr
    # It gave up at the timeout: one status poll (at 0.5 s), not polls until the 2 s operation ended.
    assert status_polls(timed_out.stderr) == 1 and retries(timed_out.stderr) == []
    assert resumed.exit_code == 0, resumed.stdout
    assert resumed.json()["result"]["status"] == "Succeeded"
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_no_wait_returns_at_once_and_operation_wait_finishes(mlws, faulty_workspace):
    workspace = faulty_workspace(op_seconds=1.0)
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 0.05})
    workspace.deploy()
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 1.0})

    begun = mlws("remove", "-n", workspace.name, "--yes", "--no-wait", "-o", "json", "--debug")
    url = begun.json()["result"]["operationUrl"]
    done = mlws("operation", "wait", url, "--debug")

    assert begun.exit_code == 0 and begun.json()["result"]["done"] is False
    # At once: the DELETE's answer ends the command (no status poll, no retry: nothing it could wait for).
    assert status_polls(begun.stderr) == 0 and retries(begun.stderr) == []
    assert done.exit_code == 0, done.stderr
    assert status_polls(done.stderr) >= 1
    assert mlws("get", "-n", workspace.name).exit_code == 1


def test_a_wait_sleeps_no_longer_than_its_timeout(faulty_workspace):
    """The waits the client chose while polling a 2 s operation with a 0.5 s timeout, recorded as it sleeps them."""
    workspace = faulty_workspace(op_seconds=2.0)
    body = json.loads(workspace.definition.read_text(encoding="utf-8").replace("${MLWS_STORAGE_KEY}", STORAGE_KEY))
    started = workspace.emulator.call("PUT", workspace.service_path, body)
    assert started.status == 201
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = ArmClient(workspace.emulator.url, workspace.emulator.subscription)
    operation = Operation(client, "update", started.header("Azure-AsyncOperation"), by_location=False, first_delay=1.0)
    with pytest.raises(OutcomeUnknown, match="still running after 0.5s"):
        operation.wait(timeout=0.5, sleep=sleep)

    # One wait, cut to what was left of the 0.5 s (the first poll would otherwise come after 1 s), then no more.
    assert len(slept) == 1 and 0 < slept[0] <= 0.5, slept


def test_operation_wait_refuses_a_foreign_url(mlws, workspace):
    result = mlws("operation", "wait", "https://example.com/subscriptions/x/operationsStatus/1")

    assert result.exit_code == 2
    assert "MLWS_ARM_ENDPOINT" in result.stderr


def test_a_429_asking_for_minutes_is_reported_at_once_not_waited_out(mlws, faulty_workspace):
    workspace = faulty_workspace(read_budget=0, throttle_window=600.0)

    result = mlws("get", "-n", workspace.name)  # would sleep 5 x 600 s if every Retry-After were honoured

    assert result.exit_code == 1
    assert "SubscriptionRequestsThrottled" in result.stderr
    assert "asks to wait" in result.stderr
