"""Microsoft.MachineLearning web services (api-version 2017-01-01) as the real provider answers.

Follows the recorded production traffic and the facts of the research notes (classic-api.md):
PUT 201/200 and PATCH 200 answer a minimal body with `Azure-AsyncOperation`; DELETE 202 adds
`Location`; `keys`, `storageAccount.key` and `commitmentPlan` are stored but only `listKeys` returns
keys; credential parameters are stored in clear but answered as ciphertext (credentials.py); lists are
sparse and paged with an absolute `nextLink` carrying `$skiptoken`. What the provider refuses in a
definition is in validation.py; how a PATCH merges, in `merge`.

A long-running operation's state is computed from the wall clock when read (started + op seconds),
so no background thread is needed. Its effect is applied when it is accepted, unless the fault
settings decided it fails: then the resource is left as it was and shows provisioningState Failed.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from typing import Any
from urllib.parse import quote

from toolkit.emulator.conventions import (
    PROVIDER,
    arm_time,
    check_api_version,
    decode_skiptoken,
    encode_skiptoken,
    json_object,
    known_location,
    location_conflict,
    put_location,
    resource_body,
    without_nulls,
)
from toolkit.emulator.credentials import KEY_BYTES, Credentials
from toolkit.emulator.plans import PLANS_API, CommitmentPlans
from toolkit.emulator.router import EmulatorContext, HttpError, Request, Response, Router
from toolkit.emulator.store import StoredService
from toolkit.emulator.validation import bad_request, require_package_type, validate_properties
from toolkit.regions import normalise

WEB_SERVICES_API = "2017-01-01"
WEB_SERVICE_TYPE = f"{PROVIDER}/webServices"
SUBSCRIPTION_PREFIX = "/subscriptions/{subscription}"
WEB_SERVICES = SUBSCRIPTION_PREFIX + "/resourceGroups/{resource_group}/providers/Microsoft.MachineLearning/webServices"
OPERATIONS_AT = SUBSCRIPTION_PREFIX + "/providers/Microsoft.MachineLearning/locations/{location}"
DEFAULT_LOCATION = "southcentralus"  # where an operation on a service that does not exist is reported

# The order of a real full GET (notes §3.6); properties not listed follow in the order stored.
PROPERTY_ORDER = (
    "payloadsInBlobStorage", "provisioningState", "createdOn", "modifiedOn", "title", "description",
    "swaggerLocation", "readOnly", "realtimeConfiguration", "diagnostics", "storageAccount",
    "machineLearningWorkspace", "assets", "input", "output", "packageType", "exampleRequest",
    "exposeSampleData", "parameters", "package",
)  # fmt: skip
KNOWN_PROPERTIES = PROPERTY_ORDER + ("keys", "commitmentPlan", "payloadsLocation")
SPARSE_PROPERTIES = (
    "title", "description", "readOnly", "exposeSampleData", "storageAccount", "createdOn", "modifiedOn",
    "provisioningState", "swaggerLocation", "realtimeConfiguration", "diagnostics", "payloadsInBlobStorage",
    "packageType",
)  # fmt: skip
READ_ONLY_PROPERTIES = ("createdOn", "modifiedOn", "provisioningState", "swaggerLocation")
NEVER_RETURNED = ("keys", "commitmentPlan")


def canonical_keys(values: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """Known names matched case-insensitively (the .NET service read `Properties`, `PackageType`)."""
    by_lower = {name.lower(): name for name in known}
    return {by_lower.get(key.lower(), key): value for key, value in values.items()}


def merge(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The properties a PATCH leaves: `changes` (a PATCH's `properties`) merged into the stored ones.

    As the real service merged (recorded in TestUpdateWebService, where `"parameters": {}` removed
    `parameters` and `"package": {..., "graphParameters": {}}` kept `graphParameters: {}`):
    - a direct property of `properties` sent as {} is removed;
    - below that level objects merge key by key: a nested {} merges nothing (kept as {} where the key was absent);
    - null is ignored anywhere (the .NET service read it as absent), so `{"x": null}` merges nothing;
    - lists and scalars replace.
    So a PATCH never removes one entry of a map (an asset, a parameter, a port, a node): to drop one the client
    must PUT the whole definition. `tags`, outside `properties`, replace whole (see `patch`).
    """
    merged = dict(stored)
    for key, value in changes.items():
        if value == {}:
            merged.pop(key, None)
        elif value is not None:
            merged[key] = merge_below(merged.get(key), value)
    return merged


