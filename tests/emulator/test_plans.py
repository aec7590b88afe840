"""Commitment plans and associations: synchronous, SKU-derived properties, associations follow services."""

from __future__ import annotations

import uuid

PLAN_API = "?api-version=2016-05-01-preview"
WS_API = "?api-version=2017-01-01"


def plan_path(emulator, group: str = "rg-plans") -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{group}"
        f"/providers/Microsoft.MachineLearning/commitmentPlans/plan-{uuid.uuid4().hex[:8]}"
    )


def sku(name: str = "S1", capacity: int = 1) -> dict:
    return {"name": name, "tier": "Standard", "capacity": capacity}


def test_plan_lifecycle_with_sku_quantities(emulator):
    path = plan_path(emulator)
    created = emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": sku()})
    assert created.status == 200
    body = created.body
    assert list(body) == sorted(body)  # keys alphabetical, as recorded
    quantities = body["properties"]["includedQuantities"]
    assert quantities["machineLearningWebServiceComputeHours"]["allowance"] == 25.0
    assert quantities["machineLearningWebServiceTransactions"]["allowance"] == 100000.0
    patched = emulator.call("PATCH", path + PLAN_API, {"tags": {"tag1": "value1"}, "sku": sku("S2", 2)}).body
    assert patched["etag"] != body["etag"] and patched["tags"] == {"tag1": "value1"}
    assert patched["properties"]["includedQuantities"]["machineLearningWebServiceComputeHours"]["allowance"] == 500.0
    assert patched["properties"]["creationDate"] == body["properties"]["creationDate"]
    assert emulator.call("GET", path + PLAN_API).body == patched
    refused = emulator.call("PATCH", path + PLAN_API, {"location": "westeurope"})
    assert refused.status == 400
    usage = emulator.call("GET", path + "/usageHistory" + PLAN_API).body["value"]
    assert usage[0]["planQuantitiesBeforeUsage"]["machineLearningWebServiceTransactions"] == 2000000.0
    assert emulator.call("DELETE", path + PLAN_API).status == 200
    gone = emulator.call("GET", path + PLAN_API)
    assert gone.status == 404 and gone.body["error"]["code"] == "ResourceNotFound"
    assert emulator.call("DELETE", path + PLAN_API).status == 200  # missing plan: no-op


def test_bad_sku_is_refused(emulator):
    path = plan_path(emulator)
    for bad in (sku("Z9"), sku("S1", 11), None):
        reply = emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": bad})
        assert reply.status == 400 and reply.body["error"]["message"]
    assert emulator.call("GET", path + PLAN_API).status == 404


def test_associations_follow_web_services(emulator):
    first, second = plan_path(emulator), plan_path(emulator)
    for path in (first, second):
        assert emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": sku()}).status == 200
    service = f"/subscriptions/{emulator.subscription}/resourceGroups/rg-plans/providers/Microsoft.MachineLearning"
    service += f"/webServices/ws-{uuid.uuid4().hex[:8]}"
    definition = {
        "location": "South Central US",
        "properties": {"packageType": "Graph", "commitmentPlan": {"id": first}},
    }
    assert emulator.call("PUT", service + WS_API, definition).status == 201
    listed = emulator.call("GET", first + "/commitmentAssociations" + PLAN_API).body["value"]
    assert [item["properties"]["associatedResourceId"] for item in listed] == [service]
    name = listed[0]["name"]
    assert emulator.call("GET", f"{first}/commitmentAssociations/{name}{PLAN_API}").body == listed[0]
    refused = emulator.call("DELETE", first + PLAN_API)
    assert refused.status == 409 and emulator.call("GET", first + PLAN_API).status == 200
    changed = emulator.call(
        "PUT",
        service + WS_API,
        {**definition, "properties": {"packageType": "Graph", "commitmentPlan": {"id": second}}},
    )
    assert changed.status == 400
    moved = emulator.call(
        "POST", f"{first}/commitmentAssociations/{name}/move{PLAN_API}", {"destinationPlanId": second}
    )
    assert moved.status == 200 and moved.body["properties"]["commitmentPlanId"] == second
    assert emulator.call("GET", first + "/commitmentAssociations" + PLAN_API).body["value"] == []
    assert emulator.call("DELETE", first + PLAN_API).status == 200
    assert emulator.call("DELETE", service + WS_API).status == 202
    assert emulator.call("GET", second + "/commitmentAssociations" + PLAN_API).body["value"] == []


def test_plan_lists_page_with_skip_token_and_skus(start_emulator):
    emulator = start_emulator(page_size=2)
    paths = {plan_path(emulator, group) for group in ("rg-1", "rg-2") for _ in range(3)}
    for path in paths:
        emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": sku()})
    url = f"/subscriptions/{emulator.subscription}/providers/Microsoft.MachineLearning/commitmentPlans" + PLAN_API
    seen = []
    while url:
        page = emulator.call("GET", url).body
        seen += [item["id"] for item in page["value"]]
        url = page.get("nextLink")
        assert url is None or "$skipToken=" in url
    assert sorted(seen) == sorted(paths)
    skus = emulator.call(
        "GET", f"/subscriptions/{emulator.subscription}/providers/Microsoft.MachineLearning/skus" + PLAN_API
    ).body["value"]
    assert {item["name"] for item in skus} >= {"S1", "S2"}


def test_a_plan_never_moves_region_under_its_services(emulator):
    path = plan_path(emulator)
    assert emulator.call("PUT", path + PLAN_API, {"location": "southcentralus", "sku": sku()}).status == 200
    service = f"/subscriptions/{emulator.subscription}/resourceGroups/rg-plans/providers/Microsoft.MachineLearning"
    service += f"/webServices/ws-{uuid.uuid4().hex[:8]}"
    definition = {
        "location": "South Central US",
        "properties": {"packageType": "Graph", "commitmentPlan": {"id": path}},
    }
    assert emulator.call("PUT", service + WS_API, definition).status == 201

    moved = emulator.call("PUT", path + PLAN_API, {"location": "westeurope", "sku": sku("S2")})

    assert moved.status == 409 and moved.body["error"]["code"] == "InvalidResourceLocation"
    assert "southcentralus" in moved.body["error"]["message"] and "westeurope" in moved.body["error"]["message"]
    kept = emulator.call("GET", path + PLAN_API).body
    assert kept["location"] == "southcentralus" and kept["sku"]["name"] == "S1"
    listed = emulator.call("GET", path + "/commitmentAssociations" + PLAN_API).body["value"]
    assert [item["properties"]["associatedResourceId"] for item in listed] == [service]
    same_region = emulator.call("PUT", path + PLAN_API, {"location": "South Central US", "sku": sku("S2")})
    assert same_region.status == 200 and same_region.body["sku"]["name"] == "S2"
