"""PATCH merges as the real service did, and null members are read as absent (never stored, never echoed).

The rule, recorded in TestUpdateWebService: a PATCH that sent `properties.parameters: {}` removed `parameters`,
while `properties.package.graphParameters: {}` stayed `{}`. So a direct property of `properties` sent as {} is
removed; below it objects merge key by key; null is ignored; lists and scalars replace; tags replace whole.
"""

from __future__ import annotations

import time
import uuid

API = "?api-version=2017-01-01"
PLAN_API = "?api-version=2016-05-01-preview"
MODEL = {"name": "m [trained model]", "type": "Resource", "locationInfo": {"uri": "https://a/1.ilearner"}}
MODULE = {"name": "Join Data", "type": "Module", "locationInfo": {"uri": "aml://module/7"}}
EDGES = [{"sourceNodeId": "node1", "targetNodeId": "node2"}, {"sourceNodeId": "node2", "targetNodeId": "node3"}]


def new_path(emulator) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-merge"
        f"/providers/Microsoft.MachineLearning/webServices/ws-{uuid.uuid4().hex[:8]}"
    )


def definition() -> dict:
    return {
        "location": "South Central US",
        "tags": {"team": "ops", "cost": "ml"},
        "properties": {
            "packageType": "Graph",
            "title": "Scoring",
            "realtimeConfiguration": {"maxConcurrentCalls": 20},
            "assets": {"model": MODEL, "module": MODULE},
            "parameters": {"Label": {"value": "price"}},
            "package": {"nodes": {"node1": {"assetId": "module"}}, "edges": EDGES, "graphParameters": {}},
            "exampleRequest": {"inputs": {"input1": [[1, "a"]]}},
        },
    }


def contains_null(value) -> bool:
    if isinstance(value, dict):
        return any(item is None or contains_null(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_null(item) for item in value)
    return False


def settle(emulator, reply):
    assert reply.status in (200, 201), reply.body
    for _ in range(200):
        if emulator.call("GET", reply.header("azure-asyncoperation")).body["status"] != "Provisioning":
            return
        time.sleep(0.01)


def patched(emulator, changes: dict, tags: dict | None = None) -> dict:
    """Create the service, PATCH `changes` (with the discriminator), and return what GET shows afterwards."""
    path = new_path(emulator)
    settle(emulator, emulator.call("PUT", path + API, definition()))
    body = {"properties": {"packageType": "Graph", **changes}, **({"tags": tags} if tags is not None else {})}
    settle(emulator, emulator.call("PATCH", path + API, body))
    return emulator.call("GET", path + API).body


def test_a_top_level_empty_object_removes_the_property_a_nested_one_stays(emulator):
    live = patched(emulator, {"parameters": {}, "package": {"graphParameters": {}, "edges": EDGES}})
    assert "parameters" not in live["properties"]  # as recorded
    assert live["properties"]["package"]["graphParameters"] == {}  # as recorded
    assert live["properties"]["package"]["nodes"] == {"node1": {"assetId": "module"}}


def test_a_nested_empty_object_merges_nothing_and_is_kept_where_absent(emulator):
    live = patched(emulator, {"assets": {"model": {}}, "package": {"nodes": {"node9": {}}}})
    assert live["properties"]["assets"] == {"model": MODEL, "module": MODULE}
    assert live["properties"]["package"]["nodes"] == {"node1": {"assetId": "module"}, "node9": {}}


def test_objects_merge_key_by_key_so_a_patch_cannot_remove_a_map_entry(emulator):
    repointed = {**MODEL, "locationInfo": {"uri": "https://a/2.ilearner"}}
    live = patched(emulator, {"assets": {"model": {"locationInfo": {"uri": "https://a/2.ilearner"}}}})
    assert live["properties"]["assets"] == {"model": repointed, "module": MODULE}  # module stays: PUT to remove it
    assert live["properties"]["title"] == "Scoring" and live["properties"]["parameters"] == {
        "Label": {"value": "price"}
    }


def test_null_is_ignored_everywhere(emulator):
    changes = {
        "title": None,
        "assets": {"model": None, "module": {"locationInfo": None}},
        "realtimeConfiguration": {"maxConcurrentCalls": None},
        "parameters": None,
        "exampleRequest": {"globalParameters": None},
    }
    live = patched(emulator, changes, tags=None)
    expected = definition()["properties"]
    shown = live["properties"]
    for name in ("title", "assets", "realtimeConfiguration", "parameters", "exampleRequest", "package"):
        assert shown[name] == expected[name], name
    assert live["tags"] == {"team": "ops", "cost": "ml"}


def test_lists_and_scalars_replace_and_tags_replace_whole(emulator):
    one_edge = [{"sourceNodeId": "node1", "targetNodeId": "node3"}]
    live = patched(emulator, {"title": "Renamed", "package": {"edges": one_edge}}, tags={"team": "data"})
    assert live["properties"]["title"] == "Renamed"
    assert live["properties"]["package"]["edges"] == one_edge
    assert live["tags"] == {"team": "data"}


def test_null_members_sent_in_a_put_are_never_echoed(emulator):
    path = new_path(emulator)
    document = definition()
    document["tags"] = {"team": "ops", "empty": None}
    document["properties"]["description"] = None
    document["properties"]["exampleRequest"]["globalParameters"] = None  # what `mlws export` wrote (issue 8, #9)
    document["properties"]["assets"]["model"] = {**MODEL, "id": None}
    created = emulator.call("PUT", path + API, document)
    settle(emulator, created)

    live = emulator.call("GET", path + API).body

    assert created.body["tags"] == live["tags"] == {"team": "ops"}
    assert "description" not in live["properties"]
    assert live["properties"]["exampleRequest"] == {"inputs": {"input1": [[1, "a"]]}}
    assert live["properties"]["assets"]["model"] == MODEL
    assert not contains_null(live)


def test_null_members_of_a_plan_are_never_echoed(emulator):
    path = (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-merge"
        f"/providers/Microsoft.MachineLearning/commitmentPlans/plan-{uuid.uuid4().hex[:8]}"
    )
    sku = {"name": "S1", "tier": "Standard", "capacity": 2}
    created = emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": sku, "tags": {"a": None}})
    assert created.status == 200 and created.body["tags"] == {}
    kept = emulator.call("PATCH", path + PLAN_API, {"sku": {**sku, "capacity": None}, "tags": {"b": "1", "c": None}})
    assert kept.status == 200 and kept.body["sku"]["capacity"] == 2 and kept.body["tags"] == {"b": "1"}
