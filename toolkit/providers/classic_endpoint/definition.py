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
from urllib.parse import urlsplit

from toolkit.definition.kind import DefinitionKind
from toolkit.definition.kind import Path as JsonPath
from toolkit.definition.spec import BOOLEAN, STRING, ListOf, Obj, Value
from toolkit.errors import Problem
from toolkit.providers.classic_endpoint.target import ENDPOINT_NAME, WEB_SERVICE_ID

MODEL_EXTENSION = ".ilearner"
MAX_CALLS = {"Low": 4, "High": 200}  # the management API's caps per throttle level
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


def _checks(document: dict[str, Any]) -> list[Problem]:
    """The management API's rules beyond the schema (each would be a 400 from the service)."""
    problems = []
    name, service = document.get("Name"), document.get("WebServiceId")
    if isinstance(name, str) and not ENDPOINT_NAME.pattern.fullmatch(name):
        problems.append(Problem("Name", f"{ENDPOINT_NAME.what} is {ENDPOINT_NAME.text}", "rename the endpoint"))
    if isinstance(service, str) and not WEB_SERVICE_ID.pattern.fullmatch(service):
        problems.append(Problem("WebServiceId", f"{WEB_SERVICE_ID.what} is {WEB_SERVICE_ID.text}", "give its id"))
    level, calls = document.get("ThrottleLevel") or "Low", document.get("MaxConcurrentCalls")
    if isinstance(calls, int) and level in MAX_CALLS and calls > MAX_CALLS[level]:
        problems.append(
            Problem("MaxConcurrentCalls", f"{calls} is more than ThrottleLevel {level} allows ({MAX_CALLS[level]})",
                    "lower it, or set ThrottleLevel High (Standard workspaces)")
        )  # fmt: skip
    seen: set[str] = set()
    for index, resource in enumerate(resources(document)):
        where = f"Resources[{index}]"
        if resource.get("Name") in seen:
            problems.append(Problem(f"{where}.Name", f"{resource.get('Name')!r} is named twice", "keep one"))
        seen.add(resource.get("Name"))
        location = resource.get("Location") if isinstance(resource.get("Location"), dict) else {}
        base, relative = location.get("BaseLocation"), location.get("RelativeLocation")
        if isinstance(base, str) and urlsplit(base).scheme not in ("http", "https"):
            problems.append(Problem(f"{where}.Location.BaseLocation", "not an http(s) storage account URL",
                                    "e.g. https://acct.blob.core.windows.net/"))  # fmt: skip
        if isinstance(relative, str) and (not relative.lower().endswith(MODEL_EXTENSION) or "/" not in relative):
            problems.append(Problem(f"{where}.Location.RelativeLocation", f"not container/path/model{MODEL_EXTENSION}",
                                    "give the trained model's blob"))  # fmt: skip
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
