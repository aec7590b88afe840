"""Commitment plans and their associations (api-version 2016-05-01-preview), all synchronous.

As recorded: PUT answers 200 (also on creation) with the full plan, its properties computed from
the SKU; PATCH changes only tags and sku; DELETE answers 200 and is a no-op for a missing plan, but
is refused while web services are associated with the plan. An association is created by the web
services provider when a service is created with `properties.commitmentPlan.id`, and removed with it.
Usage is not metered: usage history reports the included quantities with zero use. A PUT over an
existing plan in another region is ARM's 409 InvalidResourceLocation, as for web services (not recorded
for plans): a plan never moves region with its services associated.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from typing import Any

from toolkit.emulator.conventions import (
    PROVIDER,
    arm_time,
    check_api_version,
    decode_skiptoken,
    encode_skiptoken,
    location_conflict,
    put_location,
    resource_body,
)
from toolkit.emulator.router import EmulatorContext, HttpError, Request, Response, Router
from toolkit.emulator.store import StoredService
from toolkit.regions import KNOWN_REGIONS, normalise

PLANS_API = "2016-05-01-preview"
PLAN_TYPE = f"{PROVIDER}/commitmentPlans"
ASSOCIATION_TYPE = f"{PROVIDER}/commitmentPlans/commitmentAssociations"
PLANS = (
    "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.MachineLearning/commitmentPlans"
)
PLAN_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.MachineLearning/commitmentPlans/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
SERVICE_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.MachineLearning/webServices/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
COMPUTE_HOURS = "machineLearningWebServiceComputeHours"
TRANSACTIONS = "machineLearningWebServiceTransactions"
# Included quantities per capacity unit, as recorded (S1 x1: 25 h / 100 000; S2 x2: 500 h / 2 000 000).
SKUS = {"S1": {COMPUTE_HOURS: 25.0, TRANSACTIONS: 100000.0}, "S2": {COMPUTE_HOURS: 250.0, TRANSACTIONS: 1000000.0}}
SKU_TIER = "Standard"
MIN_CAPACITY, MAX_CAPACITY = 1, 10


def meter(*parts: str) -> str:
    """A stable meter GUID per SKU and quantity (the real ones are billing catalogue ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mlws-emulator/meters/" + "/".join(parts)))


def new_etag() -> str:
    return f"{secrets.randbits(32):08x}-0000-0000-0000-{int(time.time()):08x}0000"


def plan_id(subscription: str, resource_group: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{PROVIDER}/commitmentPlans/{name}"


def check_sku(sku: Any) -> dict[str, Any]:
    if not isinstance(sku, dict):
        raise HttpError(400, "BadRequest", "The 'sku' object {name, tier, capacity} is required.")
    name, tier, capacity = sku.get("name"), sku.get("tier"), sku.get("capacity", 1)
    if name not in SKUS:
        raise HttpError(400, "BadRequest", f"The SKU '{name}' is not supported; known SKUs: {', '.join(SKUS)}.")
    if tier != SKU_TIER:
        raise HttpError(400, "BadRequest", f"The SKU tier '{tier}' is not supported; the tier is '{SKU_TIER}'.")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise HttpError(
            400,
            "BadRequest",
            f"sku.capacity must be an integer from {MIN_CAPACITY} to {MAX_CAPACITY}, got {capacity!r}.",
        )
    return {"capacity": capacity, "name": name, "tier": tier}


class CommitmentPlans:
    def __init__(self, context: EmulatorContext) -> None:
        self.context = context
        self.store = context.store

    # -- views ---------------------------------------------------------------------------------------

    def view(self, doc: dict[str, Any]) -> dict[str, Any]:
        sku = doc["sku"]
        quantities = {
            quantity: {
                "allowance": per_unit * sku["capacity"],
                "amount": per_unit * sku["capacity"],
                "includedQuantityMeter": meter(quantity, "included"),
                "overageMeter": meter(sku["name"], quantity, "overage"),
            }
            for quantity, per_unit in SKUS[sku["name"]].items()
        }
        return {
            "etag": doc["etag"],
            "id": plan_id(doc["subscription"], doc["resourceGroup"], doc["name"]),
            "location": doc["location"],
            "name": doc["name"],
            "properties": {
                "chargeForOverage": True,
                "chargeForPlan": True,
                "creationDate": arm_time(doc["creationDate"]),
                "includedQuantities": quantities,
                "maxAssociationLimit": 10000,
                "maxCapacityLimit": MAX_CAPACITY,
                "minCapacityLimit": MIN_CAPACITY,
                "planMeter": meter(sku["name"], "plan"),
                "refillFrequencyInDays": 30,
                "suspendPlanOnOverage": False,
            },
            "sku": sku,
            "tags": doc["tags"],
            "type": PLAN_TYPE,
        }

    def association_view(self, doc: dict[str, Any]) -> dict[str, Any]:
        plan = self.store.get_plan(doc["subscription"], doc["resourceGroup"], doc["plan"])
        owner = plan_id(doc["subscription"], doc["resourceGroup"], doc["plan"])
        return {
            "etag": doc["etag"],
            "id": f"{owner}/commitmentAssociations/{doc['name']}",
            "location": plan["location"] if plan else None,
            "name": doc["name"],
            "properties": {
                "associatedResourceId": doc["associatedResourceId"],
                "commitmentPlanId": owner,
                "creationDate": arm_time(doc["creationDate"]),
            },
            "tags": {},
            "type": ASSOCIATION_TYPE,
        }

    def plan_not_found(self, resource_group: str, name: str) -> HttpError:
        return HttpError(
            404,
            "ResourceNotFound",
            f"The Resource '{PLAN_TYPE}/{name}' under resource group '{resource_group}' was not found.",
            headers={"x-ms-failure-cause": "gateway"},
        )

    def existing(self, request: Request) -> dict[str, Any]:
        params = request.params
        doc = self.store.get_plan(params["subscription"], params["resource_group"], params["plan"])
        if doc is None:
            raise self.plan_not_found(params["resource_group"], params["plan"])
        return doc

    # -- what the web services provider uses --------------------------------------------------------------

    def plan_by_id(self, arm_id: str) -> dict[str, Any] | None:
        found = PLAN_ID.match(arm_id)
        return self.store.get_plan(*found.group("subscription", "resource_group", "name")) if found else None

    def associate(self, service: StoredService, arm_id: str) -> None:
        plan = self.plan_by_id(arm_id)
        if plan is None:
            raise HttpError(400, "BadRequest", f"The commitment plan '{arm_id}' was not found.")
        self.store.save_association({
            "subscription": plan["subscription"], "resourceGroup": plan["resourceGroup"], "plan": plan["name"],
            "name": service.service_id, "associatedResourceId": service.arm_id,
            "creationDate": time.time(), "etag": new_etag(),
        })  # fmt: skip

    def dissociate(self, service: StoredService) -> None:
        association = self.store.find_association_of(service.arm_id)
        if association is not None:
            self.store.delete_association(association)

    # -- handlers ------------------------------------------------------------------------------------

    def get(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        return Response(200, self.view(self.existing(request)))

    def put(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        body = resource_body(request)
        location = put_location(body, PLAN_TYPE)
        sku = check_sku(body.get("sku"))
        tags = body.get("tags") or {}
        if not isinstance(tags, dict):
            raise HttpError(400, "InvalidRequestContent", "tags must be an object of strings.")
        params = request.params
        with self.store.transaction():
            old = self.store.get_plan(params["subscription"], params["resource_group"], params["plan"])
            if old is not None and normalise(old["location"]) != normalise(location):
                raise location_conflict(old["name"], old["resourceGroup"], old["location"], location)
            doc = {
                "subscription": old["subscription"] if old else params["subscription"],
                "resourceGroup": old["resourceGroup"] if old else params["resource_group"],
                "name": old["name"] if old else params["plan"],
                "location": location,
                "tags": tags,
                "sku": sku,
                "creationDate": old["creationDate"] if old else time.time(),
                "etag": new_etag(),
            }
            self.store.save_plan(params["subscription"], params["resource_group"], params["plan"], doc)
        return Response(200, self.view(doc))

    def patch(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        body = resource_body(request)
        extra = sorted(set(body) - {"tags", "sku"})
        if extra:
            raise HttpError(400, "BadRequest", f"Only tags and sku of a commitment plan may be modified, not {extra}.")
        tags = body.get("tags")
        if tags is not None and not isinstance(tags, dict):
            raise HttpError(400, "InvalidRequestContent", "tags must be an object of strings.")
        with self.store.transaction():
            doc = self.existing(request)
            if "sku" in body:
                changes = body["sku"] if isinstance(body["sku"], dict) else None
                doc["sku"] = check_sku({**doc["sku"], **changes} if changes is not None else None)
            if tags is not None:
                doc["tags"] = tags
            doc["etag"] = new_etag()
            params = request.params
            self.store.save_plan(params["subscription"], params["resource_group"], params["plan"], doc)
        return Response(200, self.view(doc))

    def delete(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        params = request.params
        with self.store.transaction():
            if self.store.get_plan(params["subscription"], params["resource_group"], params["plan"]) is None:
                return Response(200)
            associations = self.store.list_associations(
                params["subscription"], params["resource_group"], params["plan"], None, 1
            )
            if associations:
                raise HttpError(
                    409,
                    "Conflict",
                    f"The commitment plan '{params['plan']}' still has associated web services "
                    f"(e.g. {associations[0]['associatedResourceId']}); move or delete them first.",
                    [
                        {
                            "code": "CommitmentPlanHasAssociations",
                            "message": "A plan with associations cannot be deleted.",
                        }
                    ],
                )
            self.store.delete_plan(params["subscription"], params["resource_group"], params["plan"])
        return Response(200)

    def list_page(self, request: Request, resource_group: str | None) -> Response:
        check_api_version(request, PLANS_API)
        token = request.query.get("$skipToken")
        after = tuple(decode_skiptoken(token)) if token else None
        size = self.context.config.page_size
        docs = self.store.list_plans(request.params["subscription"], resource_group, after, size + 1)
        body: dict[str, Any] = {"value": [self.view(doc) for doc in docs[:size]]}
        if len(docs) > size:
            last = docs[size - 1]
            body["nextLink"] = self.next_link(request, [last["resourceGroup"], last["name"]])
        return Response(200, body)

    def next_link(self, request: Request, key: Any) -> str:
        return f"{self.context.base_url}{request.path}?api-version={PLANS_API}&$skipToken={encode_skiptoken(key)}"

    def usage_history(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        plan = self.view(self.existing(request))
        included = {name: quantity["allowance"] for name, quantity in plan["properties"]["includedQuantities"].items()}
        record = {
            "planDeletionOverage": {name: 0.0 for name in included},
            "planMigrationOverage": {name: 0.0 for name in included},
            "planQuantitiesAfterUsage": included,
            "planQuantitiesBeforeUsage": included,
            "planUsageOverage": {name: 0.0 for name in included},
            "usage": {name: 0.0 for name in included},
            "usageDate": arm_time(time.time() // 86400 * 86400),
        }
        return Response(200, {"value": [record]})

    def skus(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        value = [
            {
                "resourceType": "commitmentPlans",
                "name": name,
                "tier": SKU_TIER,
                "locations": list(KNOWN_REGIONS.values()),
                "capacity": {"minimum": MIN_CAPACITY, "maximum": MAX_CAPACITY, "default": 1, "scaleType": "Manual"},
                "capabilities": [{"name": quantity, "value": str(per_unit)} for quantity, per_unit in per_sku.items()],
                "costs": [{"meterID": meter(name, "plan"), "quantity": 1, "extendedUnit": "Month"}],
                "restrictions": [],
            }
            for name, per_sku in SKUS.items()
        ]
        return Response(200, {"value": value})

    def existing_association(self, params: dict[str, str]) -> dict[str, Any]:
        """The stored association the path names, or ARM's 404 ResourceNotFound."""
        doc = self.store.get_association(params["subscription"], params["resource_group"], params["plan"],
                                         params["association"])  # fmt: skip
        if doc is None:
            raise HttpError(
                404,
                "ResourceNotFound",
                f"The Resource '{ASSOCIATION_TYPE}/{params['plan']}/{params['association']}' under resource group "
                f"'{params['resource_group']}' was not found.",
            )
        return doc

    def get_association(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        params = request.params
        with self.store.transaction():
            self.existing(request)
            return Response(200, self.association_view(self.existing_association(params)))

    def list_associations(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        params = request.params
        token = request.query.get("$skipToken")
        after = decode_skiptoken(token) if token else None
        size = self.context.config.page_size
        with self.store.transaction():
            self.existing(request)
            docs = self.store.list_associations(params["subscription"], params["resource_group"], params["plan"],
                                                after, size + 1)  # fmt: skip
            body: dict[str, Any] = {"value": [self.association_view(doc) for doc in docs[:size]]}
        if len(docs) > size:
            body["nextLink"] = self.next_link(request, docs[size - 1]["name"])
        return Response(200, body)

    def move_association(self, request: Request) -> Response:
        check_api_version(request, PLANS_API)
        destination_id = resource_body(request).get("destinationPlanId")
        if not isinstance(destination_id, str):
            raise HttpError(400, "BadRequest", "destinationPlanId (the ARM id of a commitment plan) is required.")
        params = request.params
        with self.store.transaction():
            self.existing(request)
            doc = self.existing_association(params)
            destination = self.plan_by_id(destination_id)
            if destination is None:
                raise HttpError(
                    404, "ResourceNotFound", f"The destination commitment plan '{destination_id}' was not found."
                )
            self.store.delete_association(doc)
            doc.update(subscription=destination["subscription"], resourceGroup=destination["resourceGroup"],
                       plan=destination["name"], etag=new_etag())  # fmt: skip
            self.store.save_association(doc)
            self.repoint_service(doc["associatedResourceId"], destination_id)
            return Response(200, self.association_view(doc))

    def repoint_service(self, service_arm_id: str, destination_id: str) -> None:
        """Keep the service's stored plan id in step, so 'cannot change the plan' compares with the new one."""
        found = SERVICE_ID.match(service_arm_id)
        service = self.store.get_service(*found.group("subscription", "resource_group", "name")) if found else None
        if service is not None:
            service.properties["commitmentPlan"] = {"id": destination_id}
            self.store.save_service(service)


def register(router: Router, context: EmulatorContext) -> CommitmentPlans:
    plans = CommitmentPlans(context)
    plan = PLANS + "/{plan}"
    router.add("GET", "/subscriptions/{subscription}/providers/Microsoft.MachineLearning/skus", plans.skus, arm=True)
    router.add("GET", "/subscriptions/{subscription}/providers/Microsoft.MachineLearning/commitmentPlans",
               lambda request: plans.list_page(request, None), arm=True)  # fmt: skip
    router.add("GET", PLANS, lambda request: plans.list_page(request, request.params["resource_group"]), arm=True)
    router.add("GET", plan + "/usageHistory", plans.usage_history, arm=True)
    router.add("GET", plan + "/commitmentAssociations", plans.list_associations, arm=True)
    router.add("GET", plan + "/commitmentAssociations/{association}", plans.get_association, arm=True)
    router.add("POST", plan + "/commitmentAssociations/{association}/move", plans.move_association, arm=True)
    router.add("GET", plan, plans.get, arm=True)
    router.add("PUT", plan, plans.put, arm=True)
    router.add("PATCH", plan, plans.patch, arm=True)
    router.add("DELETE", plan, plans.delete, arm=True)
    return plans
