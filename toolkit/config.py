"""Where a command deploys to: subscription, resource group, service name, location, ARM endpoint.

Stable API (used by every online command):

    resolve_target(*, file=None, name=None, resource_group=None, subscription=None, location=None,
                   require=("subscription",), name_rule=names.WEB_SERVICE_NAME, name_flag="-n/--name") -> Target
    Target.require(*fields) -> Target        # BadInput naming the flag to pass for each missing field
    Target.subscription_path, .group_path, .scope_path   # "/subscriptions/ID[/resourceGroups/RG]", checked
    arm_endpoint() -> str                    # MLWS_ARM_ENDPOINT or https://management.azure.com
    find_config(start: Path) -> Path | None  # mlws.yaml, walking up from `start`

Each field comes from the first of, in order:
  1. the flag (-n/--name, -g/--resource-group, --subscription, -l/--location);
  2. the environment: AZURE_SUBSCRIPTION_ID, MLWS_RESOURCE_GROUP, MLWS_LOCATION;
  3. mlws.yaml at the repo root (found by walking up from the file, else from the working directory):
         environments:
           dev: {subscription: ..., resourceGroup: ..., location: ...}
     The environment is the folder of a file at definitions/<environment>/<service>.json, else
     MLWS_ENVIRONMENT. The file is read strictly (toolkit.yamlfile: a key given twice is refused);
  4. the file's path: definitions/<environment>/<service>.json names the service.
Every value found is checked against the service's rules for it (toolkit.names); a bad one is BadInput
naming where it came from (the flag, the variable, the mlws.yaml key, the file) and the rule.
The endpoint is MLWS_ARM_ENDPOINT (a loopback URL selects the local emulator), else public Azure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from toolkit import names
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
FLAGS = {"subscription": "--subscription", "resource_group": "-g/--resource-group", "location": "-l/--location"}
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

    def require(self, *required: str) -> Target:
        missing = [n for n in required if not getattr(self, n)]
        if missing:
            where = f" (environment '{self.environment}' in {self.config_file})" if self.config_file else ""
            details = "; ".join(f"no {n.replace('_', ' ')}: {HOW_TO_PASS[n]}" for n in missing)
            hint = "" if self.config_file else f", or map the environment in {CONFIG_FILE}"
            raise BadInput(f"{details}{where}{hint}")
        return self

    @property
    def subscription_path(self) -> str:
        """/subscriptions/ID, the id checked and encoded as one path segment (as every path part below)."""
        return "/subscriptions/" + names.segment(names.SUBSCRIPTION_ID, self.subscription)

    @property
    def group_path(self) -> str:
        return f"{self.subscription_path}/resourceGroups/" + names.segment(names.RESOURCE_GROUP, self.resource_group)

    @property
    def scope_path(self) -> str:
        """What a list covers: the resource group when there is one, else the subscription."""
        return self.group_path if self.resource_group else self.subscription_path

    def describe(self) -> str:
        return f"'{self.name}' in resource group '{self.resource_group}' (subscription {self.subscription})"

    def to_json(self) -> dict[str, Any]:
        return {f.name: (str(v) if isinstance(v, Path) else v) for f in fields(self) if (v := getattr(self, f.name))}


def arm_endpoint() -> str:
    return endpoint_variable("MLWS_ARM_ENDPOINT") or DEFAULT_ARM_ENDPOINT


def endpoint_variable(variable: str) -> str:
    """A base URL from the environment (without its trailing slash), '' when unset; BadInput naming the variable
    and the fix for one that is no http(s) URL (`127.0.0.1:8123` would build a doubled URL)."""
    from urllib.parse import urlsplit

    value = os.environ.get(variable, "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        example = f"http://{value}" if "://" not in value else "https://management.azure.com"
        raise BadInput(f"{variable} {value!r}: give a base URL with its scheme, e.g. {example}")
    return value


def find_config(start: Path) -> Path | None:
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _environment_from_path(file: Path) -> str | None:
    """The folder just below definitions/: definitions/dev/housing-predict.json and
    definitions/dev/classic/rentalloc001.json are both of environment dev."""
    parts = file.resolve().parts[:-1]
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == DEFINITIONS_DIR:
            return parts[index + 1]
    return None


def _names_the_service(file: Path) -> bool:
    """A New web service's file directly in its environment's folder is named after the service."""
    parts = file.resolve().parts
    return len(parts) >= 3 and parts[-3] == DEFINITIONS_DIR


@dataclass(frozen=True)
class EnvironmentSettings:
    """The mlws.yaml entry of the environment a file (or MLWS_ENVIRONMENT) is in; empty when there is none."""

    environment: str | None
    config_file: Path | None  # set only when the entry exists
    values: dict[str, Any]

    def pick(self, given: str | None, flag: str, variable: str, key: str) -> tuple[str | None, str]:
        """A field's value and where it came from: the flag, else the variable, else the mlws.yaml key."""
        if given:
            return given, flag
        if os.environ.get(variable):
            return os.environ[variable], variable
        if self.values.get(key):
            return str(self.values[key]), f"{self.config_file}: environments.{self.environment}.{key}"
        return None, ""


def environment_settings(file: Path | None) -> EnvironmentSettings:
    """What mlws.yaml says of the environment of `file` (the folder below definitions/), else of MLWS_ENVIRONMENT."""
    environment = _environment_from_path(file) if file is not None else None
    environment = environment or os.environ.get("MLWS_ENVIRONMENT") or None
    config_file = find_config(file.parent if file is not None else Path.cwd())
    values: dict[str, Any] = {}
    if config_file is not None and environment:
        entry = _read_environments(config_file).get(environment)
        if entry is not None and not isinstance(entry, dict):
            raise BadInput(f"{config_file}: environments.{environment} must be a mapping")
        values = entry or {}
    return EnvironmentSettings(environment, config_file if values else None, values)


def _read_environments(config_file: Path) -> dict[str, Any]:
    from toolkit.yamlfile import read_yaml

    data = read_yaml(config_file, "configuration file") or {}  # strict: a key given twice is refused, not dropped
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
    name_rule: names.Rule = names.WEB_SERVICE_NAME,
    name_flag: str = "-n/--name",
) -> Target:
    """Combine flags, environment, mlws.yaml and the file's path into a Target (see the module docstring).

    `name_rule` and `name_flag` say what the name is (a web service's by default) and how it is passed.
    """
    settings = environment_settings(file)

    def pick(field: str, given: str | None) -> tuple[str | None, str]:
        return settings.pick(given, FLAGS[field], ENVIRONMENT_VARIABLES[field], YAML_KEYS[field])

    found = {
        "subscription": pick("subscription", subscription),
        "resource_group": pick("resource_group", resource_group),
        "location": pick("location", location),
        "name": (name, name_flag),
    }
    if not name and file is not None and _names_the_service(file):
        found["name"] = (file.stem, f"the file name of {file}")
    target = Target(
        endpoint=arm_endpoint(),
        environment=settings.environment,
        config_file=settings.config_file,
        **{field: value for field, (value, _) in found.items()},
    )
    target.require(*require)
    # Checked once nothing is missing: a command given too few flags hears of those first.
    checks = {
        "subscription": names.SUBSCRIPTION_ID.check,
        "resource_group": names.RESOURCE_GROUP.check,
        "location": names.location,
        "name": name_rule.check,
    }
    for field, (value, source) in found.items():
        if value:
            checks[field](value, source)
    return target
