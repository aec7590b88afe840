"""What a Classic endpoint's definition file is, for the definition core: the endpoint as the management API
writes it (PascalCase, its own field order), without what the service makes (keys, URLs, times).

    {"Name": "rentalloc001", "WebServiceId": "<32 hex>", "Description": "...", "ThrottleLevel": "Low",
     "MaxConcurrentCalls": 4, "DiagnosticsTraceLevel": "None", "PreventUpdate": false,
     "Resources": [{"Name": "Housing Price [trained model]", "Kind": "TrainedModel",
                    "Location": {"BaseLocation": "https://acct.blob.core.windows.net/",
                                 "RelativeLocation": "models/v2.ilearner", "SasBlobToken": "${MODEL_SAS}"}}]}

The SAS a model is read with is the file's only secret: a placeholder in SasBlobToken (the service never
returns it, so it is write-only and never compared); the keys are never in the file.
"""

from __future__ import annotations

from typing import Any

from toolkit.definition.kind import DefinitionKind
from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.spec import BOOLEAN, STRING, ListOf, Obj, Value
from toolkit.errors import Problem
from toolkit.providers.classic_endpoint.target import ENDPOINT_NAME, WEB_SERVICE_ID

MAX_CALLS = {"Low": 4, "High": 200}  # the management API's caps per throttle level (its swagger)
TRAINED_MODEL = "TrainedModel"

LOCATION = Obj({"BaseLocation": STRING, "RelativeLocation": STRING, "SasBlobToken": STRING})
RESOURCE = Obj(
    {"Name": STRING, "Kind": Value("string", enum=(TRAINED_MODEL,)), "Location": LOCATION},
    required=("Name", "Location"),
)
ENDPOINT = Obj(
    {
        "Name": STRING,
        "WebServiceId": STRING,
        "Description": STRING,
        "ThrottleLevel": Value("string", enum=tuple(MAX_CALLS)),
        "MaxConcurrentCalls": Value("integer", minimum=1, maximum=MAX_CALLS["High"]),
        "DiagnosticsTraceLevel": Value("string", enum=("None", "Error", "All")),
        "PreventUpdate": BOOLEAN,
        "Resources": ListOf(RESOURCE),
        # What the service makes and returns: never written to a file.
        "CreationTime": STRING,
        "WorkspaceId": STRING,
        "HelpLocation": STRING,
        "PrimaryKey": STRING,
        "SecondaryKey": STRING,
        "ApiLocation": STRING,
        "Version": STRING,
        "ExperimentLocation": STRING,
        "SampleDataEnabled": BOOLEAN,
    },
    required=("Name", "WebServiceId"),
    read_only=frozenset(
        {
            "CreationTime",
            "WorkspaceId",
            "HelpLocation",
            "PrimaryKey",
            "SecondaryKey",
            "ApiLocation",
            "Version",
            "ExperimentLocation",
            "SampleDataEnabled",
        }
    ),  # fmt: skip
)


def is_sas_place(path: JsonPath) -> bool:
    return len(path) == 4 and path[0] == "Resources" and path[2:] == ("Location", "SasBlobToken")


def resources(document: Any) -> list[dict[str, Any]]:
    found = document.get("Resources") if isinstance(document, dict) else None
    return [item for item in found or [] if isinstance(item, dict)] if isinstance(found, list) else []


def _unknown(value: Any, spec: Obj, where: str) -> list[Problem]:
    """Names the API does not have: a misspelt setting would otherwise be silently left out of every request."""
    if not isinstance(value, dict):
        return []
    return [
        Problem(f"{where}{key}" if not where else f"{where}.{key}", "not a field of a Classic endpoint",
                f"one of {', '.join(name for name in spec.fields if name not in spec.read_only)}")
        for key in value
        if key not in spec.fields and key.lower() not in spec.by_lower
    ]  # fmt: skip


def _checks(document: dict[str, Any]) -> list[Problem]:
    """The management API's rules beyond the schema (each would be a 400 from the service)."""
    from toolkit.providers.classic_endpoint.models import base_problem, relative_problem

    problems = _unknown(document, ENDPOINT, "")
    name, service = document.get("Name"), document.get("WebServiceId")
    if isinstance(name, str) and not ENDPOINT_NAME.pattern.fullmatch(name):
        problems.append(Problem("Name", f"{ENDPOINT_NAME.what} is {ENDPOINT_NAME.text}", "rename the endpoint"))
    if isinstance(service, str) and not WEB_SERVICE_ID.pattern.fullmatch(service):
        problems.append(Problem("WebServiceId", f"{WEB_SERVICE_ID.what} is {WEB_SERVICE_ID.text}", "give its id"))
    # The cap of a level given in the file (without one, the live endpoint's level decides, as the service does).
    level, calls = document.get("ThrottleLevel"), document.get("MaxConcurrentCalls")
    if isinstance(calls, int) and level in MAX_CALLS and calls > MAX_CALLS[level]:
        problems.append(
            Problem("MaxConcurrentCalls", f"{calls} is more than ThrottleLevel {level} allows ({MAX_CALLS[level]})",
                    "lower it, or set ThrottleLevel High (Standard workspaces)")
        )  # fmt: skip
    seen: set[str] = set()
    for index, resource in enumerate(resources(document)):
        where = f"Resources[{index}]"
        problems += _unknown(resource, RESOURCE, where)
        if resource.get("Name") in seen:
            problems.append(Problem(f"{where}.Name", f"{resource.get('Name')!r} is named twice", "keep one"))
        seen.add(resource.get("Name"))
        location = resource.get("Location") if isinstance(resource.get("Location"), dict) else {}
        problems += _unknown(location, LOCATION, f"{where}.Location")
        for key, why in (("BaseLocation", base_problem), ("RelativeLocation", relative_problem)):
            value = location.get(key)
            problem = why(value) if isinstance(value, str) and "${" not in value else None
            if problem:
                problems.append(Problem(f"{where}.Location.{key}", problem, "give the trained model's blob"))
    return problems


def _recognises(document: Any) -> bool:
    """A Classic endpoint's file names its web service (WebServiceId) and has no ARM `properties`."""
    if not isinstance(document, dict):
        return False
    keys = {key.lower() for key in document}
    return "webserviceid" in keys and "properties" not in keys


KIND = DefinitionKind(
    name="Classic endpoint definition",
    schema=ENDPOINT,
    empty_message="The Classic endpoint definition is empty.",
    missing_message="the Classic endpoint definition file does not exist",
    secret_at=lambda path: "SAS token" if is_sas_place(path) else None,
    checks=_checks,
    recognises=_recognises,
)
