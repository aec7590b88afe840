"""The swagger (2.0) document of a Classic endpoint's runtime, made from the definition it runs.

Shaped as a real endpoint's: `info` with the endpoint's name and description (`x-endpoint-name`,
`x-endpoint-description`), `host` and `basePath` of its ApiLocation, the same paths and operation ids (swagger,
execute, submitjob, getjobstatus, canceljob, startjob) and definitions (ExecutionRequest, ExecutionResults,
BatchExecutionRequest, AzureBlobDataReference, BatchExecutionStatus, GlobalParameters, Execution/Batch Inputs and
Outputs, and one `<port>Item` per port with its columns). Statuses are the ones the emulator answers (start and
cancel answer 200, as a New web service's runtime in the emulator does).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from toolkit.emulator.conventions import member
from toolkit.emulator.runtime import CANCELLED, FAILED, FINISHED, NOT_STARTED, RUNNING

JOB_ID = {"name": "jobId", "in": "path", "description": "The job id submit answered", "required": True,
          "type": "string"}  # fmt: skip
SECURED = [{"api_key": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def ports(properties: dict[str, Any], which: str) -> dict[str, dict[str, Any]]:
    """port -> column -> swagger schema, from a definition's `input` or `output`."""
    found = {}
    for port, spec in (member(member(properties, which), "properties") or {}).items():
        columns = {}
        for column, column_spec in (member(spec, "properties") or {}).items():
            schema = {"type": str(member(column_spec, "type") or "String").lower()}
            if member(column_spec, "format"):
                schema["format"] = str(member(column_spec, "format")).lower()
            columns[column] = schema
        found[port] = columns
    return found


def global_parameters(properties: dict[str, Any]) -> dict[str, Any]:
    declared = member(member(properties, "package"), "graphParameters") or {}
    schema = {}
    for name, value in (member(properties, "parameters") or {}).items():
        kind = member(member(declared, name), "type") or "String"
        default = member(value, "value") if isinstance(value, dict) else value
        schema[name] = {"description": member(member(declared, name), "description") or "",
                        "type": str(kind).lower(), "default": default}  # fmt: skip
    return schema


def api_document(
    properties: dict[str, Any],
    api_location: str,
    *,
    title: str,
    description: str | None,
    endpoint_name: str,
    endpoint_description: str | None,
) -> dict[str, Any]:
    location = urlsplit(api_location)
    inputs, outputs = ports(properties, "input"), ports(properties, "output")
    definitions: dict[str, Any] = {
        "ExecutionRequest": {
            "properties": {"Inputs": ref("ExecutionInputs"), "GlobalParameters": ref("GlobalParameters")}
        },
        "ExecutionResults": {"properties": {"Results": ref("ExecutionOutputs")}},
        "BatchExecutionRequest": {
            "properties": {
                "GlobalParameters": ref("GlobalParameters"),
                "Inputs": ref("BatchInputs"),
                "Outputs": ref("BatchOutputs"),
            }  # fmt: skip
        },
        "AzureBlobDataReference": {
            "properties": {
                name: {"type": "string"}
                for name in ("BaseLocation", "ConnectionString", "RelativeLocation", "SasBlobToken")
            }  # fmt: skip
        },
        "BatchExecutionStatus": {
            "properties": {
                "StatusCode": {
                    "type": "string",
                    "default": NOT_STARTED,
                    "enum": [NOT_STARTED, RUNNING, FAILED, CANCELLED, FINISHED],
                },  # fmt: skip
                "Results": {"type": "object"},
                "Details": {"type": "string"},
            }
        },
        "GlobalParameters": {"properties": global_parameters(properties), "type": "object"},
        "ExecutionInputs": {
            "properties": {p: {"items": ref(f"{p}Item"), "type": "array"} for p in inputs},
            "type": "object",
        },  # fmt: skip
        "ExecutionOutputs": {
            "properties": {p: {"items": ref(f"{p}Item"), "type": "array"} for p in outputs},
            "type": "object",
        },  # fmt: skip
        "BatchInputs": {"properties": {p: ref("AzureBlobDataReference") for p in inputs}, "type": "object"},
        "BatchOutputs": {"properties": {p: ref("AzureBlobDataReference") for p in outputs}, "type": "object"},
        **{f"{port}Item": {"properties": columns} for port, columns in {**inputs, **outputs}.items()},
    }
    paths = {
        "/swagger.json": {"get": {
            "operationId": "getSwaggerDocument",
            "parameters": [{"name": "api-version", "in": "query", "required": False, "type": "string",
                            "default": "2.0", "enum": ["2.0"]}],
            "responses": {"200": {"description": "This document"}},
        }},
        "/execute?api-version=2.0&format=swagger": {"post": {
            "operationId": "execute",
            "parameters": [{"name": "body", "in": "body", "schema": ref("ExecutionRequest")}],
            "responses": {"200": {"description": "The scored rows", "schema": ref("ExecutionResults")}},
            "security": SECURED,
        }},
        "/jobs?api-version=2.0": {"post": {
            "operationId": "submitjob",
            "parameters": [{"name": "body", "in": "body", "schema": ref("BatchExecutionRequest")}],
            "responses": {"200": {"description": "The new job's id", "schema": {"type": "string"}}},
            "security": SECURED,
        }},
        "/jobs/{jobId}?api-version=2.0": {
            "get": {
                "operationId": "getjobstatus",
                "parameters": [JOB_ID],
                "responses": {"200": {"description": "The job's status", "schema": ref("BatchExecutionStatus")}},
                "security": SECURED,
            },
            "delete": {
                "operationId": "canceljob",
                "parameters": [JOB_ID],
                "responses": {"200": {"description": "Cancelled (or, once ended, deleted)"}},
                "security": SECURED,
            },
        },
        "/jobs/{jobId}/start?api-version=2.0": {"post": {
            "operationId": "startjob",
            "parameters": [JOB_ID],
            "responses": {"200": {"description": "Started"}},
            "security": SECURED,
        }},
    }  # fmt: skip
    return {
        "swagger": "2.0",
        "info": {
            "version": "2.0",
            "title": title,
            "description": description or "",
            "x-endpoint-name": endpoint_name,
            "x-endpoint-description": endpoint_description or "",
        },
        "host": location.netloc,
        "basePath": location.path,
        "schemes": [location.scheme],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions,
        "securityDefinitions": {
            "api_key": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "Bearer <the endpoint's PrimaryKey or SecondaryKey>",
            }  # fmt: skip
        },
    }
