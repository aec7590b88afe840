"""Classic (Studio) web services: their management API (`https://{region}management.azureml.net/`) and the
runtime of each of their endpoints.

A workspace holds web services; a web service holds endpoints, the `default` one made with it; each endpoint has
its own runtime URL (ApiLocation), keys, settings and trained model. No Resource Manager, no api-version: bodies are
PascalCase JSON, read case-insensitively. One host serves every region (§7.10): the real management host follows
the workspace's region (`management.azureml.net` for South Central US, `europewest.management.azureml.net`, ...);
the emulator answers the same paths under its one base URL for every workspace and keeps no region.

Management (Authorization: Bearer <workspace authorization token, primary or secondary>):
    GET    /workspaces/{ws}/webservices                              [WebService], oldest first
    GET    /workspaces/{ws}/webservices/{id}                         WebService
    GET    /workspaces/{ws}/webservices/{id}/endpoints               [Endpoint], the default first, keys in clear
    GET    /workspaces/{ws}/webservices/{id}/endpoints/{name}        Endpoint (also with that endpoint's key)
    PUT    /workspaces/{ws}/webservices/{id}/endpoints/{name}        add one: 200 Endpoint
    PATCH  /workspaces/{ws}/webservices/{id}/endpoints/{name}        settings and trained models: 200 Endpoint
                                                                     (also with that endpoint's key)
    POST   /workspaces/{ws}/webservices/{id}/endpoints/{name}/refresh  {"OverwriteResources": "True"|false}:
                                                                     200 Endpoint, or 304 when nothing changes
    DELETE /workspaces/{ws}/webservices/{id}/endpoints/{name}        204
    GET    /workspaces/{ws}/webservices/{id}/endpoints/{name}/apidocument   the runtime's swagger
Runtime, at each endpoint's ApiLocation `/workspaces/{ws}/services/{endpoint id}`, with that endpoint's keys: BES
(`/jobs...`) and RRS (`/execute`) exactly as a New web service's (toolkit.emulator.runtime), running the definition
the endpoint is pinned to and scoring with its trained model.

Seeding (admin, no token; Studio published these services, no management call creates one):
    PUT /_emulator/classic/workspaces/{ws}
        {"Name", "Tier": "Standard"|"Free", "PrimaryToken"?, "SecondaryToken"?}
        -> 201 (200 again) {"Id", "Name", "Tier", "AuthorizationToken": {"PrimaryToken", "SecondaryToken"}}
    PUT /_emulator/classic/workspaces/{ws}/webservices/{id}
        {"Name", "Description"?, "Definition": a New web service's definition ({"properties": {...}}, secrets
        resolved; its location and tags are not used)} -> 201 WebService, with its default endpoint; 200 again:
        a republish, which the default endpoint follows and other endpoints take on Refresh.
A predictive service is one with a "... [trained model]" asset (its endpoints' updatable resource); a training
service's endpoints have none.

Where the real service's answer is unknown, the choice is commented where it is made, with the number of the open
question of §7 in the research note on classic endpoints. Errors are the swagger's envelope, {"error": {"code",
"message"}}, with the HTTP status as its class (§7.2).
"""

from __future__ import annotations

import copy
import re
import secrets
import time
import uuid
from dataclasses import replace
from typing import Any

from toolkit import storage
from toolkit.emulator.arm import generate_key
from toolkit.emulator.classic_state import FREE, STANDARD, ClassicState, Endpoint, WebService, Workspace, guid
from toolkit.emulator.classic_swagger import api_document
from toolkit.emulator.conventions import json_object, member, without_nulls
from toolkit.emulator.router import EmulatorContext, HttpError, Request, Response, Router
from toolkit.emulator.runtime import MODEL_EXTENSION, Runtime, Served, trained_models
from toolkit.emulator.training import LinearModel
from toolkit.emulator.validation import validate_properties
from toolkit.errors import MlwsError

SERVICES = "/workspaces/{workspace}/webservices"
ENDPOINTS = SERVICES + "/{service}/endpoints"
ENDPOINT = ENDPOINTS + "/{endpoint}"
RUNTIME_BASE = "/workspaces/{workspace}/services/{endpoint_id}"
ADMIN = "/_emulator/classic/workspaces/{workspace}"

