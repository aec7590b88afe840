"""Faults injected by the emulator: retries where they help, a clear exit 1 where they do not, files untouched."""

from __future__ import annotations

import re
import time

from toolkit.errors import ExitCode

NEW_MODEL = "housing-v9"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def test_throttling_is_retried_after_retry_after(mlws, faulty_workspace):
    workspace = faulty_workspace()
    workspace.deploy()
    workspace.emulator.call("PUT", "/_emulator/throttle", {"reads": 2, "windowSeconds": 1.0})

    results = [mlws("get", "-n", workspace.name) for _ in range(4)]  # the 3rd read meets a 429

    assert [r.exit_code for r in results] == [0, 0, 0, 0], results[-1].stderr


def test_a_429_storm_ends_in_a_clear_error(mlws, faulty_workspace):
    workspace = faulty_workspace(read_budget=0, throttle_window=1.0)

    started = time.monotonic()
    result = mlws("get", "-n", workspace.name)

    assert result.exit_code == 1
    assert "SubscriptionRequestsThrottled" in result.stderr and "HTTP 429" in result.stderr
    assert time.monotonic() - started < 15  # retries are bounded


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

    started = time.monotonic()
    timed_out = mlws("update", "-f", workspace.definition, "--timeout", "0.5")
    waited = time.monotonic() - started
    url = re.search(r"mlws operation wait '([^']+)'", timed_out.stderr)
    resumed = mlws("operation", "wait", url.group(1) if url else "missing", "-o", "json")

    assert timed_out.exit_code == ExitCode.UNKNOWN and url, timed_out.stderr
    assert waited < 1.5
    assert resumed.exit_code == 0, resumed.stdout
    assert resumed.json()["result"]["status"] == "Succeeded"
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_no_wait_returns_at_once_and_operation_wait_finishes(mlws, faulty_workspace):
    workspace = faulty_workspace(op_seconds=1.0)
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 0.05})
    workspace.deploy()
    workspace.emulator.call("PUT", "/_emulator/faults", {"opSeconds": 1.0})

    started = time.monotonic()
    begun = mlws("remove", "-n", workspace.name, "--yes", "--no-wait", "-o", "json")
    returned_after = time.monotonic() - started
    url = begun.json()["result"]["operationUrl"]
    done = mlws("operation", "wait", url)

    assert begun.exit_code == 0 and begun.json()["result"]["done"] is False
    assert returned_after < 0.9
    assert done.exit_code == 0, done.stderr
    assert mlws("get", "-n", workspace.name).exit_code == 1


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
