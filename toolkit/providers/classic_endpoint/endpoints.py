"""What the `mlws classic service ...` and `mlws classic endpoint ...` commands call (the AzureMLPS cmdlets
Get-AmlWebService and Get-/Add-/Remove-/Refresh-/Patch-AmlWebServiceEndpoint).

Everything a rule can refuse is refused before anything is sent: the endpoint name, the throttle level and
its concurrency, the default endpoint (it follows the web service and cannot be patched or refreshed),
a training service's endpoints (they have no trained-model resource), a resource name the endpoint does not
have, a model blob that is not there. Keys are masked unless asked for (the API returns them in clear); a
SAS token comes from the environment only and is never shown.
"""

from __future__ import annotations

import json
import os
from typing import Any

from toolkit.errors import BadInput, MlwsError, Refused
from toolkit.operation import OperationResult
from toolkit.preview import Confirm, RequestPreview, guard_creation
from toolkit.providers.classic_endpoint.client import Management, masked_keys
from toolkit.providers.classic_endpoint.definition import MAX_CALLS
from toolkit.providers.classic_endpoint.models import SWITCH_NOTE
from toolkit.providers.classic_endpoint.target import DEFAULT_ENDPOINT, ClassicTarget, resolve_classic_target
from toolkit.redact import MASK
from toolkit.result import Column, Listing, Shown


def _connect(workspace, location, service=None, name=None, require=("service",)) -> Management:
    target = resolve_classic_target(workspace=workspace, location=location, service=service, name=name, require=require)
    return Management.connect(target)


# -- what the commands show ----------------------------------------------------------------------------------


def _masked(endpoint: dict[str, Any], show: bool) -> dict[str, Any]:
    return endpoint if show else masked_keys(endpoint)


def model_location(resource: dict[str, Any]) -> str:
    """A trained-model resource's blob, as base + relative location (never its SAS)."""
    location = resource.get("Location") or {}
    base = str(location.get("BaseLocation") or "")
    relative = str(location.get("RelativeLocation") or "")
    return f"{base.rstrip('/')}/{relative.lstrip('/')}" if base or relative else ""


def _models(endpoint: dict[str, Any]) -> str:
    return ", ".join(model_location(r) or "(none)" for r in endpoint.get("Resources") or [] if isinstance(r, dict))


SERVICE_COLUMNS = (
    Column("ID", lambda service: str(service.get("Id") or "")),
    Column("NAME", lambda service: str(service.get("Name") or "")),
    Column(
        "ENDPOINTS",
        lambda service: str(service.get("EndpointCount") if service.get("EndpointCount") is not None else ""),
    ),
    Column("CREATED", lambda service: str(service.get("CreationTime") or "")),
)
ENDPOINT_COLUMNS = (
    Column("NAME", lambda endpoint: str(endpoint.get("Name") or "")),
    Column("THROTTLE", lambda endpoint: str(endpoint.get("ThrottleLevel") or "")),
    Column("CALLS", lambda endpoint: str(endpoint.get("MaxConcurrentCalls") or "")),
    Column("TRAINED MODEL", _models),
)


def _lines(rows: list[tuple[str, Any]]) -> str:
    return "\n".join(f"{label + ':':<15}{value}" for label, value in rows if value not in (None, ""))


def endpoint_text(endpoint: dict[str, Any]) -> str:
    resources = [r for r in endpoint.get("Resources") or [] if isinstance(r, dict)]
    return _lines([
        ("name", endpoint.get("Name")),
        ("description", endpoint.get("Description")),
        ("web service", endpoint.get("WebServiceId")),
        ("throttle", endpoint.get("ThrottleLevel")),
        ("max calls", endpoint.get("MaxConcurrentCalls")),
        ("diagnostics", endpoint.get("DiagnosticsTraceLevel")),
        ("version", endpoint.get("Version")),
        ("api", endpoint.get("ApiLocation")),
        *(("resource", f"{r.get('Name')}: {model_location(r) or '(none)'}") for r in resources),
        ("primary key", endpoint.get("PrimaryKey")),
    ])  # fmt: skip


