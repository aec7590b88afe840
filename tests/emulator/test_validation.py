"""The emulator refuses what the official swagger marks required or enumerated, as the real service does:
400 with an ARM error listing every problem (code, target, message), and nothing stored."""

from __future__ import annotations

import time
import uuid

import pytest

API = "?api-version=2017-01-01"


def new_path(emulator) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-validation"
        f"/providers/Microsoft.MachineLearning/webServices/ws-{uuid.uuid4().hex[:8]}"
    )


def port(column: dict) -> dict:
    return {"type": "object", "properties": {"input1": {"type": "object", "properties": {"age": column}}}}


def valid() -> dict:
    return {
        "location": "South Central US",
        "properties": {
            "packageType": "Graph",
            "machineLearningWorkspace": {"id": "8b841df9d60a4d54bcebd4948b10a5db"},
            "assets": {
                "model": {"name": "m [trained model]", "type": "Resource", "locationInfo": {"uri": "https://a/1"}},
                "module": {"name": "Join Data", "type": "Module", "locationInfo": {"uri": "aml://module/7"}},
            },
            "input": port({"type": "Integer", "format": "Int32"}),
            "output": port({"type": "String", "format": ""}),  # "" as the real service sends for String columns
        },
    }


def changed(path: tuple, value) -> dict:
    """The valid definition with the member at `path` (below properties) set to `value`, or removed for ...."""
    document = valid()
    parent = document["properties"]
    for key in path[:-1]:
        parent = parent[key]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


def wait_done(emulator, reply) -> None:
    for _ in range(200):
        if emulator.call("GET", reply.header("azure-asyncoperation")).body["status"] != "Provisioning":
            return
        time.sleep(0.01)


def refused(reply) -> list[tuple[str, str]]:
    assert reply.status == 400, reply.body
    error = reply.body["error"]
    assert error["code"] == "BadRequest" and error["message"]
    assert all(detail["message"] for detail in error["details"])
    return [(detail["code"], detail["target"]) for detail in error["details"]]


CASES = [
    (("machineLearningWorkspace", "id"), ..., "MissingRequiredProperty", "properties.machineLearningWorkspace.id"),
    (("assets", "model", "name"), ..., "MissingRequiredProperty", "properties.assets.model.name"),
    (("assets", "model", "type"), ..., "MissingRequiredProperty", "properties.assets.model.type"),
    (("assets", "model", "type"), "Bogus", "InvalidEnumValue", "properties.assets.model.type"),
    (("assets", "model", "locationInfo"), ..., "MissingRequiredProperty", "properties.assets.model.locationInfo"),
    (("assets", "model", "locationInfo", "uri"), ..., "MissingRequiredProperty",
     "properties.assets.model.locationInfo.uri"),
    (("input", "type"), ..., "MissingRequiredProperty", "properties.input.type"),
    (("input", "properties"), ..., "MissingRequiredProperty", "properties.input.properties"),
    (("output", "type"), ..., "MissingRequiredProperty", "properties.output.type"),
    (("input", "properties", "input1", "properties", "age", "type"), "Bogus", "InvalidEnumValue",
     "properties.input.properties.input1.properties.age.type"),
    (("input", "properties", "input1", "properties", "age", "type"), ..., "MissingRequiredProperty",
     "properties.input.properties.input1.properties.age.type"),
    (("input", "properties", "input1", "properties", "age", "format"), "Int33", "InvalidEnumValue",
     "properties.input.properties.input1.properties.age.format"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "code", "target"), CASES, ids=[case[3] for case in CASES])
def test_put_is_refused_naming_the_problem_and_nothing_is_created(emulator, path, value, code, target):
    service = new_path(emulator)
    assert refused(emulator.call("PUT", service + API, changed(path, value))) == [(code, target)]
    assert emulator.call("GET", service + API).status == 404


def test_every_problem_is_listed(emulator):
    document = valid()
    document["properties"]["machineLearningWorkspace"] = {}
    document["properties"]["assets"]["model"] = {"type": "Bogus"}
    document["properties"]["output"]["properties"]["input1"]["properties"]["age"]["type"] = "Bogus"
    reply = emulator.call("PUT", new_path(emulator) + API, document)
    assert sorted(refused(reply)) == [
        ("InvalidEnumValue", "properties.assets.model.type"),
        ("InvalidEnumValue", "properties.output.properties.input1.properties.age.type"),
        ("MissingRequiredProperty", "properties.assets.model.locationInfo"),
        ("MissingRequiredProperty", "properties.assets.model.name"),
        ("MissingRequiredProperty", "properties.machineLearningWorkspace.id"),
    ]
    assert "4 more problems" in reply.body["error"]["message"]


def test_a_valid_definition_in_any_letter_case_is_accepted(emulator):
    """The .NET service read names case-insensitively (it even answered PascalCase inside assets)."""
    document = valid()
    document["properties"]["assets"]["model"] = {
        "Name": "m [trained model]", "Type": "Resource", "LocationInfo": {"Uri": "https://a/1"}
    }  # fmt: skip
    document["properties"]["Input"] = document["properties"].pop("input")
    document["properties"]["Input"]["Type"] = document["properties"]["Input"].pop("type")
    assert emulator.call("PUT", new_path(emulator) + API, document).status == 201
    assert emulator.call("PUT", new_path(emulator) + API, valid()).status == 201


def test_a_patch_without_the_package_type_is_refused_and_changes_nothing(emulator):
    service = new_path(emulator)
    wait_done(emulator, emulator.call("PUT", service + API, valid()))
    for body in ({"properties": {"title": "no discriminator"}}, {"tags": {"a": "b"}}, {}):
        assert refused(emulator.call("PATCH", service + API, body)) == [
            ("MissingRequiredProperty", "properties.packageType")
        ]
    live = emulator.call("GET", service + API).body
    assert "title" not in live["properties"] and live["tags"] == {}


def test_a_patch_is_checked_as_the_merged_result(emulator):
    service = new_path(emulator)
    wait_done(emulator, emulator.call("PUT", service + API, valid()))
    # Only the URI is sent: the merged asset keeps its name and type, so it is valid.
    repoint = {"packageType": "Graph", "assets": {"model": {"locationInfo": {"uri": "https://a/2"}}}}
    reply = emulator.call("PATCH", service + API, {"properties": repoint})
    assert reply.status == 200, reply.body
    wait_done(emulator, reply)
    # A new asset without a name or type is not valid merged either.
    added = {"packageType": "Graph", "assets": {"extra": {"locationInfo": {"uri": "aml://module/8"}}}}
    assert sorted(refused(emulator.call("PATCH", service + API, {"properties": added}))) == [
        ("MissingRequiredProperty", "properties.assets.extra.name"),
        ("MissingRequiredProperty", "properties.assets.extra.type"),
    ]
    bogus = {"packageType": "Graph", "assets": {"module": {"type": "Bogus"}}}
    assert refused(emulator.call("PATCH", service + API, {"properties": bogus})) == [
        ("InvalidEnumValue", "properties.assets.module.type")
    ]
    assets = emulator.call("GET", service + API).body["properties"]["assets"]
    assert set(assets) == {"model", "module"} and assets["module"]["type"] == "Module"
    assert assets["model"] == {**valid()["properties"]["assets"]["model"], "locationInfo": {"uri": "https://a/2"}}


def test_the_example_shapes_stay_valid(emulator):
    document = valid()
    document["properties"]["input"]["properties"]["input1"]["properties"]["age"] = {"type": "Number"}  # no format
    assert emulator.call("PUT", new_path(emulator) + API, document).status == 201
