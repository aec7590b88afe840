"""Microsoft.MachineLearning/webServices (api-version 2017-01-01) over raw JSON, so definitions stay lossless.

`WebServices(client, target)` is the thin REST client (one method per operation, LROs returned
as started Operations). The functions below it are what the `mlws get/list/keys` commands call: each
resolves the target, runs the calls, and returns a toolkit.result.Result.
"""

from __future__ import annotations

import contextlib
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import names
from toolkit.arm.client import ArmClient, Operation
from toolkit.arm.errors import ResourceNotFound
from toolkit.config import Target, resolve_target
from toolkit.errors import MlwsError
from toolkit.operation import WaitOptions
from toolkit.providers.new_webservice.definition import mask_secrets
from toolkit.redact import MASK
from toolkit.result import Column, Listing, Result, Shown

API_VERSION = "2017-01-01"
PROVIDER = "providers/Microsoft.MachineLearning/webServices"

SERVICE_FIELDS = ("subscription", "resource_group", "name")  # what every single-service command needs


class WebServices:
    def __init__(self, client: ArmClient, target: Target) -> None:
        self.client = client
        self.target = target

    @classmethod
    def connect(cls, target: Target) -> WebServices:
        return cls(ArmClient.for_target(target), target)

    def path(self, suffix: str = "") -> str:
        name = names.segment(names.WEB_SERVICE_NAME, self.target.name)
        return f"{self.target.group_path}/{PROVIDER}/{name}{suffix}"

    @staticmethod
    def _region_query(region: str) -> dict[str, str]:
        return {"region": names.location(region, "--region")}

    def preview(self, method: str, body: Any = None, suffix: str = "", params: dict[str, str] | None = None):
        """--what-if: the request that would be sent, secrets masked."""
        from toolkit.preview import RequestPreview

        url = self.client.url(self.path(suffix=suffix), API_VERSION, params)
        return RequestPreview(method, url, None if body is None else mask_secrets(body))

    def _not_found(self, exc: ResourceNotFound, region: str | None = None) -> ResourceNotFound:
        codes = {d.get("code") for d in exc.info.details}
        where = self.target.describe()
        if "PerRegionPayloadNotFound" in codes:
            message = f"web service {where} has no copy for region '{region}': run `mlws add-region --region {region}`"
        else:
            message = f"web service {where} not found" + self._nearest_names()
        return ResourceNotFound(f"{message} [{exc.message}]", exc.info)

    def _nearest_names(self) -> str:
        """ "; did you mean X?" with the group's services named most like the one not found (one list request;
        nothing when the list cannot be read)."""
        import difflib

        with contextlib.suppress(MlwsError):
            names = [str(service.get("name")) for service in self.list()]
            near = difflib.get_close_matches(str(self.target.name), names, n=3, cutoff=0.6)
            if near:
                return f"; did you mean {' or '.join(near)}?"
        return ""

    def get(self, *, region: str | None = None) -> dict[str, Any]:
        params = self._region_query(region) if region else None
        try:
            return self.client.send("GET", self.path(), api_version=API_VERSION, params=params, action="get").body
        except ResourceNotFound as exc:
            raise self._not_found(exc, region) from exc

    def find(self) -> dict[str, Any] | None:
        """The live service, or None when it does not exist."""
        try:
            return self.client.send("GET", self.path(), api_version=API_VERSION, action="get").body
        except ResourceNotFound:
            return None

    def list(self) -> list[dict[str, Any]]:
        return self.client.list_all(f"{self.target.scope_path}/{PROVIDER}", api_version=API_VERSION)

    def begin_put(self, body: dict[str, Any]) -> Operation:
        return self.client.begin("PUT", self.path(), api_version=API_VERSION, body=body, action="create")

    def begin_patch(self, body: dict[str, Any]) -> Operation:
        try:
            return self.client.begin("PATCH", self.path(), api_version=API_VERSION, body=body, action="update")
        except ResourceNotFound as exc:
            raise self._not_found(exc) from exc

    def begin_delete(self) -> Operation:
        return self.client.begin("DELETE", self.path(), api_version=API_VERSION, action="remove")

    def begin_regional_blob(self, region: str) -> Operation:
        try:
            return self.client.begin(
                "POST",
                self.path(suffix="/CreateRegionalBlob"),
                api_version=API_VERSION,
                params=self._region_query(region),
                action="add-region",
                if_unsure="the regional copy may or may not have started: check with "
                f"`mlws get --region {shlex.quote(region)}`",
            )
        except ResourceNotFound as exc:
            raise self._not_found(exc) from exc

    def list_keys(self) -> dict[str, Any]:
        try:
            return self.client.send("GET", self.path(suffix="/listKeys"), api_version=API_VERSION, action="keys").body
        except ResourceNotFound as exc:
            raise self._not_found(exc) from exc

    def finish(self, operation: Operation, wait: WaitOptions, action: str) -> dict[str, Any] | None:
        """Wait for a started operation; its last status body (or what its Location finally answered), None when
        there was nothing to wait for."""
        return operation.wait(timeout=wait.timeout, progress=wait.progress, action=action)