def merge_below(stored: Any, change: Any) -> Any:
    if not isinstance(change, dict):
        return without_nulls(change)
    merged = dict(stored) if isinstance(stored, dict) else {}
    for key, value in change.items():
        if value is not None:
            merged[key] = merge_below(merged.get(key), value)
    return merged


def generate_key() -> str:
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


class Operations:
    """Long-running operations: started now, Provisioning for op seconds, then Succeeded or Failed."""

    def __init__(self, context: EmulatorContext) -> None:
        self.context = context

    def start(self, subscription: str, location: str, kind: str) -> dict[str, Any]:
        op = {
            "id": str(uuid.uuid4()),
            "subscription": subscription,
            "location": normalise(location),
            "kind": kind,
            "started": time.time(),
            "seconds": self.context.faults.op_seconds,
            "failed": self.context.faults.operation_fails(),
        }
        self.context.store.save_operation(op["id"], op)
        return op

    @staticmethod
    def status(op: dict[str, Any] | None, now: float | None = None) -> str:
        if op is None:
            return "Succeeded"
        if (now or time.time()) - op["started"] < op["seconds"]:
            return "Provisioning"
        return "Failed" if op["failed"] else "Succeeded"

    def status_url(self, op: dict[str, Any], results: bool = False) -> str:
        leaf = "operationresults" if results else "operationsStatus"
        # A header: the subscription segment came URL-decoded from the path, so it is encoded back to ASCII.
        return (
            f"{self.context.base_url}/subscriptions/{quote(op['subscription'], safe='')}/providers/{PROVIDER}"
            f"/locations/{op['location']}/{leaf}/{op['id']}?api-version={WEB_SERVICES_API}"
        )

    def headers(self, op: dict[str, Any], with_location: bool = False) -> dict[str, str]:
        headers = {"Azure-AsyncOperation": self.status_url(op), "Azure-AsyncOperationPercentComplete": "0"}
        if with_location:
            headers["Location"] = self.status_url(op, results=True)
        return headers

    def body(self, op: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        status = self.status(op, now)
        body: dict[str, Any] = {
            "id": f"/subscriptions/{op['subscription']}/providers/{PROVIDER}/locations/{op['location']}"
            f"/operationsStatus/{op['id']}",
            "name": op["id"],
            "status": status,
            "startTime": arm_time(op["started"]),
        }
        if status == "Provisioning":
            body["percentComplete"] = round(min((now - op["started"]) / op["seconds"], 0.99), 2)
            return body
        body["endTime"] = arm_time(op["started"] + op["seconds"])
        body["percentComplete"] = 1.0
        if status == "Failed":
            body["error"] = {
                "code": "InternalOperationError",
                "message": f"The {op['kind']} operation failed (injected by the emulator's fault settings).",
                "details": [],
            }
        return body


class WebServices:
    def __init__(self, context: EmulatorContext, plans: CommitmentPlans) -> None:
        self.context = context
        self.plans = plans
        self.store = context.store
        self.operations = Operations(context)
        self.credentials = Credentials(self.store.secret("credentials-key", KEY_BYTES))

    # -- views ---------------------------------------------------------------------------------------

    def provisioning_state(self, service: StoredService) -> str:
        return Operations.status(self.store.get_operation(service.op_id))

    def swagger_location(self, service: StoredService) -> str:
        return f"{self.context.base_url}{service.runtime_path()}/swagger.json"

    def visible_properties(
        self, service: StoredService, names: tuple[str, ...] | None = None, region: str | None = None
    ) -> dict[str, Any]:
        """What GET shows (in `region`, by default the service's own): read-only fields filled in, secrets and the
        commitment plan left out, credential parameters encrypted for that region."""
        stored = service.properties
        shown: dict[str, Any] = {
            "payloadsInBlobStorage": stored.get("payloadsInBlobStorage", False),
            "provisioningState": self.provisioning_state(service),
            "createdOn": arm_time(service.created),
            "modifiedOn": arm_time(service.modified),
            "swaggerLocation": self.swagger_location(service),
            "readOnly": stored.get("readOnly", False),
        }
        for key, value in stored.items():
            if key in NEVER_RETURNED or key in shown:
                continue
            if key == "storageAccount" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "key"}
            shown[key] = value
        order = [key for key in PROPERTY_ORDER if key in shown] + [key for key in shown if key not in PROPERTY_ORDER]
        shown = {key: shown[key] for key in order if names is None or key in names}
        return self.credentials.sealed(shown, normalise(region or service.location))

    def envelope(self, service: StoredService, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": service.arm_id,
            "name": service.name,
            "type": WEB_SERVICE_TYPE,
            "location": service.location,
            "tags": service.tags,
            "properties": properties,
        }

    def not_found(self, name: str) -> HttpError:
        return HttpError(
            404,
            "NotFound",
            "The specified resource was not found.",
            [
                {
                    "code": "WebServiceNotFound",
                    "message": f"No Web Service could be found with the provided name: {name}.",
                }
            ],
        )

    def existing(self, request: Request) -> StoredService:
        params = request.params
        service = self.store.get_service(params["subscription"], params["resource_group"], params["name"])
        if service is None:
            raise self.not_found(params["name"])
        return service

    def refuse_read_only(self, service: StoredService) -> None:
        if service.properties.get("readOnly") is True:
            raise HttpError(
                409,
                "Conflict",
                f"The web service '{service.name}' is read-only: it can no longer be updated, only removed.",
                [{"code": "WebServiceIsReadOnly", "message": "A read-only web service cannot be updated or patched."}],
            )

    # -- handlers ------------------------------------------------------------------------------------

    def get(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        with self.store.transaction():
            service = self.existing(request)
            region = request.query.get("region")
            if region and known_location(region, WEB_SERVICE_TYPE) != normalise(service.location):
                copies = self.store.regional_copy_operations(service, normalise(region))
                if not any(Operations.status(self.store.get_operation(op_id)) == "Succeeded" for op_id in copies):
                    raise HttpError(
                        404,
                        "NotFound",
                        "The specified resource was not found.",
                        [{
                            "code": "PerRegionPayloadNotFound",
                            "message": f"Web Service Definition for region {normalise(region)} was not found. "
                            "Please use the same URL making a POST call and wait for it succeeded, then try GET again.",
                        }],
                    )  # fmt: skip
            return Response(200, self.envelope(service, self.visible_properties(service, region=region)))

    def put(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        body = canonical_keys(resource_body(request), ("location", "tags", "properties", "name", "id", "type"))
        params = request.params
        location = put_location(body, WEB_SERVICE_TYPE)
        tags = body.get("tags") or {}
        if not isinstance(tags, dict):
            raise HttpError(400, "InvalidRequestContent", "tags must be an object of strings.")
        properties = body.get("properties")
        if isinstance(properties, dict):
            properties = canonical_keys(properties, KNOWN_PROPERTIES)
            properties = {k: v for k, v in properties.items() if k not in READ_ONLY_PROPERTIES}
        validate_properties(properties)
        properties = self.credentials.opened(properties)
        with self.store.transaction():
            old = self.store.get_service(params["subscription"], params["resource_group"], params["name"])
            if old is not None:
                self.refuse_read_only(old)
                if normalise(old.location) != normalise(location):
                    raise location_conflict(old.name, old.resource_group, old.location, location)
            properties = self.keep_secrets(properties, old)
            plan_id = self.check_commitment_plan(properties, old)
            now = time.time()
            op = self.operations.start(params["subscription"], location, "create" if old is None else "update")
            if old is not None and op["failed"]:
                old.op_id = op["id"]
                self.store.save_service(old)
                service = old
            else:
                service = StoredService(
                    subscription=old.subscription if old else params["subscription"],
                    resource_group=old.resource_group if old else params["resource_group"],
                    name=old.name if old else params["name"],
                    service_id=old.service_id if old else uuid.uuid4().hex,
                    location=location,
                    tags=tags,
                    properties=properties,
                    created=old.created if old else now,
                    modified=now,
                    op_id=op["id"],
                )
                self.store.save_service(service)
                if old is None and plan_id is not None:
                    self.plans.associate(service, plan_id)
        minimal = {"payloadsInBlobStorage": service.properties.get("payloadsInBlobStorage", False),
                   "provisioningState": "Provisioning"}  # fmt: skip
        return Response(201 if old is None else 200, self.envelope(service, minimal), self.operations.headers(op))

    def keep_secrets(self, properties: dict[str, Any], old: StoredService | None) -> dict[str, Any]:
        """Keys the request leaves out are kept (or generated); so is a storage key for the same account."""
        previous = old.properties if old else {}
        keys = dict(previous.get("keys") or {})
        keys.update({k: v for k, v in (properties.get("keys") or {}).items() if v})
        keys.setdefault("primary", generate_key())
        keys.setdefault("secondary", generate_key())
        properties = {**properties, "keys": keys}
        account, old_account = properties.get("storageAccount"), previous.get("storageAccount")
        if (
            isinstance(account, dict) and not account.get("key") and isinstance(old_account, dict)
            and old_account.get("key") and account.get("name") == old_account.get("name")
        ):  # fmt: skip
            properties["storageAccount"] = {**account, "key": old_account["key"]}
        if old is not None and "commitmentPlan" not in properties and "commitmentPlan" in previous:
            properties["commitmentPlan"] = previous["commitmentPlan"]  # never returned, so never sent back
        return properties

    def check_commitment_plan(self, properties: dict[str, Any], old: StoredService | None) -> str | None:
        """The plan id to associate on creation; HttpError when it is changed or does not exist."""
        plan_id = (properties.get("commitmentPlan") or {}).get("id")
        if old is not None:
            old_id = (old.properties.get("commitmentPlan") or {}).get("id")
            if (plan_id or "").lower() != (old_id or "").lower():
                raise HttpError(
                    400,
                    "BadRequest",
                    "The commitment plan of a web service is set at creation time and cannot be changed.",
                    [{"code": "CommitmentPlanCannotBeChanged", "target": "properties.commitmentPlan.id",
                      "message": f"The web service is associated with {old_id!r}; the request asks for {plan_id!r}."}],
                )  # fmt: skip
            return None
        if plan_id is not None and self.plans.plan_by_id(plan_id) is None:
            raise HttpError(
                400,
                "BadRequest",
                f"The commitment plan '{plan_id}' was not found.",
                [{"code": "CommitmentPlanNotFound", "target": "properties.commitmentPlan.id",
                  "message": f"No commitment plan could be found with the id {plan_id}."}],
            )  # fmt: skip
        return plan_id

    def patch(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        # Nulls are kept until `merge`, which ignores them: `{"x": null}` must merge nothing, not count as {}.
        body = canonical_keys(json_object(request), ("location", "tags", "properties", "name", "id", "type"))
        changes = body.get("properties")
        require_package_type(changes)
        changes = {k: v for k, v in canonical_keys(changes, KNOWN_PROPERTIES).items() if k not in READ_ONLY_PROPERTIES}
        tags = without_nulls(body.get("tags"))
        if tags is not None and not isinstance(tags, dict):
            raise HttpError(400, "InvalidRequestContent", "tags must be an object of strings.")
        with self.store.transaction():
            old = self.existing(request)
            self.refuse_read_only(old)
            properties = merge(old.properties, changes)
            validate_properties(properties)
            properties = self.credentials.opened(properties)
            self.check_commitment_plan(properties, old)
            op = self.operations.start(old.subscription, old.location, "update")
            old.op_id = op["id"]
            if not op["failed"]:
                old.properties = properties
                old.tags = tags if tags is not None else old.tags
                old.modified = time.time()
            self.store.save_service(old)
        return Response(200, self.envelope(old, {"provisioningState": "Provisioning"}), self.operations.headers(op))

    def delete(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        params = request.params
        with self.store.transaction():
            service = self.store.get_service(params["subscription"], params["resource_group"], params["name"])
            location = service.location if service else DEFAULT_LOCATION
            op = self.operations.start(params["subscription"], location, "delete")
            if service is not None and op["failed"]:
                service.op_id = op["id"]
                self.store.save_service(service)
            elif service is not None:
                self.store.delete_service(service)
                self.plans.dissociate(service)
        return Response(202, None, self.operations.headers(op, with_location=True))

    def list_keys(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        keys = self.existing(request).properties.get("keys") or {}
        return Response(200, {"primary": keys.get("primary"), "secondary": keys.get("secondary")})

    def create_regional_blob(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        region = request.query.get("region")
        if not region:
            raise bad_request([("MissingRegion", "region", "The 'region' query parameter is required.")])
        region = known_location(region, WEB_SERVICE_TYPE)
        with self.store.transaction():
            service = self.existing(request)
            op = self.operations.start(service.subscription, service.location, "CreateRegionalBlob")
            self.store.save_regional_copy(service, region, op["id"])
        body = {
            "id": service.name,  # the real provider answers the bare name here
            "name": service.name,
            "type": WEB_SERVICE_TYPE,
            "location": service.location,
            "properties": {"payloadsInBlobStorage": service.properties.get("payloadsInBlobStorage", False),
                           "provisioningState": "Provisioning"},
        }  # fmt: skip
        return Response(202, body, self.operations.headers(op))

    def list_page(self, request: Request, resource_group: str | None) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        token = request.query.get("$skiptoken")
        after = tuple(decode_skiptoken(token)) if token else None
        size = self.context.config.page_size
        services = self.store.list_services(request.params["subscription"], resource_group, after, size + 1)
        page = services[:size]
        body: dict[str, Any] = {
            "value": [self.envelope(service, self.visible_properties(service, SPARSE_PROPERTIES)) for service in page]
        }
        if len(services) > size:
            last = page[-1]
            body["nextLink"] = (
                f"{self.context.base_url}{request.path}?api-version={WEB_SERVICES_API}"
                f"&$skiptoken={encode_skiptoken([last.resource_group, last.name])}"
            )
        return Response(200, body)

    def operation_status(self, request: Request) -> Response:
        check_api_version(request, WEB_SERVICES_API)
        op = self.store.get_operation(request.params["op_id"])
        if op is None or op["subscription"].lower() != request.params["subscription"].lower():
            raise HttpError(404, "NotFound", f"The operation '{request.params['op_id']}' was not found.")
        return Response(200, self.operations.body(op))


PROVIDER_OPERATIONS = [
    ("webServices", "read", "Read any Machine Learning web service"),
    ("webServices", "write", "Create or update any Machine Learning web service"),
    ("webServices", "delete", "Delete any Machine Learning web service"),
    ("webServices", "listKeys", "List the keys of any Machine Learning web service"),
    ("commitmentPlans", "read", "Read any Machine Learning commitment plan"),
    ("commitmentPlans", "write", "Create or update any Machine Learning commitment plan"),
    ("commitmentPlans", "delete", "Delete any Machine Learning commitment plan"),
    ("commitmentPlans/commitmentAssociations", "read", "Read any commitment association"),
    ("commitmentPlans/commitmentAssociations", "move", "Move any commitment association"),
    ("locations/operationsStatus", "read", "Read the status of a long-running operation"),
]


def provider_operations(request: Request) -> Response:
    check_api_version(request, WEB_SERVICES_API, PLANS_API)
    value = [
        {
            "name": f"{PROVIDER}/{resource}/{action}/action" if action in ("listKeys", "move") else
                    f"{PROVIDER}/{resource}/{action}",
            "display": {"provider": "Microsoft Machine Learning", "resource": resource, "operation": action,
                        "description": description},
        }
        for resource, action, description in PROVIDER_OPERATIONS
    ]  # fmt: skip
    return Response(200, {"value": value})


def register(router: Router, context: EmulatorContext, plans: CommitmentPlans) -> None:
    services = WebServices(context, plans)
    add = router.add
    add("GET", "/providers/Microsoft.MachineLearning/operations", provider_operations, arm=True)
    add("GET", WEB_SERVICES + "/{name}/listKeys", services.list_keys, arm=True)
    add("POST", WEB_SERVICES + "/{name}/CreateRegionalBlob", services.create_regional_blob, arm=True)
    add("GET", WEB_SERVICES + "/{name}", services.get, arm=True)
    add("PUT", WEB_SERVICES + "/{name}", services.put, arm=True)
    add("PATCH", WEB_SERVICES + "/{name}", services.patch, arm=True)
    add("DELETE", WEB_SERVICES + "/{name}", services.delete, arm=True)
    add("GET", WEB_SERVICES, lambda request: services.list_page(request, request.params["resource_group"]), arm=True)
    add("GET", SUBSCRIPTION_PREFIX + "/providers/Microsoft.MachineLearning/webServices",
        lambda request: services.list_page(request, None), arm=True)  # fmt: skip
    add("GET", OPERATIONS_AT + "/operationsStatus/{op_id}", services.operation_status, arm=True)
    add("GET", OPERATIONS_AT + "/operationresults/{op_id}", services.operation_status, arm=True)