def list_services(*, workspace: str | None, location: str | None) -> Listing:
    """Get-AmlWebService without -WebServiceId: the workspace's web services."""
    found = _connect(workspace, location, require=()).list_services()
    return Listing(found, SERVICE_COLUMNS, empty="no web services in the workspace")


def show_service(*, workspace: str | None, location: str | None, service: str | None) -> Shown:
    """Get-AmlWebService -WebServiceId."""
    found = _connect(workspace, location, service).service()
    text = _lines([
        ("id", found.get("Id")), ("name", found.get("Name")), ("description", found.get("Description")),
        ("endpoints", found.get("EndpointCount")), ("default", found.get("DefaultEndpointName")),
        ("created", found.get("CreationTime")),
    ])  # fmt: skip
    return Shown(found, text)


def list_endpoints(*, workspace: str | None, location: str | None, service: str | None, show: bool) -> Listing:
    """Get-AmlWebServiceEndpoint without -EndpointName; keys masked unless `show`."""
    found = [_masked(endpoint, show) for endpoint in _connect(workspace, location, service).list_endpoints()]
    return Listing(found, ENDPOINT_COLUMNS, empty="no endpoints")


def show_endpoint(
    *, workspace: str | None, location: str | None, service: str | None, name: str | None, show: bool
) -> Shown:
    """Get-AmlWebServiceEndpoint -EndpointName; keys masked unless `show`."""
    found = _masked(_connect(workspace, location, service, name, ("service", "name")).endpoint(), show)
    return Shown(found, endpoint_text(found))


# -- changes -------------------------------------------------------------------------------------------------


def endpoint_settings(
    *, description: str | None, throttle_level: str | None, max_concurrent_calls: int | None
) -> dict[str, Any]:
    """The settings of an add (or a patch) as the API takes them, checked by its rules."""
    settings: dict[str, Any] = {}
    if description is not None:
        if len(description) > 2000:
            raise BadInput(f"--description is {len(description)} characters long; the service takes at most 2000")
        settings["Description"] = description
    level = None
    if throttle_level is not None:
        level = next((known for known in MAX_CALLS if known.lower() == throttle_level.lower()), None)
        if level is None:
            raise BadInput(f"--throttle-level {throttle_level!r}: give Low or High")
        settings["ThrottleLevel"] = level
    if max_concurrent_calls is not None:
        cap = MAX_CALLS[level or "Low"]
        if not 1 <= max_concurrent_calls <= cap:
            raise BadInput(
                f"--max-concurrent-calls {max_concurrent_calls}: with --throttle-level {level or 'Low'} it is 1 to "
                f"{cap}" + ("" if level == "High" else " (High allows up to 200, on a Standard workspace)")
            )
        settings["MaxConcurrentCalls"] = max_concurrent_calls
    return settings


def add_endpoint(
    *,
    workspace: str | None,
    location: str | None,
    service: str | None,
    name: str | None,
    description: str | None,
    throttle_level: str | None,
    max_concurrent_calls: int | None,
    prevent_update: bool,
    force: bool,
    confirm: Confirm,
    what_if: bool,
) -> OperationResult | RequestPreview:
    """Add-AmlWebServiceEndpoint: PUT a new endpoint; an existing one is replaced only with --force (removed and
    added again: new keys, and the web service's current model instead of a patched one)."""
    management = _connect(workspace, location, service, name, ("service", "name"))
    target = management.target
    if target.name == DEFAULT_ENDPOINT:
        raise BadInput("'default' is the web service's own endpoint; give the new endpoint another name")
    body = {
        **endpoint_settings(
            description=description, throttle_level=throttle_level, max_concurrent_calls=max_concurrent_calls
        ),
        "PreventUpdate": prevent_update,
    }
    existing = management.find_endpoint()
    guard_creation(
        target.describe(),
        lambda: existing is not None,
        force=force,
        confirm=confirm,
        what_if=what_if,
        instead="`mlws classic endpoint patch` or `mlws classic update`",
    )
    if what_if:
        steps = "DELETE, then PUT" if existing is not None else "PUT"
        url = management.client.base_url + target.endpoint_path
        return RequestPreview("PUT", url, body, note=f"would send: {steps}")
    if existing is not None:
        management.delete()
        try:
            management.add(body)
        except MlwsError as error:
            error.message = (
                f"{target.describe()} was REMOVED to be replaced, and adding it again failed: {error.message}. "
                "Its old keys no longer work; add it with `mlws classic endpoint add` (and patch its model again)"
            )
            raise
    else:
        management.add(body)
    added = management.read_back(f"adding {target.describe()}")
    if added is None:
        raise Refused(f"the service accepted adding {target.describe()} but does not list it")
    return _result("add", target, added, body)


