"""ARM conventions shared by the emulator's providers: timestamps, locations, api-versions, paging."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from toolkit.emulator.router import HttpError, Request

PROVIDER = "Microsoft.MachineLearning"


def arm_time(epoch: float) -> str:
    """ISO 8601 UTC with up to 7 fractional digits, trailing zeros dropped, as ARM writes them."""
    ticks = round(epoch * 10_000_000)
    seconds, fraction = divmod(ticks, 10_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:07d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


def normalise_location(location: str) -> str:
    """'South Central US' -> 'southcentralus', the form used in operation URLs and `?region=`."""
    return "".join(location.split()).lower()


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


def encode_skiptoken(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise HttpError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.") from None