def service_target(
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    *,
    file: Path | None = None,
    location: str | None = None,
    require: tuple[str, ...] = SERVICE_FIELDS,
) -> Target:
    """The web service a command acts on, from its flags (then environment, mlws.yaml, the file's path)."""
    return resolve_target(
        file=file,
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        location=location,
        require=require,
    )


def show_service(
    *, name: str | None, resource_group: str | None, subscription: str | None, region: str | None
) -> Result:
    """Get-AzMlWebService: one service (name + group), else the list of a group or of the subscription.

    Secrets the service does return (a SAS in an asset URI, blob credentials) are masked.
    """
    if name is None:
        return list_services(resource_group=resource_group, subscription=subscription)
    target = service_target(name, resource_group, subscription)
    service = mask_secrets(WebServices.connect(target).get(region=region))
    return ShownService(service, service_summary(service), listing=services_listing([service]))


@dataclass
class ShownService(Shown):
    """One service: its summary as text, its row with -o table."""

    listing: Listing | None = None

    def to_table(self) -> str:
        return self.listing.to_table() if self.listing else self.text


def service_summary(service: dict[str, Any]) -> str:
    """A few readable lines about one web service (`mlws get` text); -o json/yaml give the whole object."""
    properties = service.get("properties") or {}
    assets = properties.get("assets") or {}
    nodes = (properties.get("package") or {}).get("nodes") or {}
    swagger = properties.get("swaggerLocation") or ""
    models = [
        (asset.get("locationInfo") or {}).get("uri") or "(no uri)"
        for asset in assets.values()
        if isinstance(asset, dict) and str(asset.get("name", "")).lower().endswith("[trained model]")
    ]
    rows = [
        ("name", service.get("name")),
        ("title", properties.get("title")),
        ("state", properties.get("provisioningState")),
        ("modified", properties.get("modifiedOn")),
        ("location", service.get("location")),
        ("swagger", swagger),
        ("runtime", swagger.removesuffix("/swagger.json")),
        *(("trained model", uri) for uri in models),
        ("assets", len(assets)),
        ("graph nodes", len(nodes)),
    ]
    return "\n".join(f"{label + ':':<15}{value}" for label, value in rows if value not in (None, ""))


def _property(key: str):
    return lambda service: str((service.get("properties") or {}).get(key) or "")


def _group(service: dict[str, Any]) -> str:
    from azure.mgmt.core.tools import parse_resource_id

    return parse_resource_id(str(service.get("id") or "")).get("resource_group", "")


SERVICE_COLUMNS = (
    Column("NAME", lambda service: str(service.get("name") or "")),
    Column("RESOURCE GROUP", _group),  # a list without -g spans the subscription
    Column("LOCATION", lambda service: str(service.get("location") or "")),
    Column("STATE", _property("provisioningState")),
    Column("MODIFIED", _property("modifiedOn")),
)


def services_listing(services: list[dict[str, Any]]) -> Listing:
    return Listing(services, SERVICE_COLUMNS, empty="no web services")


def list_services(*, resource_group: str | None, subscription: str | None) -> Listing:
    target = service_target(None, resource_group, subscription, require=("subscription",))
    return services_listing([mask_secrets(service) for service in WebServices.connect(target).list()])


def service_keys(*, name: str | None, resource_group: str | None, subscription: str | None, show: bool) -> Shown:
    """Get-AzMlWebServiceKey: the access keys, masked unless `show`."""
    target = service_target(name, resource_group, subscription)
    found = WebServices.connect(target).list_keys() or {}
    keys = found if show else {kind: (MASK if value else value) for kind, value in found.items()}
    return Shown(keys, "\n".join(f"{kind}: {value}" for kind, value in keys.items()))