def _result(
    action: str, target: ClassicTarget, endpoint: dict[str, Any], sent: dict[str, Any], **extra: Any
) -> OperationResult:
    """What a change reports; `verified` when the endpoint as read back shows every setting sent."""
    shown = _masked(endpoint, show=False)
    differing = [key for key, value in sent.items() if key != "Resources" and endpoint.get(key) != value]
    if differing:
        raise Refused(
            f"the service accepted the request but {target.describe()} shows other values for "
            f"{', '.join(differing)}; check with `mlws classic endpoint get`"
        )
    return OperationResult(
        action=action,
        target=target,
        operation_url=None,
        waited=True,
        resource=shown,
        changes=[f"{key}: {json.dumps(value)}" for key, value in sent.items() if key != "Resources"],
        verified=True,
        verified_how="the endpoint read back",
        **extra,
    )


def remove_endpoint(
    *,
    workspace: str | None,
    location: str | None,
    service: str | None,
    name: str | None,
    confirm: Confirm,
    what_if: bool,
) -> OperationResult | RequestPreview:
    """Remove-AmlWebServiceEndpoint, confirmed first. The default endpoint goes only when it is the last."""
    management = _connect(workspace, location, service, name, ("service", "name"))
    target = management.target
    endpoints = management.list_endpoints()
    if not any(endpoint.get("Name") == target.name for endpoint in endpoints):
        raise BadInput(
            f"web service {target.service} has no endpoint '{target.name}' (see `mlws classic endpoint list`)"
        )
    if target.name == DEFAULT_ENDPOINT and len(endpoints) > 1:
        raise Refused(
            "the default endpoint cannot be removed while the web service has other endpoints; remove them first"
        )
    if what_if:
        return RequestPreview("DELETE", management.client.base_url + target.endpoint_path, None)
    confirm(f"Remove {target.describe()}? Its keys stop working and its trained model is gone.")
    management.delete()
    gone = management.read_back(f"removing {target.describe()}") is None
    return OperationResult(action="remove", target=target, operation_url=None, waited=True, verified=gone)


def refresh_endpoint(
    *, workspace: str | None, location: str | None, service: str | None, name: str | None, overwrite_resources: bool
) -> Shown:
    """Refresh-AmlWebServiceEndpoint: the endpoint takes the web service's latest publish; with
    --overwrite-resources its patched trained models too."""
    management = _connect(workspace, location, service, name, ("service", "name"))
    target = management.target
    if target.name == DEFAULT_ENDPOINT:
        raise BadInput("the default endpoint always runs the web service's latest publish: it cannot be refreshed")
    refreshed = management.refresh(overwrite_resources)
    what = " and its trained models" if overwrite_resources else ""
    text = (
        f"{target.describe()}: refreshed{what}" if refreshed else f"{target.describe()}: no change, nothing refreshed"
    )
    return Shown({"target": target.to_json(), "refreshed": refreshed, "overwriteResources": overwrite_resources}, text)


