"""Web services on the shared emulator: lifecycle, secrets, PATCH merge, validation, paging, concurrency."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest

API = "?api-version=2017-01-01"
GRAPH_ONLY = {"properties": {"packageType": "Graph"}}  # the smallest PATCH: the discriminator alone


def new_path(emulator, group: str = "rg-services") -> tuple[str, str]:
    name = f"ws-{uuid.uuid4().hex[:8]}"
    base = (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{group}/providers/Microsoft.MachineLearning/webServices"
    )
    return f"{base}/{name}", name


def definition(**properties) -> dict:
    return {
        "location": "South Central US",
        "tags": {"team": "ops"},
        "properties": {
            "packageType": "Graph",
            "title": "Scoring",
            "description": "first",
            "storageAccount": {"name": "mlstorage", "key": "storage-secret-key"},
            "realtimeConfiguration": {"maxConcurrentCalls": 10},
            "diagnostics": {"level": "None"},
            "assets": {
                "model": {"name": "m [trained model]", "type": "Resource", "locationInfo": {"uri": "https://a/1"}}
            },
            **properties,
        },
    }


def wait(emulator, reply):
    """Poll the operation the reply started until it ends; returns the final status body."""
    url = reply.header("azure-asyncoperation")
    for _ in range(200):
        status = emulator.call("GET", url).body
        if status["status"] != "Provisioning":
            return status
        time.sleep(0.01)
    raise AssertionError("operation never finished")


def test_create_poll_get_and_delete(emulator):
    path, name = new_path(emulator)
    created = emulator.call("PUT", path + API, definition())
    assert created.status == 201 and created.body["properties"]["provisioningState"] == "Provisioning"
    assert created.header("azure-asyncoperation").startswith(emulator.url + f"/subscriptions/{emulator.subscription}/")
    assert "/locations/southcentralus/operationsStatus/" in created.header("azure-asyncoperation")
    assert created.header("azure-asyncoperationpercentcomplete") == "0"
    done = wait(emulator, created)
    assert done["status"] == "Succeeded" and done["percentComplete"] == 1.0 and done["endTime"] >= done["startTime"]
    service = emulator.call("GET", path + API).body
    assert service["name"] == name and service["properties"]["provisioningState"] == "Succeeded"
    swagger = service["properties"]["swaggerLocation"]
    assert re.fullmatch(
        re.escape(emulator.url)
        + f"/subscriptions/{emulator.subscription.replace('-', '')}/services/[0-9a-f]{{32}}/swagger.json",
        swagger,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z", service["properties"]["createdOn"])
    deleted = emulator.call("DELETE", path + API)
    assert deleted.status == 202 and deleted.body is None
    assert deleted.header("content-type") is None and deleted.header("content-length") == "0"  # as recorded
    assert "/operationresults/" in deleted.header("location")
    assert wait(emulator, deleted)["status"] == "Succeeded"
    assert emulator.call("GET", deleted.header("location")).body["status"] == "Succeeded"
    gone = emulator.call("GET", path + API)
    assert gone.status == 404
    assert gone.body["error"]["details"][0]["code"] == "WebServiceNotFound"
    assert name in gone.body["error"]["details"][0]["message"]


def test_secrets_only_through_list_keys(emulator):
    path, _ = new_path(emulator)
    wait(emulator, emulator.call("PUT", path + API, definition(keys={"primary": "given-primary"})))
    shown = [emulator.call("GET", path + API).body, emulator.call("PATCH", path + API, GRAPH_ONLY).body]
    shown.append(emulator.call("PUT", path + API, definition()).body)
    shown += emulator.call("GET", path.rsplit("/", 1)[0] + API).body["value"]
    for body in shown:
        text = str(body)
        assert "given-primary" not in text and "storage-secret-key" not in text
        assert "keys" not in body["properties"] and "commitmentPlan" not in body["properties"]
    keys = emulator.call("GET", path + "/listKeys" + API).body
    assert keys["primary"] == "given-primary" and len(keys["secondary"]) >= 40  # generated


def test_patch_merges_on_the_server(emulator):
    path, _ = new_path(emulator)
    wait(emulator, emulator.call("PUT", path + API, definition()))
    before = emulator.call("GET", path + API).body["properties"]
    old_secondary = emulator.call("GET", path + "/listKeys" + API).body["secondary"]
    time.sleep(0.01)
    patch = {
        "properties": {
            "packageType": "Graph",
            "description": "second",
            "keys": {"primary": "rotated"},
            "realtimeConfiguration": {"maxConcurrentCalls": 30},
            "assets": {"extra": {"name": "x", "type": "Module", "locationInfo": {"uri": "aml://module/1"}}},
        }
    }
    patched = emulator.call("PATCH", patch_path := path + API, patch)
    assert patched.status == 200 and patched.body["properties"] == {"provisioningState": "Provisioning"}
    wait(emulator, patched)
    after = emulator.call("GET", patch_path).body["properties"]
    assert after["description"] == "second" and after["title"] == before["title"]
    assert set(after["assets"]) == {"model", "extra"}
    assert after["modifiedOn"] > before["modifiedOn"] and after["createdOn"] == before["createdOn"]
    assert emulator.call("GET", path + "/listKeys" + API).body == {"primary": "rotated", "secondary": old_secondary}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "InvalidRequestContent"),
        ({"properties": {"packageType": "Graph"}}, 400, "LocationRequired"),
        ({"location": "West Europe"}, 400, "BadRequest"),
        ({"location": "West Europe", "properties": {"packageType": "Code"}}, 400, "BadRequest"),
        (
            {
                "location": "West Europe",
                "properties": {"packageType": "Graph", "realtimeConfiguration": {"maxConcurrentCalls": 201}},
            },
            400,
            "BadRequest",
        ),
        (
            {"location": "West Europe", "properties": {"packageType": "Graph", "diagnostics": {"level": "Verbose"}}},
            400,
            "BadRequest",
        ),
    ],
)
def test_invalid_definitions_are_refused_and_nothing_is_created(emulator, body, status, code):
    path, _ = new_path(emulator)
    reply = emulator.call("PUT", path + API, body)
    assert reply.status == status and reply.body["error"]["code"] == code
    assert reply.body["error"]["message"]
    assert emulator.call("GET", path + API).status == 404


def test_wrong_api_version_is_refused(emulator):
    path, _ = new_path(emulator)
    reply = emulator.call("GET", path + "?api-version=2016-05-01-preview")
    assert reply.status == 400 and reply.body["error"]["code"] == "InvalidApiVersionParameter"
    assert emulator.call("GET", path).body["error"]["code"] == "MissingApiVersionParameter"


def test_read_only_service_refuses_updates(emulator):
    path, _ = new_path(emulator)
    wait(emulator, emulator.call("PUT", path + API, definition(readOnly=True)))
    for method, body in (
        ("PATCH", {"properties": {"packageType": "Graph", "description": "x"}}),
        ("PUT", definition()),
    ):
        reply = emulator.call(method, path + API, body)
        assert reply.status == 409 and reply.body["error"]["details"][0]["code"] == "WebServiceIsReadOnly"
    assert emulator.call("GET", path + API).body["properties"]["description"] == "first"
    assert emulator.call("DELETE", path + API).status == 202


def test_delete_of_a_missing_service_succeeds(emulator):
    path, _ = new_path(emulator)
    reply = emulator.call("DELETE", path + API)
    assert reply.status == 202 and wait(emulator, reply)["status"] == "Succeeded"


def test_regional_copy_appears_after_create_regional_blob(emulator):
    path, name = new_path(emulator)
    wait(emulator, emulator.call("PUT", path + API, definition()))
    missing = emulator.call("GET", path + API + "&region=West%20Central%20US")
    assert missing.status == 404 and missing.body["error"]["details"][0]["code"] == "PerRegionPayloadNotFound"
    assert "westcentralus" in missing.body["error"]["details"][0]["message"]
    posted = emulator.call("POST", path + "/CreateRegionalBlob" + API + "&region=westcentralus")
    assert posted.status == 202 and posted.body["id"] == name  # the recorded quirk
    assert wait(emulator, posted)["status"] == "Succeeded"
    assert emulator.call("GET", path + API + "&region=westcentralus").status == 200
    assert emulator.call("GET", path + API + "&region=southcentralus").status == 200  # its home region


def test_paging_returns_every_service_once(start_emulator):
    emulator = start_emulator(page_size=3, op_seconds=0)
    names = set()
    for group in ("rg-a", "rg-b"):
        for _ in range(4):
            path, name = new_path(emulator, group)
            assert emulator.call("PUT", path + API, definition()).status == 201
            names.add(name)
    url = f"/subscriptions/{emulator.subscription}/providers/Microsoft.MachineLearning/webServices" + API
    seen, pages = [], 0
    while url:
        page = emulator.call("GET", url).body
        pages += 1
        seen += [item["name"] for item in page["value"]]
        assert all("assets" not in item["properties"] for item in page["value"])  # sparse
        url = page.get("nextLink")
        assert url is None or (url.startswith(emulator.url) and "$skiptoken=" in url)
    assert sorted(seen) == sorted(names) and pages == 3
    by_group = emulator.call("GET", new_path(emulator, "rg-b")[0].rsplit("/", 1)[0] + API).body
    assert len(by_group["value"]) == 3 and "nextLink" in by_group


def test_concurrent_puts_leave_one_consistent_service(emulator):
    path, _ = new_path(emulator)
    statuses, errors = [], []

    def put(index: int) -> None:
        try:
            statuses.append(emulator.call("PUT", path + API, definition(description=f"writer {index}")).status)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(statuses) == [200] * 7 + [201]
    stored = emulator.call("GET", path + API).body
    assert re.fullmatch(r"writer \d", stored["properties"]["description"])
    assert stored["properties"]["title"] == "Scoring"
    assert emulator.call("GET", path + "/listKeys" + API).body["primary"]  # one key set, readable


def test_requests_need_a_bearer_token(emulator):
    path, _ = new_path(emulator)
    for token in (None, ""):
        reply = emulator.call("GET", path + API, token=token)
        assert reply.status == 401 and reply.body["error"]["code"] == "AuthenticationFailed"


def test_arm_headers_on_every_answer(emulator):
    path, _ = new_path(emulator)
    reply = emulator.call("GET", path + API, headers={"x-ms-client-request-id": "my-request-7"})
    assert reply.header("x-ms-correlation-request-id") == "my-request-7"
    assert reply.header("x-ms-request-id") and reply.header("content-type") == "application/json; charset=utf-8"
    assert int(reply.header("x-ms-ratelimit-remaining-subscription-reads")) > 0
    assert reply.header("cache-control") == "no-cache"
    operations = emulator.call("GET", "/providers/Microsoft.MachineLearning/operations" + API)
    assert operations.status == 200 and all(set(op) == {"name", "display"} for op in operations.body["value"])
