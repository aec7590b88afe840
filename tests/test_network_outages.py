"""A completed operation is never reported as failed: polling rides through an emulator that goes away.

The emulator is taken down right after it accepted a change (a new long-running operation): it
drops every connection, then stops listening (connection refused), and comes back on the same
state and port after a few seconds. Meanwhile the operation completes. `update`, `new` and
`remove` must end 0 with the result; an outage past --timeout (or the outage budget) ends with
exit 5, "outcome unknown", and a resume command that then succeeds.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urlsplit

import pytest

from tests.fixtures.fault_proxy import ANSWER_503, FaultProxy
from tests.service.conftest import make_workspace
from toolkit.arm import client
from toolkit.errors import ExitCode

NEW_MODEL = "housing-outage"  # models/<NEW_MODEL>.ilearner, in the workspace's storage
RODE_THROUGH = "no answer to GET"  # the --debug line of a read that met the outage and was tried again
ANSWER_OUT = 0.3  # seconds after which the answer that started the operation has surely reached mlws


class OutageAfterNextChange:
    """Takes the emulator down as soon as it starts its next long-running operation, for `seconds` from then
    (None: until `restart()`), then starts it again on the same database and port."""

    def __init__(self, start_emulator, running, seconds: float | None) -> None:
        self.start_emulator, self.running, self.seconds = start_emulator, running, seconds
        self.port = urlsplit(running.url).port
        self.db = running.emulator.config.db
        self.operations = self._operations()
        self.went_down = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _operations(self) -> int:
        with self.running.emulator.store.transaction() as db:
            return db.execute("SELECT COUNT(*) FROM operations").fetchone()[0]

    def _run(self) -> None:
        deadline = time.monotonic() + 30
        while self._operations() == self.operations and time.monotonic() < deadline:
            time.sleep(0.01)
        # Drop from now on (the answer that started the operation is already past the fault check), then stop
        # listening once that answer is surely out.
        self.running.call("PUT", "/_emulator/faults", {"dropRate": 1.0})
        time.sleep(ANSWER_OUT)
        self.running.stop()
        self.went_down.set()
        if self.seconds is not None:
            time.sleep(self.seconds - ANSWER_OUT)
            self.restart()

    def restart(self):
        return self.start_emulator(db=self.db, port=self.port)

    def __enter__(self) -> OutageAfterNextChange:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._thread.join(timeout=60)
        assert self.went_down.is_set(), "the emulator never started an operation"


@pytest.fixture
def workspace(tmp_path, start_emulator, azurite, monkeypatch):
    return make_workspace(tmp_path, start_emulator(), azurite, monkeypatch)


def test_update_rides_through_an_outage_while_polling(mlws, start_emulator, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)

    # Longer than the 4 s the old retries covered after the first poll (at 1 s).
    with OutageAfterNextChange(start_emulator, workspace.emulator, seconds=4.25):
        updated = mlws("update", "-f", workspace.definition, "--debug")

    assert updated.exit_code == 0, updated.stderr
    assert RODE_THROUGH in updated.stderr
    assert "verified" in updated.stdout
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_new_rides_through_an_outage_while_polling(mlws, start_emulator, workspace):
    with OutageAfterNextChange(start_emulator, workspace.emulator, seconds=4.25):
        created = mlws("new", "-f", workspace.definition, "--debug", "-o", "json")

    assert created.exit_code == 0, created.stderr
    assert RODE_THROUGH in created.stderr
    result = created.json()["result"]
    assert result["verified"] is True and result["resource"]["name"] == workspace.name
    assert workspace.live()["properties"]["provisioningState"] == "Succeeded"


def test_remove_rides_through_an_outage_while_polling(mlws, start_emulator, workspace):
    workspace.deploy()

    with OutageAfterNextChange(start_emulator, workspace.emulator, seconds=2.0):
        removed = mlws("remove", "-n", workspace.name, "--yes", "--debug", "-o", "json")

    assert removed.exit_code == 0, removed.stderr
    assert RODE_THROUGH in removed.stderr
    assert removed.json()["result"]["status"]["status"] == "Succeeded"
    assert workspace.emulator.call("GET", workspace.service_path).status == 404


def test_an_outage_past_the_timeout_is_unknown_outcome_and_resumable(mlws, start_emulator, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)

    with OutageAfterNextChange(start_emulator, workspace.emulator, seconds=None) as outage:
        given_up = mlws("update", "-f", workspace.definition, "--timeout", "3")
    outage.restart()
    resume = re.search(r"Resume with: mlws operation wait '([^']+)'", given_up.stderr)
    resumed = mlws("operation", "wait", resume.group(1) if resume else "missing", "-o", "json")

    assert given_up.exit_code == ExitCode.UNKNOWN, given_up.stderr
    assert "gave no answer" in given_up.stderr and resume, given_up.stderr
    assert resumed.exit_code == 0, resumed.stdout
    assert resumed.json()["result"]["status"] == "Succeeded"
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_without_a_timeout_the_outage_budget_ends_the_wait(mlws, start_emulator, workspace, monkeypatch):
    monkeypatch.setattr(client, "OUTAGE_BUDGET", 2.0)  # minutes in real use; seconds here

    with OutageAfterNextChange(start_emulator, workspace.emulator, seconds=None) as outage:
        given_up = mlws("new", "-f", workspace.definition, "-o", "json")
    outage.restart()
    error = given_up.json()["error"]
    resumed = mlws("operation", "wait", error["operationUrl"])

    assert given_up.exit_code == ExitCode.UNKNOWN
    assert error["type"] == "OperationOutcomeUnknown"
    assert f"Resume with: mlws operation wait '{error['operationUrl']}'" in error["message"]
    assert resumed.exit_code == 0, resumed.stderr
    assert workspace.live()["properties"]["provisioningState"] == "Succeeded"


def test_the_read_back_after_a_completed_update_rides_through_server_errors(mlws, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    service = rf"/webServices/{workspace.name}$"

    with FaultProxy(workspace.emulator.url) as proxy:
        # More 503s than one request's retries: the read-back after the update must keep trying.
        proxy.fault("GET", service, ANSWER_503, times=client.RETRY_TOTAL + 2, after=("PATCH", service))
        updated = mlws("update", "-f", workspace.definition, env={"MLWS_ARM_ENDPOINT": proxy.url})
        read_back = proxy.requests[proxy.requests.index(("PATCH", urlsplit(workspace.service_path).path)) :]

    assert updated.exit_code == 0, updated.stderr
    assert "verified" in updated.stdout
    assert [request for request in read_back if request[0] == "GET" and "/webServices/" in request[1]] == [
        ("GET", urlsplit(workspace.service_path).path)
    ] * (client.RETRY_TOTAL + 3)
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_polling_rides_through_server_errors(mlws, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    status = r"/operationsStatus/"

    with FaultProxy(workspace.emulator.url) as proxy:
        proxy.fault("GET", status, ANSWER_503, times=client.RETRY_TOTAL + 2)
        updated = mlws("update", "-f", workspace.definition, env={"MLWS_ARM_ENDPOINT": proxy.url})
        polls = proxy.count("GET", status)

    assert updated.exit_code == 0, updated.stderr
    assert "verified" in updated.stdout
    assert polls >= client.RETRY_TOTAL + 3  # every 503 was polled through, then the answer came
    assert workspace.live_model() == workspace.model(NEW_MODEL)
