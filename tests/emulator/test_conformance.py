"""The spec's examples (tests/data/reference/rest-api/classic/examples/) against the emulator.

Each documented request is accepted and answered with a documented status and a body of the same
shape. Where the examples are known to differ from the real service (notes classic-api.md §4 and
§11), the real service wins: PUT/PATCH answer the recorded minimal body, GET and list never show
`commitmentPlan`, and ids/name/type are real rather than the examples' placeholders. The examples' location,
"West US", is not a region the provider was offered in (notes §1; test_locations.py shows it refused), so the
examples are sent with one it was.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

RECORDED_MINIMAL_PUT = {"payloadsInBlobStorage", "provisioningState"}
RECORDED_MINIMAL_PATCH = {"provisioningState"}
NEVER_SHOWN = {"commitmentPlan"}
OFFERED_LOCATION = "West Central US"


def load(reference, name: str) -> dict:
    return json.loads((reference / "rest-api" / "classic" / "examples" / name).read_text())


def service_path(parameters: dict, name: str | None = None) -> str:
    path = f"/subscriptions/{parameters['subscriptionId']}/resourceGroups/{parameters['resourceGroupName']}"
    path += "/providers/Microsoft.MachineLearning/webServices"
    service = name or parameters.get("webServiceName")
    return f"{path}/{service}" if service else path


def query(parameters: dict, **extra: str) -> str:
    values = {"api-version": parameters["api-version"], **extra}
    return "?" + "&".join(f"{key}={quote(value)}" for key, value in values.items())


def property_keys(body: dict) -> set[str]:
    return set(body["properties"]) - NEVER_SHOWN


@pytest.fixture
def deployed(reference, start_emulator):
    """An emulator holding the example web service (and a second one, so lists page) and its plan."""
    emulator = start_emulator(page_size=1, op_seconds=0)
    put = load(reference, "putWebService.json")["parameters"]
    payload = {**put["createOrUpdatePayload"], "location": OFFERED_LOCATION}
    plan_path = payload["properties"]["commitmentPlan"]["id"]
    plan = emulator.call(
        "PUT",
        plan_path + "?api-version=2016-05-01-preview",
        {"location": payload["location"], "sku": {"name": "S1", "tier": "Standard", "capacity": 1}},
    )
    assert plan.status == 200
    return emulator, put, payload


def test_put_example_is_created_with_the_recorded_minimal_answer(deployed, reference):
    emulator, parameters, payload = deployed
    example = load(reference, "putWebService.json")
    reply = emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    assert str(reply.status) in example["responses"] and reply.status == 201
    assert set(example["responses"]["201"]["body"]) <= set(reply.body)
    assert set(reply.body["properties"]) == RECORDED_MINIMAL_PUT
    assert reply.header("azure-asyncoperation")
    again = emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    assert again.status == 200 and set(again.body["properties"]) == RECORDED_MINIMAL_PUT


def test_get_example_shape_without_secrets(deployed, reference):
    emulator, parameters, payload = deployed
    emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    example = load(reference, "getWebService.json")
    reply = emulator.call("GET", service_path(example["parameters"]) + query(example["parameters"]))
    expected = example["responses"]["200"]["body"]
    assert reply.status == 200
    assert set(expected) <= set(reply.body)
    assert property_keys(reply.body) == property_keys(expected)
    assert reply.body["properties"]["storageAccount"] == expected["properties"]["storageAccount"]  # name only


def test_list_keys_example(deployed, reference):
    emulator, parameters, payload = deployed
    emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    example = load(reference, "getWebServiceKeys.json")
    reply = emulator.call("GET", service_path(example["parameters"]) + "/listKeys" + query(example["parameters"]))
    assert reply.status == 200
    assert set(reply.body) == set(example["responses"]["200"]["body"])


def test_patch_example(deployed, reference):
    emulator, parameters, payload = deployed
    emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    example = load(reference, "patchWebService.json")
    patch = example["parameters"]
    reply = emulator.call("PATCH", service_path(patch) + query(patch), patch["patchPayload"])
    assert reply.status == 200 and reply.header("azure-asyncoperation")
    assert set(reply.body["properties"]) == RECORDED_MINIMAL_PATCH
    after = emulator.call("GET", service_path(patch) + query(patch)).body
    assert after["properties"]["title"] == patch["patchPayload"]["properties"]["title"]
    assert property_keys(after) == property_keys(example["responses"]["200"]["body"])


def test_create_regional_properties_example(deployed, reference):
    emulator, parameters, payload = deployed
    emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    example = load(reference, "createRegionalProperties.json")
    region = example["parameters"]["region"]
    path = service_path(example["parameters"])
    reply = emulator.call("POST", path + "/CreateRegionalBlob" + query(example["parameters"], region=region))
    assert str(reply.status) in example["responses"] and reply.header("azure-asyncoperation")
    assert emulator.call("GET", path + query(example["parameters"], region=region)).status == 200


@pytest.mark.parametrize("name", ["getWebServicesByResourceGroup.json", "getWebServicesBySubscriptionId.json"])
def test_list_examples_are_sparse_and_paged(deployed, reference, name):
    emulator, parameters, payload = deployed
    for service in ("TargetWebServiceName", "SecondWebService"):
        emulator.call("PUT", service_path(parameters, service) + query(parameters), payload)
    example = load(reference, name)
    list_parameters = example["parameters"]
    path = (
        service_path(list_parameters)
        if "resourceGroupName" in list_parameters
        else f"/subscriptions/{list_parameters['subscriptionId']}/providers/Microsoft.MachineLearning/webServices"
    )
    reply = emulator.call("GET", path + query(list_parameters))
    expected = example["responses"]["200"]["body"]
    assert reply.status == 200 and set(reply.body) == set(expected)
    assert set(expected["value"][0]) <= set(reply.body["value"][0])
    assert property_keys(reply.body["value"][0]) == property_keys(expected["value"][0])


def test_delete_example(deployed, reference):
    emulator, parameters, payload = deployed
    emulator.call("PUT", service_path(parameters) + query(parameters), payload)
    example = load(reference, "deleteWebService.json")
    path = service_path(example["parameters"]) + query(example["parameters"])
    reply = emulator.call("DELETE", path)
    assert str(reply.status) in example["responses"] and reply.header("azure-asyncoperation")
    assert emulator.call("GET", path).status == 404
