"""What the provider refuses in a web service's properties: HttpError 400 listing every problem.

The checks are the official swagger's (webservices.json: required fields and enums of WebServiceProperties,
MachineLearningWorkspace, CommitmentPlan, AssetItem, BlobLocation, ServiceInputOutputSpecification,
TableSpecification and ColumnSpecification) and the service's own ranges (maxConcurrentCalls 4..200). The
enums are the project's schema's (toolkit.definition.schema), which follow the same swagger; a column format
may also be "", which the real service sends for String columns and accepts back.

Names are read case-insensitively, as the .NET service read them (it answered PascalCase `Name`,
`LocationInfo`, `Uri` inside assets of one recorded service). Which code the real service gave each problem
is not recorded: the codes below are the emulator's (MissingRequiredProperty, InvalidEnumValue,
InvalidProperty, ...); the envelope is ARM's, {"error": {"code", "message", "details": [{code, target,
message}]}}, one detail per problem.
"""

from __future__ import annotations

from typing import Any

from toolkit.definition.paths import join
from toolkit.emulator.conventions import member
from toolkit.emulator.router import HttpError
from toolkit.providers.new_webservice.schema import (
    ASSET_TYPES,
    COLUMN_FORMATS,
    COLUMN_TYPES,
    DIAGNOSTIC_LEVELS,
    MAX_CONCURRENT_CALLS,
    MIN_CONCURRENT_CALLS,
    PACKAGE_TYPES,
)

Problem = tuple[str, str, str]  # (code, target, message)
OBJECT_PROPERTIES = ("keys", "storageAccount", "machineLearningWorkspace", "commitmentPlan", "assets", "parameters")


def bad_request(problems: list[Problem]) -> HttpError:
    """ARM's 400 with one detail per problem; the message is the first problem's (and how many more there are)."""
    details = [{"code": code, "target": target, "message": message} for code, target, message in problems]
    message = problems[0][2] + (f" ({len(problems) - 1} more problems in details.)" if len(problems) > 1 else "")
    return HttpError(400, "BadRequest", message, details)


def validate_properties(properties: Any) -> None:
    """HttpError 400 listing every problem of `properties` (the whole definition, merged for a PATCH)."""
    if not isinstance(properties, dict):
        raise bad_request(
            [("MissingProperties", "properties", "The 'properties' object of the web service is required.")]
        )
    problems = definition_problems(properties)
    if problems:
        raise bad_request(problems)


def require_package_type(properties: Any) -> None:
    """The discriminator: a PATCH must carry `properties.packageType` too (PatchedWebService's properties are
    WebServiceProperties, whose discriminator is required; the cmdlets always send it)."""
    if not isinstance(properties, dict) or member(properties, "packageType") is None:
        raise bad_request(
            [("MissingRequiredProperty", "properties.packageType", "properties.packageType is required ('Graph').")]
        )


