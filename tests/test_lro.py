"""Long-running operations followed through `Location` (202 + Location + Retry-After, as
Microsoft.MachineLearningServices answers PATCH and DELETE), and resumed from their URL.

The Azure-AsyncOperation path (how Microsoft.MachineLearning answers) is what the rest of the suite runs against
the emulator; here it is only checked that `result()` gets a PUT's or PATCH's final state by a GET of the resource.
"""

from __future__ import annotations

import copy
import re
import time

import pytest

from tests.emulator.test_web_services import definition
from tests.fixtures.location_server import GROUP, NAME, SERVICE, SERVICE_PATH, SUBSCRIPTION, LocationServer
from toolkit.arm.client import ArmClient
from toolkit.errors import ExitCode

API = "2017-01-01"
NEW_TITLE = {"properties": {"packageType": "Graph", "title": "after"}}  # a PATCH, as `mlws update --title after`
TARGET = ("-n", NAME, "-g", GROUP, "--subscription", SUBSCRIPTION)


@pytest.fixture
def arm(monkeypatch, tmp_path):
    """Point mlws at a LocationServer (started by the test) from a directory without an mlws.yaml."""
    for variable in ("MLWS_ENVIRONMENT", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)

    def point_at(server: LocationServer) -> None:
        monkeypatch.setenv("MLWS_ARM_ENDPOINT", server.url)
        monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)

    return point_at


def titled(title: str) -> dict:
    """The server's web service as it is once a PATCH of `title` took."""
    service = copy.deepcopy(SERVICE)
    service["properties"]["title"] = title
    return service


def test_update_waits_for_the_location_to_answer_the_result(mlws, arm):
    with LocationServer(pending=2, retry_after=["0"]) as server:
        arm(server)
        updated = mlws("update", *TARGET, "--title", "after", "-o", "json")

    assert updated.exit_code == 0, updated.stderr
    result = updated.json()["result"]
    assert server.polls == 3  # 202, 202, then 200
    assert result["status"] == titled("after")  # what the Location finally answered
    assert result["operationUrl"] == server.location and result["done"] is True
    assert result["verified"] is True and result["resource"]["properties"]["title"] == "after"


def test_every_answers_retry_after_sets_the_next_delay():
    with LocationServer(pending=2, retry_after=["0", "2", "3"]) as server:
        operation = ArmClient(server.url, SUBSCRIPTION).begin("PATCH", SERVICE_PATH, api_version=API, body=NEW_TITLE)
        delays: list[float] = []
        final = operation.result(sleep=delays.append)

    assert delays == [0, 2, 3]  # the PATCH's Retry-After, then each 202's
    assert final == titled("after")
    location = re.sub(r"\?.*", "", server.location.removeprefix(server.url))
    # The Location's last answer is the result: no GET of the resource after it.
    assert server.requests == [("PATCH", SERVICE_PATH), ("GET", location), ("GET", location), ("GET", location)]


def test_a_timed_out_update_resumes_from_its_location(mlws, arm):
    with LocationServer(pending=0, retry_after=["0", "1"]) as server:
        arm(server)
        server.held = True
        timed_out = mlws("update", *TARGET, "--title", "resumed", "--timeout", "0.3")
        before_resume = server.service["properties"]["title"]
        server.held = False
        resume = re.search(r"Resume with: mlws operation wait '([^']+)'", timed_out.stderr)
        resumed = mlws("operation", "wait", resume.group(1) if resume else "missing", "-o", "json")

    assert timed_out.exit_code == ExitCode.UNKNOWN, timed_out.stderr
    assert resume and resume.group(1) == server.location, timed_out.stderr
    assert before_resume == "before"  # still running when the wait gave up
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.json()["result"] == titled("resumed")
    assert server.service["properties"]["title"] == "resumed"


def test_remove_waits_for_the_location_to_answer_204(mlws, arm):
    with LocationServer(pending=2) as server:
        arm(server)
        removed = mlws("remove", *TARGET, "--yes", "-o", "json")

    assert removed.exit_code == 0, removed.stderr
    result = removed.json()["result"]
    assert server.polls == 3  # 202, 202, then 204
    assert server.service is None  # gone when mlws said done
    assert result["done"] is True and result["operationUrl"] == server.location and result["status"] is None


def test_a_remove_started_with_no_wait_resumes_from_its_location_until_204(mlws, arm):
    with LocationServer(pending=1) as server:
        arm(server)
        started = mlws("remove", *TARGET, "--yes", "--no-wait", "-o", "json")
        polls_before_resume = server.polls
        resumed = mlws("operation", "wait", started.json()["result"]["operationUrl"], "-o", "json")

    assert started.exit_code == 0, started.stderr
    assert started.json()["result"]["done"] is False and started.json()["result"]["operationUrl"] == server.location
    assert polls_before_resume == 0
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.json()["result"] == {"status": "Succeeded"}  # a 204 has no body: the outcome stands for it
    assert server.polls == 2 and server.service is None


def test_a_failure_answered_by_the_location_is_exit_1_with_the_request_id(mlws, arm):
    with LocationServer(pending=1, failure=(409, "Conflict")) as server:
        arm(server)
        removed = mlws("remove", *TARGET, "--yes", "-o", "json")

    assert removed.exit_code == 1, removed.stdout
    error = removed.json()["error"]
    assert error["type"] == "OperationFailed" and "Conflict" in error["message"]
    assert error["requestId"] == "request-1"  # the DELETE's, as the cmdlets name it
    assert server.service is not None


def test_operation_wait_follows_a_machine_learning_location_that_answers_a_status(mlws, start_emulator):
    """Microsoft.MachineLearning's `/operationresults/` Location answers 200 with the status body all along."""
    emulator = start_emulator(op_seconds=1.0)
    path = f"/subscriptions/{emulator.subscription}/resourceGroups/rg-lro/providers/Microsoft.MachineLearning"
    path += f"/webServices/lro-status?api-version={API}"
    created = emulator.call("PUT", path, definition())
    while emulator.call("GET", created.header("azure-asyncoperation")).body["status"] == "Provisioning":
        time.sleep(0.05)
    location = emulator.call("DELETE", path).header("location")

    waited = mlws("operation", "wait", location, "-o", "json", env=emulator.env())

    assert "/operationresults/" in location
    assert waited.exit_code == 0, waited.stderr
    assert waited.json()["result"]["status"] == "Succeeded" and waited.json()["result"]["endTime"]


def test_result_of_an_azure_async_operation_patch_is_the_resource_read_after_it(start_emulator):
    emulator = start_emulator(op_seconds=0.3)
    path = f"/subscriptions/{emulator.subscription}/resourceGroups/rg-lro/providers/Microsoft.MachineLearning"
    path += "/webServices/lro-patched"
    client = ArmClient(emulator.url, emulator.subscription)
    client.begin("PUT", path, api_version=API, body=definition()).wait()

    patched = client.begin("PATCH", path, api_version=API, body=NEW_TITLE)
    final = patched.result()

    assert patched.response.body["properties"] == {"provisioningState": "Provisioning"}  # the PATCH's own answer
    assert final["properties"]["title"] == "after" and final["properties"]["provisioningState"] == "Succeeded"
    assert final["properties"]["description"] == "first"  # the whole resource, not the PATCH's answer
