"""Where a Classic command acts: the management API of a workspace's region, the workspace, a web service
and one of its endpoints; and the workspace's authorization token, read from the environment only.

Each field comes from the first of: the flag; the environment variable; the mlws.yaml entry of the
environment (the folder below definitions/ of a file, else MLWS_ENVIRONMENT):

    environments:
      dev: {workspace: <32 hex digits>, location: South Central US, ...}

The management URL is MLWS_CLASSIC_ENDPOINT when set (a loopback URL is the local emulator), else the host
of the workspace's region. The token is MLWS_WORKSPACE_TOKEN (Studio: Settings > Authorization tokens);
it is never read from a flag or a file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from toolkit import names
from toolkit.config import endpoint_variable, environment_settings
from toolkit.errors import BadInput

TOKEN_VARIABLE = "MLWS_WORKSPACE_TOKEN"
ENDPOINT_VARIABLE = "MLWS_CLASSIC_ENDPOINT"

# The management host of each region Studio (classic) ran in, as AzureMLPS maps its -Location values.
MANAGEMENT_HOSTS = {
    "southcentralus": "https://management.azureml.net",
    "westeurope": "https://europewest.management.azureml.net",
    "southeastasia": "https://asiasoutheast.management.azureml.net",
    "japaneast": "https://japaneast.management.azureml.net",
    "germanycentral": "https://germanycentral.management.azureml.de",
    "westcentralus": "https://uswestcentral.management.azureml.net",
}

_HEX_ID = re.compile(r"[0-9a-fA-F]{32}")
WORKSPACE_ID = names.Rule("a workspace id", _HEX_ID, "32 hexadecimal digits (Studio: Settings > Workspace ID)")
WEB_SERVICE_ID = names.Rule(
    "a Classic web service id", _HEX_ID, "32 hexadecimal digits (see `mlws classic service list`)"
)
# The management API's rule (its swagger): at most 24 characters, lower-case letters and digits, hyphens
# except first and last.
ENDPOINT_NAME = names.Rule(
    "an endpoint name",
    re.compile(r"[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?"),
    "1-24 characters: lower-case letters, digits and hyphens, not starting or ending with a hyphen",
)
DEFAULT_ENDPOINT = "default"

FLAGS = {"workspace": "--workspace", "location": "-l/--location", "service": "-s/--service", "name": "-n/--name"}
VARIABLES = {"workspace": "MLWS_WORKSPACE_ID", "location": "MLWS_LOCATION"}
YAML_KEYS = {"workspace": "workspace", "location": "location"}


@dataclass(frozen=True)
class ClassicTarget:
    endpoint: str  # the management API's base URL
    workspace: str
    service: str | None = None
    name: str | None = None  # the endpoint's name
    location: str | None = None
    environment: str | None = None
    config_file: Path | None = None

    @property
    def service_path(self) -> str:
        return (
            f"/workspaces/{names.segment(WORKSPACE_ID, self.workspace)}"
            f"/webservices/{names.segment(WEB_SERVICE_ID, self.service)}"
        )

    @property
    def endpoint_path(self) -> str:
        return f"{self.service_path}/endpoints/{names.segment(ENDPOINT_NAME, self.name)}"

    def describe(self) -> str:
        if self.name:
            return f"endpoint '{self.name}' of web service {self.service}"
        return f"web service {self.service}" if self.service else f"workspace {self.workspace}"

    def to_json(self) -> dict[str, Any]:
        return {f.name: (str(v) if isinstance(v, Path) else v) for f in fields(self) if (v := getattr(self, f.name))}


def token() -> str:
    value = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not value:
        raise BadInput(
            f"no workspace authorization token: set {TOKEN_VARIABLE} (Studio: Settings > Authorization tokens); "
            "mlws reads it from the environment only"
        )
    return value


def resolve_classic_target(
    *,
    file: Path | None = None,
    workspace: str | None = None,
    location: str | None = None,
    service: str | None = None,
    name: str | None = None,
    require: tuple[str, ...] = ("service",),
    flags: tuple[str, str] = (FLAGS["service"], FLAGS["name"]),
) -> ClassicTarget:
    """Flags, environment and mlws.yaml as a ClassicTarget; `require` names what the command needs beyond the
    workspace (a service, an endpoint name), `flags` how the service and the name were given. Every value is
    checked before anything is sent."""
    settings = environment_settings(file)
    found = {
        field: settings.pick(given, FLAGS[field], VARIABLES[field], YAML_KEYS[field])
        for field, given in (("workspace", workspace), ("location", location))
    }
    found["service"], found["name"] = (service, flags[0]), (name, flags[1])
    missing = [field for field in ("workspace", *require) if not found[field][0]]
    if missing:
        how = {
            "workspace": f"pass --workspace or set {VARIABLES['workspace']}",
            "service": f"pass {flags[0]} (the web service id: `mlws classic service list`)",
            "name": f"pass {flags[1]} (the endpoint name: `mlws classic endpoint list`)",
        }
        where = f" (environment '{settings.environment}' in {settings.config_file})" if settings.config_file else ""
        raise BadInput("; ".join(f"no {field}: {how[field]}" for field in missing) + where)
    checks = {"workspace": WORKSPACE_ID, "service": WEB_SERVICE_ID, "name": ENDPOINT_NAME}
    for field, rule in checks.items():
        value, source = found[field]
        if value:
            rule.check(value, source)
    if found["location"][0]:
        names.LOCATION.check(*found["location"])
    return ClassicTarget(
        endpoint=management_url(found["location"]),
        workspace=found["workspace"][0].lower(),
        service=(found["service"][0] or "").lower() or None,
        name=found["name"][0],
        location=found["location"][0],
        environment=settings.environment,
        config_file=settings.config_file,
    )


def management_url(location: tuple[str | None, str]) -> str:
    """MLWS_CLASSIC_ENDPOINT, else the management host of the workspace's region."""
    override = endpoint_variable(ENDPOINT_VARIABLE)
    if override:
        return override
    value, source = location
    if not value:
        raise BadInput(
            f"no location: the management API is per region; pass -l/--location or set MLWS_LOCATION "
            f"(or {ENDPOINT_VARIABLE} for the local emulator)"
        )
    host = MANAGEMENT_HOSTS.get(value.replace(" ", "").lower())
    if host is None:
        raise BadInput(f"{source} {value!r}: Studio (classic) ran in {', '.join(sorted(MANAGEMENT_HOSTS))} only")
    return host