def definition_problems(properties: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if member(properties, "packageType") not in PACKAGE_TYPES:
        problems.append(
            ("InvalidPackageType", "properties.packageType",
             f"properties.packageType must be 'Graph', got {member(properties, 'packageType')!r}.")
        )  # fmt: skip
    realtime = member(properties, "realtimeConfiguration")
    calls = member(realtime, "maxConcurrentCalls") if isinstance(realtime, dict) else realtime
    is_count = isinstance(calls, int) and not isinstance(calls, bool)
    if calls is not None and not (is_count and MIN_CONCURRENT_CALLS <= calls <= MAX_CONCURRENT_CALLS):
        problems.append(
            ("InvalidMaxConcurrentCalls", "properties.realtimeConfiguration.maxConcurrentCalls",
             f"maxConcurrentCalls must be an integer from {MIN_CONCURRENT_CALLS} to {MAX_CONCURRENT_CALLS}, "
             f"got {calls!r}.")
        )  # fmt: skip
    diagnostics = member(properties, "diagnostics")
    if diagnostics is not None:
        level = member(diagnostics, "level") if isinstance(diagnostics, dict) else diagnostics
        if level not in DIAGNOSTIC_LEVELS:
            problems.append(
                ("InvalidDiagnosticsLevel", "properties.diagnostics.level",
                 f"diagnostics.level must be one of {', '.join(DIAGNOSTIC_LEVELS)}, got {level!r}.")
            )  # fmt: skip
    for name in OBJECT_PROPERTIES:
        if member(properties, name) is not None and not isinstance(member(properties, name), dict):
            problems.append(("InvalidProperty", f"properties.{name}", f"properties.{name} must be an object."))
    for name in ("machineLearningWorkspace", "commitmentPlan"):
        reference = member(properties, name)
        if isinstance(reference, dict):
            require_text(reference, "id", f"properties.{name}", problems)
    read_only = member(properties, "readOnly")
    if read_only is not None and not isinstance(read_only, bool):
        problems.append(("InvalidProperty", "properties.readOnly", "properties.readOnly must be true or false."))
    assets = member(properties, "assets")
    for asset_id, asset in assets.items() if isinstance(assets, dict) else ():
        asset_problems(join("properties.assets", asset_id), asset, problems)
    for side in ("input", "output"):
        if member(properties, side) is not None:
            port_problems(f"properties.{side}", member(properties, side), problems)
    return problems


def asset_problems(target: str, asset: Any, problems: list[Problem]) -> None:
    """AssetItem: name, type (Module|Resource) and locationInfo (a BlobLocation with a uri) are required."""
    if not is_object(asset, target, problems):
        return
    require_text(asset, "name", target, problems)
    require_choice(asset, "type", ASSET_TYPES, target, problems)
    location = member(asset, "locationInfo")
    if location is None:
        problems.append(missing(target, "locationInfo"))
    elif is_object(location, join(target, "locationInfo"), problems):
        require_text(location, "uri", join(target, "locationInfo"), problems)


def port_problems(target: str, spec: Any, problems: list[Problem]) -> None:
    """ServiceInputOutputSpecification (type and properties required) -> tables (type required) -> columns."""
    if not is_object(spec, target, problems):
        return
    require_text(spec, "type", target, problems)
    tables = member(spec, "properties")
    if tables is None:
        problems.append(missing(target, "properties"))
        return
    if not is_object(tables, join(target, "properties"), problems):
        return
    for table_name, table in tables.items():
        table_target = join(join(target, "properties"), table_name)
        if not is_object(table, table_target, problems):
            continue
        require_text(table, "type", table_target, problems)
        columns = member(table, "properties")
        if columns is None or not is_object(columns, join(table_target, "properties"), problems):
            continue
        for column_name, column in columns.items():
            column_target = join(join(table_target, "properties"), column_name)
            if is_object(column, column_target, problems):
                require_choice(column, "type", COLUMN_TYPES, column_target, problems)
                if member(column, "format") is not None:
                    check_choice(column, "format", COLUMN_FORMATS, column_target, problems)


def is_object(value: Any, target: str, problems: list[Problem]) -> bool:
    if isinstance(value, dict):
        return True
    problems.append(("InvalidProperty", target, f"{target} must be an object."))
    return False


def missing(target: str, name: str) -> Problem:
    return ("MissingRequiredProperty", join(target, name), f"{join(target, name)} is required.")


def require_text(value: dict[str, Any], name: str, target: str, problems: list[Problem]) -> None:
    found = member(value, name)
    if found is None:
        problems.append(missing(target, name))
    elif not isinstance(found, str):
        problems.append(("InvalidProperty", join(target, name), f"{join(target, name)} must be a string."))


def require_choice(value: dict[str, Any], name: str, choices: tuple[str, ...], target: str, problems: list) -> None:
    if member(value, name) is None:
        problems.append(missing(target, name))
    else:
        check_choice(value, name, choices, target, problems)


def check_choice(value: dict[str, Any], name: str, choices: tuple[str, ...], target: str, problems: list) -> None:
    found = member(value, name)
    if found not in choices:
        shown = ", ".join(repr(choice) for choice in choices)
        problems.append(("InvalidEnumValue", join(target, name), f"{join(target, name)} must be one of {shown}, "
                         f"got {found!r}."))  # fmt: skip