DEFAULT_ENDPOINT = "default"
# The swagger's rule: at most 24 characters, digits and lower-case letters, hyphens except first and last.
ENDPOINT_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?")
MAX_DESCRIPTION = 2000
FREE_ENDPOINTS = 3  # per web service on a free workspace, the default one included
THROTTLE_LEVELS = {"low": "Low", "high": "High"}
TRACE_LEVELS = {"none": "None", "error": "Error", "all": "All"}
CALLS_CAP = {"Low": 4, "High": 200}
# The swagger's defaults: 4 on a free workspace, 20 on a paid one. Low caps at 4, so 20 can only be High's.
CALLS_DEFAULT = {"Low": 4, "High": 20}
TRAINED_MODEL_KIND = "TrainedModel"


def classic_time(epoch: float) -> str:
    """UTC with milliseconds, as the service wrote CreationTime (2016-01-29T13:27:14.153Z)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body is {}); 400 RequestBodyInvalid otherwise."""
    try:
        body = request.json()
    except HttpError:
        raise HttpError(400, "RequestBodyInvalid", "The request body is not valid JSON.") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise HttpError(400, "RequestBodyInvalid", "The request body must be a JSON object.")
    return body


def text(body: dict[str, Any], name: str) -> str | None:
    value = member(body, name)
    if value is not None and not isinstance(value, str):
        raise HttpError(400, "RequestBodyInvalid", f"{name} must be a string.")
    return value


def flag(body: dict[str, Any], name: str) -> bool | None:
    """A boolean field: true/false, or the strings "True"/"False" that .NET clients write (§7.5)."""
    value = member(body, name)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is not None and not isinstance(value, bool):
        raise HttpError(400, "RequestBodyInvalid", f"{name} must be true or false, got {value!r}.")
    return value


def choice(body: dict[str, Any], name: str, allowed: dict[str, str]) -> str | None:
    """An enum field compared without regard to case (PowerShell's ValidateSet lets `high` through)."""
    value = text(body, name)
    if value is not None and value.lower() not in allowed:
        raise HttpError(400, "RequestBodyInvalid", f"{name} must be one of {', '.join(allowed.values())}.")
    return None if value is None else allowed[value.lower()]


def concurrent_calls(body: dict[str, Any]) -> int | None:
    """MaxConcurrentCalls as an integer, a numeric string (the docs' sample declares it a string) or null."""
    value = member(body, "MaxConcurrentCalls")
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise HttpError(
            400,
            "WebServiceConcurrentRequestRequirementInvalid",
            f"MaxConcurrentCalls must be a whole number, got {value!r}.",
        )
    return value


