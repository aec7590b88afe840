"""ARM conventions shared by the emulator's providers: timestamps, locations, api-versions, paging."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from toolkit import regions
from toolkit.emulator.router import HttpError, Request

PROVIDER = "Microsoft.MachineLearning"


def arm_time(epoch: float) -> str:
    """ISO 8601 UTC with up to 7 fractional digits, trailing zeros dropped, as ARM writes them."""
    ticks = round(epoch * 10_000_000)
    seconds, fraction = divmod(ticks, 10_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:07d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


def known_location(location: str, resource_type: str) -> str:
    """The normalised region ('southcentralus'); HttpError 400 as ARM answers a region the type is not offered in.

    Checked before anything is stored, so a location can never reach a header (the status URL carries it).
    """
    normalised = regions.normalise(location)
    if normalised not in regions.KNOWN_REGIONS:
        raise HttpError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{location}' is not available for resource type '{resource_type}'. "
            f"List of available regions for the resource type is '{','.join(regions.KNOWN_REGIONS)}'.",
        )
    return normalised


def put_location(body: dict[str, Any], resource_type: str) -> str:
    """The `location` of a PUT body, as sent (it is echoed back so); HttpError 400 when missing or not offered."""
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise HttpError(400, "LocationRequired", "The location property is required for this definition.")
    known_location(location, resource_type)
    return location


def location_conflict(name: str, resource_group: str, existing: str, asked: str) -> HttpError:
    """ARM's 409 for a PUT naming an existing resource in another region: a resource never moves region."""
    return HttpError(
        409,
        "InvalidResourceLocation",
        f"The resource '{name}' already exists in location '{regions.normalise(existing)}' in resource group "
        f"'{resource_group}'. A resource with the same name cannot be created in location "
        f"'{regions.normalise(asked)}'. Please select a new resource name.",
    )


def key_of(value: Any, name: Any) -> str | None:
    """The key of `value` that is `name` matched case-insensitively (the .NET service read `Name` as `name`)."""
    if not isinstance(value, dict) or not isinstance(name, str):
        return None
    if name in value:
        return name
    lowered = name.lower()
    return next((key for key in value if key.lower() == lowered), None)


def member(value: Any, name: str) -> Any:
    """`value[name]` matched case-insensitively, None when absent (or when `value` is not an object)."""
    key = key_of(value, name)
    return None if key is None else value[key]


def check_api_version(request: Request, *supported: str) -> None:
    version = request.query.get("api-version")
    if not version:
        raise HttpError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in supported:
        raise HttpError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are '{', '.join(supported)}'.",
        )


def json_object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return body


def resource_body(request: Request) -> dict[str, Any]:
    """A resource's PUT/PATCH/POST body as the .NET service read it: null members are absent, at any depth.

    So a null the client sent is never stored and never echoed back (`exampleRequest.globalParameters: null`).
    """
    return without_nulls(json_object(request))


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def encode_skiptoken(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise HttpError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.") from None
