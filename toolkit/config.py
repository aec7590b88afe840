"""Where a command deploys to: subscription, resource group, service name, location, ARM endpoint.

Stable API (used by every online command):

    resolve_target(*, file=None, name=None, resource_group=None, subscription=None, location=None,
                   require=("subscription",)) -> Target
    Target.require(*fields) -> Target        # BadInput naming the flag to pass for each missing field
    arm_endpoint() -> str                    # MLWS_ARM_ENDPOINT or https://management.azure.com
    find_config(start: Path) -> Path | None  # mlws.yaml, walking up from `start`

Each field comes from the first of, in order:
  1. the flag (-n/--name, -g/--resource-group, --subscription, -l/--location);
  2. the environment: AZURE_SUBSCRIPTION_ID, MLWS_RESOURCE_GROUP, MLWS_LOCATION;
  3. mlws.yaml at the repo root (found by walking up from the file, else from the working directory):
         environments:
           dev: {subscription: ..., resourceGroup: ..., location: ...}
     The environment is the folder of a file at definitions/<environment>/<service>.json, else
     MLWS_ENVIRONMENT;
  4. the file's path: definitions/<environment>/<service>.json names the service.
The endpoint is MLWS_ARM_ENDPOINT (a loopback URL selects the local emulator), else public Azure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from toolkit.errors import BadInput

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
CONFIG_FILE = "mlws.yaml"
DEFINITIONS_DIR = "definitions"

# How the user supplies each field, for the message when one is missing.
HOW_TO_PASS = {
    "subscription": "pass --subscription or set AZURE_SUBSCRIPTION_ID",
    "resource_group": "pass -g/--resource-group or set MLWS_RESOURCE_GROUP",
    "name": "pass -n/--name",
    "location": "pass -l/--location or set MLWS_LOCATION",
}
ENVIRONMENT_VARIABLES = {
    "subscription": "AZURE_SUBSCRIPTION_ID",
    "resource_group": "MLWS_RESOURCE_GROUP",
    "location": "MLWS_LOCATION",
}
YAML_KEYS = {"subscription": "subscription", "resource_group": "resourceGroup", "location": "location"}


@dataclass(frozen=True)
class Target:
    """A resolved deployment target. Fields not found are None until `require` asks for them."""

    endpoint: str
    subscription: str | None = None
    resource_group: str | None = None
    name: str | None = None
    location: str | None = None
    environment: str | None = None
    config_file: Path | None = None

    def require(self, *names: str) -> Target:
        missing = [n for n in names if not getattr(self, n)]
        if missing:
            where = f" (environment '{self.environment}' in {self.config_file})" if self.config_file else ""
            details = "; ".join(f"no {n.replace('_', ' ')}: {HOW_TO_PASS[n]}" for n in missing)
            hint = "" if self.config_file else f", or map the environment in {CONFIG_FILE}"
            raise BadInput(f"{details}{where}{hint}")
        return self

    def describe(self) -> str:
        return f"'{self.name}' in resource group '{self.resource_group}' (subscription {self.subscription})"

    def to_json(self) -> dict[str, Any]:
        return {f.name: (str(v) if isinstance(v, Path) else v) for f in fields(self) if (v := getattr(self, f.name))}


def arm_endpoint() -> str:
    return os.environ.get("MLWS_ARM_ENDPOINT", "").strip().rstrip("/") or DEFAULT_ARM_ENDPOINT


def find_config(start: Path) -> Path | None:
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _environment_from_path(file: Path) -> str | None:
    parts = file.resolve().parts
    if len(parts) >= 3 and parts[-3] == DEFINITIONS_DIR:
        return parts[-2]
    return None


def _read_environments(config_file: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(f"{config_file}: cannot read: {exc}") from exc
    environments = data.get("environments", {}) if isinstance(data, dict) else None
    if not isinstance(environments, dict):
        raise BadInput(f"{config_file}: 'environments' must be a mapping of environment name to settings")
    return environments


def resolve_target(
    *,
    file: Path | None = None,
    name: str | None = None,
    resource_group: str | None = None,
    subscription: str | None = None,
    location: str | None = None,
    require: tuple[str, ...] = ("subscription",),
) -> Target:
    """Combine flags, environment, mlws.yaml and the file's path into a Target (see the module docstring)."""
    environment = _environment_from_path(file) if file is not None else None
    environment = environment or os.environ.get("MLWS_ENVIRONMENT") or None
    config_file = find_config(file.parent if file is not None else Path.cwd())
    settings: dict[str, Any] = {}
    if config_file is not None and environment:
        entry = _read_environments(config_file).get(environment)
        if entry is not None and not isinstance(entry, dict):
            raise BadInput(f"{config_file}: environments.{environment} must be a mapping")
        settings = entry or {}

    def pick(field: str, flag: str | None) -> str | None:
        value = flag or os.environ.get(ENVIRONMENT_VARIABLES.get(field, ""), "") or settings.get(YAML_KEYS[field])
        return str(value) if value else None

    service_name = name
    if not service_name and file is not None and _environment_from_path(file):
        service_name = file.stem
    target = Target(
        endpoint=arm_endpoint(),
        subscription=pick("subscription", subscription),
        resource_group=pick("resource_group", resource_group),
        name=service_name,
        location=pick("location", location),
        environment=environment,
        config_file=config_file if settings else None,
    )
    return target.require(*require)
