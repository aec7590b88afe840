"""Microsoft.MachineLearning/webServices (api-version 2017-01-01) over raw JSON, so definitions stay lossless.

`WebServices(client, target)` is the thin REST client (one method per operation, LROs returned
as started Operations). The functions below it are what the `mlws get/list/keys/remove/add-region/
operation wait` commands call: each resolves the target, runs the calls, and returns plain JSON.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolkit import names
from toolkit.arm.client import ArmClient, Operation, retry_after
from toolkit.arm.errors import ResourceNotFound
from toolkit.config import Target, arm_endpoint, resolve_target
from toolkit.definition import mask_secrets
from toolkit.errors import BadInput, ExitCode
from toolkit.redact import MASK

API_VERSION = "2017-01-01"
PROVIDER = "providers/Microsoft.MachineLearning/webServices"

SERVICE_FIELDS = ("subscription", "resource_group", "name")  # what every single-service command needs

Progress = Callable[[str], None]


@dataclass
class WaitOptions:
    """How a command waits for a long-running operation: `no_wait` returns the status URL at once."""

    timeout: float | None = None
    no_wait: bool = False
    progress: Progress | None = None


class WebServices:
    def __init__(self, client: ArmClient, target: Target) -> None:
        self.client = client
        self.target = target

    @classmethod
    def connect(cls, target: Target, *, debug: bool = False) -> WebServices:
        return cls(ArmClient.for_target(target, debug=debug), target)

    def path(self, suffix: str = "") -> str:
        name = names.segment(names.WEB_SERVICE_NAME, self.target.name)
        return f"{self.target.group_path}/{PROVIDER}/{name}{suffix}"

    @staticmethod
    def _region_query(region: str) -> dict[str, str]:
        return {"region": names.location(region, "--region")}

    def _not_found(self, exc: ResourceNotFound, region: str | None = None) -> ResourceNotFound:
        codes = {d.get("code") for d in exc.info.details}
        where = self.target.describe()
        if "PerRegionPayloadNotFound" in codes:
            message = f"web service {where} has no copy for region '{region}': run `mlws add-region --region {region}`"
        else:
            message = f"web service {where} not found"
        return ResourceNotFound(f"{message} [{exc.message}]", exc.info)

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
        """Wait for a started operation; the status body, or None when there was nothing to wait for."""
        if operation.status_url is None:
            return None
        return self.client.wait(
            operation.status_url,
            first_delay=retry_after(operation.response.headers),
            timeout=wait.timeout,
            progress=wait.progress,
            request_id=operation.request_id,
            action=action,
        )


@dataclass
class OperationResult:
    """What a create/update/remove/add-region command reports."""

    action: str
    target: Target
    operation_url: str | None
    waited: bool
    resource: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    changes: list[str] = field(default_factory=list)  # what was sent, one masked line per JSON path
    verified: bool = False  # the service was read back and matches what was sent
    keys_checked: bool = False  # the service keys sent were read back with listKeys
    unverifiable: list[str] = field(default_factory=list)  # sent, not read back: "path (why)"
    models_checked: list[str] = field(default_factory=list)  # trained models found in storage before sending
    kept: list[str] = field(default_factory=list)  # live entries the PATCH's merge left in place
    exit_code: int = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target.to_json(),
            "operationUrl": self.operation_url,
            "done": self.waited or self.operation_url is None,
            "status": self.status,
            "changes": self.changes,
            "verified": self.verified,
            "keysChecked": self.keys_checked,
            "notVerifiable": self.unverifiable,
            "modelsChecked": self.models_checked,
            "keptByTheMerge": self.kept,
            "resource": None if self.resource is None else mask_secrets(self.resource),
        }

    def to_text(self) -> str:
        where = self.target.describe()
        if not self.waited and self.operation_url:
            lines = [f"{self.action}: started for {where}", f"resume with: mlws operation wait '{self.operation_url}'"]
        elif self.operation_url is None:
            lines = [f"{self.action} for {where}"]
        else:
            lines = [f"{self.action}: done for {where}"]
        lines += [f"  {change}" for change in self.changes]
        lines += [f"trained model found before sending: {uri}" for uri in self.models_checked]
        if self.verified:
            keys = "; the service keys with listKeys" if self.keys_checked else ""
            lines.append(f"verified: the live service now matches (read back from '{self.target.name}'{keys})")
        lines += [f"not verifiable: {item}" for item in self.unverifiable]
        if self.kept:
            lines.append(
                f"kept by the service's merge (a PATCH cannot remove them; `mlws update -f FILE` replaces the service "
                f"where a file removes entries): {', '.join(self.kept)}"
            )
        return "\n".join(lines)


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
    *, name: str | None, resource_group: str | None, subscription: str | None, region: str | None, debug: bool = False
) -> dict[str, Any] | list[dict[str, Any]]:
    """Get-AzMlWebService: one service (name + group), else the list of a group or of the subscription.

    Secrets the service does return (a SAS in an asset URI, blob credentials) are masked.
    """
    if name is None:
        return list_services(resource_group=resource_group, subscription=subscription, debug=debug)
    target = service_target(name, resource_group, subscription)
    return mask_secrets(WebServices.connect(target, debug=debug).get(region=region))


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


def list_services(*, resource_group: str | None, subscription: str | None, debug: bool = False) -> list[dict[str, Any]]:
    target = service_target(None, resource_group, subscription, require=("subscription",))
    return [mask_secrets(service) for service in WebServices.connect(target, debug=debug).list()]


def service_keys(
    *, name: str | None, resource_group: str | None, subscription: str | None, show: bool, debug: bool = False
) -> dict[str, Any]:
    """Get-AzMlWebServiceKey: the access keys, masked unless `show`."""
    target = service_target(name, resource_group, subscription)
    found = WebServices.connect(target, debug=debug).list_keys() or {}
    return found if show else {kind: (MASK if value else value) for kind, value in found.items()}


def wait_operation(*, url: str, timeout: float | None, progress: Progress | None, debug: bool = False) -> dict:
    """`mlws operation wait URL`: resume waiting for an operation started with --no-wait or timed out."""
    endpoint = arm_endpoint()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "/operationsStatus/" not in parts.path:
        raise BadInput(f"not an operation status URL: {url} (give the URL printed by --no-wait or a timeout)")
    home = urlsplit(endpoint)
    regional = parts.netloc.endswith("." + home.netloc)  # e.g. westcentralus.management.azure.com
    if parts.scheme != home.scheme or (parts.netloc != home.netloc and not regional):
        raise BadInput(f"operation URL host {parts.netloc} is not the ARM endpoint {endpoint} (MLWS_ARM_ENDPOINT)")
    segments = parts.path.split("/")
    subscription = segments[segments.index("subscriptions") + 1] if "subscriptions" in segments else ""
    client = ArmClient(endpoint, subscription, debug=debug)
    return client.wait(url, timeout=timeout, progress=progress, action="operation", first_delay=0)