class Classic:
    def __init__(self, context: EmulatorContext) -> None:
        self.context = context
        self.state = ClassicState(context.store)

    # -- finding what a request names, and who may ask --------------------------------------------------

    def workspace_of(self, request: Request) -> Workspace:
        workspace_id = guid(request.params["workspace"])
        workspace = self.state.workspace(workspace_id) if workspace_id else None
        if workspace is None:
            raise HttpError(404, "WorkspaceNotFound", f"Workspace {request.params['workspace']} was not found.")
        return workspace

    def authorise(self, request: Request, workspace: Workspace, endpoint: Endpoint | None = None) -> None:
        """The workspace's tokens, or `endpoint`'s own keys where the operation takes them.

        §7.3: an endpoint's key works for GET and PATCH of that endpoint only (the swagger allows it for GET, the
        Update Resource docs and samples PATCH with it); refresh, delete, add and lists need a workspace token.
        `x-ms-metaanalytics-authorizationtoken` is the Studio API's header, not read here.
        """
        allowed = set(workspace.tokens) | set(endpoint.keys if endpoint else ())
        if request.bearer_token() not in allowed:
            raise HttpError(
                401,
                "ManagementRequestUnauthorized",
                "Send the workspace's authorization token (or, where allowed, the endpoint's key) "
                "as 'Authorization: Bearer <token>'.",
            )

    def web_service_in(self, request: Request, workspace: Workspace) -> WebService:
        given = request.params["service"]
        service_id = guid(given)
        if service_id is None:
            raise HttpError(400, "WebServiceIdInvalid", f"The web service id {given!r} is not a valid GUID.")
        service = self.state.web_service(service_id)
        if service is None:
            raise HttpError(404, "WebServiceNotFound", f"Web service {service_id} was not found.")
        if service.workspace_id != workspace.id:
            raise HttpError(
                404, "WebServiceIdNotFoundInWorkspace", f"Web service {service_id} is not in workspace {workspace.id}."
            )
        return service

    def endpoint_in(self, request: Request, service: WebService) -> Endpoint:
        # §7.6: an endpoint's id (in its ApiLocation and apidocument URL) is taken wherever its name is: an id has
        # 32 characters and a name at most 24, so the two never meet.
        endpoint = self.state.endpoint(service.id, request.params["endpoint"])
        if endpoint is None:
            raise HttpError(
                404, "EndpointNotFound", f"Web service {service.id} has no endpoint {request.params['endpoint']!r}."
            )
        return endpoint

    def service_target(self, request: Request) -> tuple[Workspace, WebService]:
        workspace = self.workspace_of(request)
        self.authorise(request, workspace)
        return workspace, self.web_service_in(request, workspace)

    def endpoint_target(self, request: Request, *, key_allowed: bool = False) -> tuple[Workspace, WebService, Endpoint]:
        workspace = self.workspace_of(request)
        asked = None
        if key_allowed:  # looked up quietly: a caller who may not ask learns nothing but 401
            service_id = guid(request.params["service"])
            asked = self.state.endpoint(service_id, request.params["endpoint"]) if service_id else None
        self.authorise(request, workspace, asked)
        service = self.web_service_in(request, workspace)
        return workspace, service, self.endpoint_in(request, service)

    # -- what GET shows ---------------------------------------------------------------------------------

    def web_service_json(self, service: WebService) -> dict[str, Any]:
        return {
            "Id": service.id,
            "Name": service.name,
            "Description": service.description,
            "CreationTime": classic_time(service.created),
            "WorkspaceId": service.workspace_id,
            "DefaultEndpointName": DEFAULT_ENDPOINT,
            "EndpointCount": len(self.state.endpoints(service.id)),
        }

    def api_location(self, service: WebService, endpoint: Endpoint) -> str:
        return f"{self.context.base_url}/workspaces/{service.workspace_id}/services/{endpoint.id}"

    def endpoint_json(self, service: WebService, endpoint: Endpoint) -> dict[str, Any]:
        properties, pinned = definition_of(service, endpoint)
        # §7.4: Version is when the endpoint's model was last defined: the publish it runs, or a later PATCH of
        # its trained model.
        version = max([pinned, *(resource["at"] for resource in endpoint.patched.values())])
        primary, secondary = endpoint.keys
        return {
            "Name": endpoint.name,
            "Description": endpoint.description,
            "CreationTime": classic_time(endpoint.created),
            "WorkspaceId": service.workspace_id,
            "WebServiceId": service.id,
            # Not served: the real one is Studio's help page. It maps to the apidocument URL as the R client maps
            # the real one (drop "apihelp/", add "/apidocument").
            "HelpLocation": f"{self.context.base_url}/apihelp/workspaces/{service.workspace_id}"
            f"/webservices/{service.id}/endpoints/{endpoint.id}",
            "PrimaryKey": primary,
            "SecondaryKey": secondary,
            "ApiLocation": self.api_location(service, endpoint),
            "Version": classic_time(version),
            "MaxConcurrentCalls": endpoint.max_concurrent_calls,
            "DiagnosticsTraceLevel": endpoint.diagnostics_trace_level,
            "ThrottleLevel": endpoint.throttle_level,
            "Resources": [
                {"Name": name, "Kind": TRAINED_MODEL_KIND, "Location": location}
                for name, location in resources_of(properties, endpoint).items()
            ],
            # §7.7: the graph services' fields are always there. No Studio, so no experiment to link to.
            "PreventUpdate": endpoint.prevent_update,
            "SampleDataEnabled": bool(member(properties, "exposeSampleData")),
            "ExperimentLocation": None,
        }

    # -- management handlers ----------------------------------------------------------------------------

    # §7.8: an empty list is 200 [] (never 204 with no body, which one client reads as "not found").
    def list_web_services(self, request: Request) -> Response:
        with self.context.store.transaction():
            workspace = self.workspace_of(request)
            self.authorise(request, workspace)
            return Response(200, [self.web_service_json(s) for s in self.state.web_services(workspace.id)])

    def get_web_service(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service = self.service_target(request)
            return Response(200, self.web_service_json(service))

    def list_endpoints(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service = self.service_target(request)
            return Response(200, [self.endpoint_json(service, e) for e in self.state.endpoints(service.id)])

    def get_endpoint(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service, endpoint = self.endpoint_target(request, key_allowed=True)
            return Response(200, self.endpoint_json(service, endpoint))

    def api_document(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service, endpoint = self.endpoint_target(request)
            return Response(200, self.swagger(service, endpoint))

    def runtime_swagger(self, request: Request) -> Response:
        """GET {ApiLocation}/swagger.json: the same document, without a key (the real one lists no security)."""
        with self.context.store.transaction():
            target = self.runtime_target(request)
            if target is None:
                raise HttpError(404, "NotFound", f"No endpoint answers at {request.path}.")
            return Response(200, self.swagger(*target))

    def swagger(self, service: WebService, endpoint: Endpoint) -> dict[str, Any]:
        properties, _ = definition_of(service, endpoint)
        return api_document(
            properties,
            self.api_location(service, endpoint),
            title=service.name,
            description=service.description,
            endpoint_name=endpoint.name,
            endpoint_description=endpoint.description,
        )

    def add_endpoint(self, request: Request) -> Response:
        name = request.params["endpoint"]
        with self.context.store.transaction():
            workspace, service = self.service_target(request)
            body = body_of(request)
            if not ENDPOINT_NAME.fullmatch(name):
                raise HttpError(
                    400,
                    "InvalidEndpointName",
                    f"Endpoint name {name!r} must be 1 to 24 digits, lower-case letters and hyphens, "
                    "with no hyphen first or last.",
                )
            self.check_body_names(body, service, name)
            settings = endpoint_settings(body, workspace, None)
            existing = self.state.endpoints(service.id)
            if any(endpoint.name == name for endpoint in existing):
                # §7.1: adding a name that exists is refused, not an update; 400, since the swagger's error classes
                # have no 409.
                raise HttpError(
                    400, "EndpointAlreadyExists", f"Web service {service.id} already has endpoint {name!r}."
                )
            if name == DEFAULT_ENDPOINT:
                raise HttpError(400, "InvalidEndpointName", f"{name!r} is reserved for the default endpoint.")
            if workspace.tier == FREE and len(existing) >= FREE_ENDPOINTS:
                # §7.2/§7.14: the emulator models free workspaces (a seed's "Tier"); 403, a request the tier forbids.
                raise HttpError(
                    403,
                    "EndpointLimitReached",
                    f"A web service of a free workspace has at most {FREE_ENDPOINTS} endpoints, the default included.",
                )
            # A new endpoint copies the web service's current model and stays on it until Refresh.
            endpoint = new_endpoint(service, name, settings, default=False)
            self.state.save_endpoint(endpoint)
            return Response(200, self.endpoint_json(service, endpoint))

    def check_body_names(self, body: dict[str, Any], service: WebService, name: str) -> None:
        """AzureMLPS repeats the URL's WebServiceId and EndpointName in the body: they must agree with it."""
        service_id, endpoint_name = text(body, "WebServiceId"), text(body, "EndpointName")
        if service_id is not None and guid(service_id) != service.id:
            raise HttpError(400, "RequestBodyInvalid", f"WebServiceId {service_id!r} is not the URL's {service.id}.")
        if endpoint_name is not None and endpoint_name != name:
            raise HttpError(400, "RequestBodyInvalid", f"EndpointName {endpoint_name!r} is not the URL's {name!r}.")

    def patch_endpoint(self, request: Request) -> Response:
        with self.context.store.transaction():
            workspace, service, endpoint = self.endpoint_target(request, key_allowed=True)
            body = body_of(request)
            settings = endpoint_settings(body, workspace, endpoint)
            locations = wanted_resources(body, service, endpoint)
        # §7.4: the blob is read (and copied) now, outside the store's lock: an unreadable one is refused, and a
        # SAS that expires later does not matter, as in the real service (its docs: a fresh SAS is needed only
        # while the update runs).
        models = {name: read_model(location) for name, location in locations.items()}
        with self.context.store.transaction():
            _, service, endpoint = self.endpoint_target(request, key_allowed=True)  # as it is now
            now = time.time()
            patched = dict(endpoint.patched)
            for name, location in locations.items():
                patched[name] = {
                    # §7.4: GET shows the new location at once, without its SAS.
                    "Location": {**location, "SasBlobToken": None},
                    "at": now,
                    "models": switch_model(patched.get(name), self.state.save_model(models[name]), now, self.delay()),
                }
            endpoint = replace(endpoint, **settings, patched=patched)
            self.state.save_endpoint(endpoint)
            return Response(200, self.endpoint_json(service, endpoint))

    def delay(self) -> float:
        """How long a patched endpoint keeps its old model (§7.4; the docs say about 30 s): EmulatorConfig
        patch_seconds, or PUT /_emulator/faults {"patchSeconds": 30} while the emulator runs."""
        return self.context.faults.patch_seconds

    def refresh_endpoint(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service, endpoint = self.endpoint_target(request)
            overwrite = bool(flag(body_of(request), "OverwriteResources"))
            if endpoint.default:
                raise default_not_updatable(endpoint)
            if endpoint.prevent_update:
                # §7.5: PreventUpdate is read as the guard against Refresh (its meaning is undocumented).
                raise HttpError(
                    403, "EndpointUpdatePrevented", f"Endpoint {endpoint.name!r} was added with PreventUpdate."
                )
            # §7.5: 304 when the endpoint already runs the web service's current publish and, when resources are to
            # be overwritten, has none replaced. OverwriteResources false keeps its patched trained models.
            if endpoint.pinned == service.version and not (overwrite and endpoint.patched):
                return Response(304)
            names = {name for name, _ in trained_models(service.properties)}
            patched = {} if overwrite else {n: r for n, r in endpoint.patched.items() if n in names}
            endpoint = replace(
                endpoint, pinned=service.version, properties=copy.deepcopy(service.properties), patched=patched
            )
            self.state.save_endpoint(endpoint)
            return Response(200, self.endpoint_json(service, endpoint))

    def delete_endpoint(self, request: Request) -> Response:
        with self.context.store.transaction():
            _, service, endpoint = self.endpoint_target(request)
            # §7.2: the default endpoint goes only once it is the last (the docs: not while others exist); the web
            # service stays, and a republish makes a new default endpoint.
            if endpoint.default and len(self.state.endpoints(service.id)) > 1:
                raise HttpError(
                    403,
                    "DefaultEndpointInUse",
                    "The default endpoint cannot be deleted while the web service has other endpoints.",
                )
            self.state.delete_endpoint(endpoint)
        return Response(204)  # §7.1

    # -- the runtime --------------------------------------------------------------------------------------

    def runtime_target(self, request: Request) -> tuple[WebService, Endpoint] | None:
        """The endpoint (and its web service) whose ApiLocation a runtime request is under."""
        endpoint = self.state.endpoint_by_id(request.params["endpoint_id"])
        service = self.state.web_service(endpoint.service_id) if endpoint else None
        if endpoint is None or service is None or service.workspace_id != guid(request.params["workspace"]):
            return None
        return service, endpoint

    def served(self, request: Request) -> Served | None:
        """What an endpoint's ApiLocation runs: its pinned definition, its keys, its trained model now."""
        with self.context.store.transaction():
            target = self.runtime_target(request)
            if target is None:
                return None
            service, endpoint = target
            properties, _ = definition_of(service, endpoint)
            models = trained_models(properties)
            scoring = current_model(endpoint.patched.get(models[0][0])) if models else None
            return Served(
                scope=(service.workspace_id, endpoint.id),
                properties=properties,
                keys=frozenset(endpoint.keys),
                model=self.state.model(scoring) if scoring else None,
            )

    # -- seeding ------------------------------------------------------------------------------------------

    def seed_workspace(self, request: Request) -> Response:
        workspace_id = guid(request.params["workspace"])
        if workspace_id is None:
            raise HttpError(400, "MissingWorkspaceId", "A workspace id is a GUID (32 hex digits).")
        body = json_object(request)
        name = text(body, "Name")
        tier = choice(body, "Tier", {FREE.lower(): FREE, STANDARD.lower(): STANDARD}) or STANDARD
        if not name:
            raise HttpError(400, "RequestBodyInvalid", "A workspace needs a Name.")
        with self.context.store.transaction():
            old = self.state.workspace(workspace_id)
            tokens = old.tokens if old else [secrets.token_hex(16), secrets.token_hex(16)]
            tokens = [text(body, "PrimaryToken") or tokens[0], text(body, "SecondaryToken") or tokens[1]]
            workspace = Workspace(workspace_id, name, tier, tokens, old.created if old else time.time())
            self.state.save_workspace(workspace)
        shown = {"Id": workspace.id, "Name": workspace.name, "Tier": workspace.tier,
                 "AuthorizationToken": {"PrimaryToken": tokens[0], "SecondaryToken": tokens[1]}}  # fmt: skip
        return Response(200 if old else 201, shown)

    def seed_web_service(self, request: Request) -> Response:
        body = json_object(request)
        with self.context.store.transaction():
            workspace = self.workspace_of(request)
            service_id = guid(request.params["service"])
            if service_id is None:
                raise HttpError(400, "WebServiceIdInvalid", "A web service id is a GUID (32 hex digits).")
            old = self.state.web_service(service_id)
            if old is not None and old.workspace_id != workspace.id:
                raise HttpError(400, "WebServiceIdInvalid", f"Web service {service_id} is in another workspace.")
            name, description = text(body, "Name"), text(body, "Description")
            definition = member(body, "Definition")
            if not name or not isinstance(definition, dict):
                raise HttpError(400, "RequestBodyInvalid", "A web service needs a Name and a Definition object.")
            properties = without_nulls(member(definition, "properties"))
            validate_properties(properties)  # what the New provider refuses, refused here too
            for _, uri in trained_models(properties):
                asset_location(properties, uri)
            now = time.time()
            service = WebService(
                service_id, workspace.id, name, description, properties, old.created if old else now, now
            )
            self.state.save_web_service(service)
            if not any(endpoint.default for endpoint in self.state.endpoints(service.id)):
                # The swagger's defaults for the default endpoint: 20 concurrent calls on a paid workspace, 4 on a free.
                level = "Low" if workspace.tier == FREE else "High"
                settings = {"throttle_level": level, "max_concurrent_calls": CALLS_DEFAULT[level]}
                self.state.save_endpoint(new_endpoint(service, DEFAULT_ENDPOINT, settings, default=True))
            return Response(200 if old else 201, self.web_service_json(service))


def new_endpoint(service: WebService, name: str, settings: dict[str, Any], *, default: bool) -> Endpoint:
    values = {"description": None, "diagnostics_trace_level": "None", "prevent_update": False, **settings}
    return Endpoint(
        id=uuid.uuid4().hex,
        service_id=service.id,
        name=name,
        created=time.time(),
        keys=[generate_key(), generate_key()],
        default=default,
        pinned=None if default else service.version,
        properties=None if default else copy.deepcopy(service.properties),
        **values,
    )


def endpoint_settings(body: dict[str, Any], workspace: Workspace, endpoint: Endpoint | None) -> dict[str, Any]:
    """The settings a PUT (`endpoint` None) or a PATCH body asks for, checked; a PATCH keeps what it leaves out."""
    changes: dict[str, Any] = {}
    description = text(body, "Description")
    if description is not None:
        if len(description) > MAX_DESCRIPTION:
            raise HttpError(400, "RequestBodyInvalid", f"Description is longer than {MAX_DESCRIPTION} characters.")
        changes["description"] = description
    trace = choice(body, "DiagnosticsTraceLevel", TRACE_LEVELS)
    if trace is not None:
        changes["diagnostics_trace_level"] = trace
    if endpoint is None:
        changes["prevent_update"] = bool(flag(body, "PreventUpdate"))
    asked_level = choice(body, "ThrottleLevel", THROTTLE_LEVELS)
    level = asked_level or (endpoint.throttle_level if endpoint else "Low")
    if level == "High" and workspace.tier == FREE:
        raise HttpError(403, "ThrottleLevelNotAvailable", "ThrottleLevel High needs a Standard (paid) workspace.")
    calls = concurrent_calls(body)
    if calls is None:  # a new level starts at its default; otherwise the count stays
        calls = CALLS_DEFAULT[level] if endpoint is None or asked_level else endpoint.max_concurrent_calls
    # §7.2: the lower bound is 1 (the AzureMLPS README's range; the scaling doc's 20 reads as High's default).
    if calls < 1:
        raise HttpError(
            400, "WebServiceConcurrentRequestRequirementInvalid", f"MaxConcurrentCalls must be at least 1, got {calls}."
        )
    if calls > CALLS_CAP[level]:
        raise HttpError(
            400,
            "WebServiceTooManyConcurrentRequestRequirement",
            f"MaxConcurrentCalls cannot be more than {CALLS_CAP[level]} with ThrottleLevel {level}, got {calls}.",
        )
    return {**changes, "throttle_level": level, "max_concurrent_calls": calls}


def definition_of(service: WebService, endpoint: Endpoint) -> tuple[dict[str, Any], float]:
    """The definition an endpoint runs and the version it is: the default endpoint's is its web service's."""
    if endpoint.properties is None or endpoint.pinned is None:
        return service.properties, service.version
    return endpoint.properties, endpoint.pinned


def asset_location(properties: dict[str, Any], uri: str) -> dict[str, Any]:
    """A trained-model asset's URI as an endpoint resource's Location (the blob is read with the storage key)."""
    account = member(properties, "storageAccount") or {}
    try:
        blob_account, relative = storage.account_for_url(uri, member(account, "name") or "", member(account, "key"))
    except MlwsError as exc:
        raise HttpError(400, "RequestBodyInvalid", f"The trained model {uri.split('?', 1)[0]}: {exc.message}") from None
    return {"BaseLocation": blob_account.base_location, "RelativeLocation": relative, "SasBlobToken": None}


def resources_of(properties: dict[str, Any], endpoint: Endpoint) -> dict[str, dict[str, Any]]:
    """Each updatable resource's Location: the one a PATCH gave, else its definition's asset's."""
    return {
        name: endpoint.patched[name]["Location"] if name in endpoint.patched else asset_location(properties, uri)
        for name, uri in trained_models(properties)
    }


def default_not_updatable(endpoint: Endpoint) -> HttpError:
    # §7.2: 403, a request this endpoint forbids. Its settings may still be patched (the portal set the default
    # endpoint's logging and throttling); its model follows its web service's publishes.
    return HttpError(
        403,
        "DefaultEndpointNotUpdatable",
        f"The default endpoint {endpoint.name!r} follows its web service: its trained model cannot be replaced "
        "and it cannot be refreshed. Add an endpoint and patch that one.",
    )


def wanted_resources(body: dict[str, Any], service: WebService, endpoint: Endpoint) -> dict[str, dict[str, str]]:
    """The PATCH's Resources, checked: resource name -> the Location to read its new model from (§7.4: merged by
    Name; the others keep theirs)."""
    resources = member(body, "Resources")
    if resources is None or resources == []:
        return {}
    if not isinstance(resources, list) or not all(isinstance(item, dict) for item in resources):
        raise HttpError(400, "RequestBodyInvalid", "Resources must be a list of objects.")
    if endpoint.default:
        raise default_not_updatable(endpoint)
    properties, _ = definition_of(service, endpoint)
    names = [name for name, _ in trained_models(properties)]
    if not names:  # a training service's endpoints
        raise HttpError(403, "NoUpdatableResources", f"Endpoint {endpoint.name!r} has no updatable resources.")
    wanted = {}
    for item in resources:
        name, kind = text(item, "Name"), text(item, "Kind")
        # §7.2: names match exactly, case included (a mismatch lists the names there are).
        if name not in names:
            raise HttpError(
                400,
                "InvalidWebServiceResources",
                f"Endpoint {endpoint.name!r} has no resource {name!r}; its resources: {', '.join(map(repr, names))}.",
            )
        if kind is not None and kind.lower() != TRAINED_MODEL_KIND.lower():
            raise HttpError(400, "InvalidWebServiceResources", f"Resource Kind must be {TRAINED_MODEL_KIND}.")
        wanted[name] = blob_location(member(item, "Location"), name)
    return wanted


def blob_location(location: Any, name: str) -> dict[str, str]:
    """A resource's Location: BaseLocation and RelativeLocation of an .ilearner blob, and a SasBlobToken to read it
    (without one the blob is read anonymously). §7.4: a ConnectionString (samples send null) is not used."""
    fields = {key: text(location, key) if isinstance(location, dict) else None for key in
              ("BaseLocation", "RelativeLocation", "SasBlobToken")}  # fmt: skip
    base, relative = fields["BaseLocation"], fields["RelativeLocation"]
    if not base or not re.match(r"https?://", base) or not relative:
        raise HttpError(
            400,
            "InvalidWebServiceResources",
            f"Resource {name!r} needs a Location with BaseLocation and RelativeLocation.",
        )
    if not relative.lower().endswith(MODEL_EXTENSION):
        raise HttpError(
            400, "InvalidWebServiceResources", f"Resource {name!r}: {relative} is not a {MODEL_EXTENSION} blob."
        )
    return {"BaseLocation": base, "RelativeLocation": relative, "SasBlobToken": fields["SasBlobToken"] or ""}


def read_model(location: dict[str, str]) -> bytes:
    """The trained model a Location names, read as the service would; 400 when it is not one it can read.

    §7.2: UpdateWebServiceResourceFailed is in the 500 class of the error-code list, but the emulator answers 400:
    the request, not the service, is at fault, and a 500 invites clients to send it again."""
    sas = location["SasBlobToken"]
    url = f"{location['BaseLocation'].rstrip('/')}/{location['RelativeLocation'].lstrip('/')}"
    try:
        data = storage.download_url(url + ("?" + sas.lstrip("?") if sas else ""))
        LinearModel.from_bytes(data)
    except MlwsError as exc:
        raise HttpError(
            400, "UpdateWebServiceResourceFailed", f"The trained model cannot be read: {exc.message}"
        ) from None
    except ValueError as exc:
        raise HttpError(400, "UpdateWebServiceResourceFailed", f"{url} is not a trained model: {exc}") from None
    return data


def switch_model(resource: dict[str, Any] | None, digest: str, now: float, delay: float) -> list[dict[str, Any]]:
    """A resource's models after a PATCH: the one it scores with now (if patched before), any still to come, and
    the new one, from `delay` seconds on."""
    models = list(resource["models"]) if resource else []
    started = [index for index, model in enumerate(models) if model["from"] <= now]
    kept = models[started[-1] :] if started else models
    return [*kept, {"sha256": digest, "from": now + delay}]


def current_model(resource: dict[str, Any] | None) -> str | None:
    """The copy a patched resource scores with now; None: its definition's asset (no PATCH has taken effect)."""
    now = time.time()
    started = [model["sha256"] for model in (resource or {}).get("models", []) if model["from"] <= now]
    return started[-1] if started else None


def register(router: Router, context: EmulatorContext, runtime: Runtime) -> None:
    """The management routes, the endpoints' runtime (through `runtime`) and the seeding routes."""
    classic = Classic(context)
    add = router.add
    add("GET", SERVICES, classic.list_web_services)
    add("GET", SERVICES + "/{service}", classic.get_web_service)
    add("GET", ENDPOINTS, classic.list_endpoints)
    add("GET", ENDPOINT, classic.get_endpoint)
    add("PUT", ENDPOINT, classic.add_endpoint)
    add("PATCH", ENDPOINT, classic.patch_endpoint)
    add("DELETE", ENDPOINT, classic.delete_endpoint)
    add("POST", ENDPOINT + "/refresh", classic.refresh_endpoint)
    add("GET", ENDPOINT + "/apidocument", classic.api_document)
    runtime.serve(router, RUNTIME_BASE, classic.served)
    add("GET", RUNTIME_BASE + "/swagger.json", classic.runtime_swagger)
    add("PUT", ADMIN, classic.seed_workspace)
    add("PUT", ADMIN + "/webservices/{service}", classic.seed_web_service)