def patch_endpoint(
    *,
    workspace: str | None,
    location: str | None,
    service: str | None,
    name: str | None,
    resource: str,
    base_location: str,
    relative_location: str,
    sas_token_env: str | None,
    skip_model_check: bool,
    confirm: Confirm,
    what_if: bool,
) -> OperationResult | RequestPreview:
    """Patch-AmlWebServiceEndpoint: point the endpoint's trained-model resource at a new .ilearner blob."""
    from toolkit.providers.classic_endpoint.models import check_model, model_update

    management = _connect(workspace, location, service, name, ("service", "name"))
    target = management.target
    sas = _sas_from(sas_token_env)
    location_body = model_update(base_location, relative_location, sas)
    endpoint = patchable_endpoint(management)
    resource_name = resource_named(endpoint, resource, target)
    body = {"Resources": [{"Name": resource_name, "Location": location_body}]}
    if what_if:
        shown = {
            "Resources": [{"Name": resource_name, "Location": {**location_body, "SasBlobToken": MASK if sas else None}}]
        }
        return RequestPreview("PATCH", management.client.base_url + target.endpoint_path, shown)
    checked = [] if skip_model_check else [check_model(location_body)]
    confirm(
        f"Point {target.describe()}'s {resource_name!r} at {model_location({'Location': location_body})}?",
        unattended=True,
    )
    management.patch(body)
    after = management.read_back(f"the patch of {target.describe()}")
    if after is None:
        raise Refused(f"the service accepted the patch, but {target.describe()} is gone")
    return _model_result(target, after, resource_name, location_body, checked)


def _sas_from(variable: str | None) -> str | None:
    if variable is None:
        return None
    value = os.environ.get(variable, "").strip()
    if not value:
        raise BadInput(f"--sas-token-env {variable}: the variable is not set (it must hold the blob's SAS token)")
    if "sig=" not in value.lower() or "accountkey=" in value.lower():
        # Another secret (a key, a connection string) must not go to storage as a query string.
        raise BadInput(f"--sas-token-env {variable}: the variable does not hold a SAS token (?sv=...&sig=...)")
    return value if value.startswith("?") else f"?{value}"


def patchable_endpoint(management: Management) -> dict[str, Any]:
    """The endpoint, when its trained model can be replaced: not the default one, not a training service's."""
    target = management.target
    if target.name == DEFAULT_ENDPOINT:
        raise BadInput(
            "the default endpoint's trained model cannot be replaced (it follows the web service); add an endpoint "
            "with `mlws classic endpoint add` and patch that one"
        )
    endpoint = management.endpoint()
    if not [r for r in endpoint.get("Resources") or [] if isinstance(r, dict)]:
        raise BadInput(
            f"{target.describe()} has no trained-model resource to patch: is this the training service? Patch an "
            "endpoint of the predictive web service"
        )
    return endpoint


def resource_named(endpoint: dict[str, Any], resource: str, target: ClassicTarget) -> str:
    names = [str(r.get("Name")) for r in endpoint.get("Resources") or [] if isinstance(r, dict)]
    if resource in names:
        return resource
    near = [known for known in names if known.lower() == resource.lower()]
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise BadInput(f"--resource {resource!r}: {target.describe()} has {', '.join(map(repr, names))}{hint}")


def _model_result(
    target: ClassicTarget, endpoint: dict[str, Any], resource: str, location: dict[str, Any], checked: list[str]
) -> OperationResult:
    wanted = model_location({"Location": location})
    shown = next((r for r in endpoint.get("Resources") or [] if isinstance(r, dict) and r.get("Name") == resource), {})
    now = model_location(shown)
    if now != wanted:
        raise Refused(
            f"patch {target.describe()}: the service accepted the patch but the endpoint shows {resource!r} at "
            f"{now or '(nothing)'}, not {wanted}"
        )
    return OperationResult(
        action="patch",
        target=target,
        operation_url=None,
        waited=True,
        resource=_masked(endpoint, show=False),
        changes=[f"Resources[{resource!r}]: {wanted}"],
        verified=True,
        verified_how="the endpoint shows the new location",
        checks=[f"trained model found: {uri}" for uri in checked],
        notes=[SWITCH_NOTE],
    )
