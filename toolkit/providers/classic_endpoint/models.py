"""The model a Classic endpoint is pointed at: an `.ilearner` blob, as BES results name it (BaseLocation,
RelativeLocation, SasBlobToken), checked to be there before the endpoint is patched."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from toolkit.errors import BadInput, MlwsError
from toolkit.retraining import MODEL_EXTENSION

SWITCH_NOTE = "the endpoint starts using a new model within about 30 s (the service's documented delay)"
SKIP_HINT = "pass --skip-model-check if the service reads storage mlws cannot reach from here"


def base_problem(base_location: str) -> str | None:
    """Why a BaseLocation is not a storage account's URL, or None."""
    parts = urlsplit(base_location)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return "not a storage account's http(s) URL, e.g. https://acct.blob.core.windows.net/"
    return None


def relative_problem(relative_location: str) -> str | None:
    """Why a RelativeLocation is not container/path/model.ilearner, or None."""
    relative = relative_location.strip("/")
    if "/" not in relative or not relative.lower().endswith(MODEL_EXTENSION) or "?" in relative or "#" in relative:
        return f"not container/path/model{MODEL_EXTENSION} (without a SAS)"
    if any(segment in ("", ".", "..") for segment in relative.split("/")):
        return "empty, '.' and '..' segments are not blob names"
    return None


def normal_location(location: dict[str, Any]) -> dict[str, Any]:
    """A Location as it is sent: the account URL with its trailing slash, the blob path without a leading one,
    the SAS (if any) with its '?' (written with or without it)."""
    base, relative, sas = (location.get(k) for k in ("BaseLocation", "RelativeLocation", "SasBlobToken"))
    result = dict(location)
    if isinstance(base, str):
        result["BaseLocation"] = base if base.endswith("/") else base + "/"
    if isinstance(relative, str):
        result["RelativeLocation"] = relative.lstrip("/")
    if isinstance(sas, str) and sas:
        result["SasBlobToken"] = sas if sas.startswith("?") else f"?{sas}"
    return result


def model_update(base_location: str, relative_location: str, sas: str | None) -> dict[str, Any]:
    """The Location of a PATCH body from the flags, its parts checked."""
    problem = base_problem(base_location)
    if problem:
        raise BadInput(f"--base-location {base_location!r}: {problem}")
    problem = relative_problem(relative_location)
    if problem:
        raise BadInput(f"--relative-location {relative_location!r}: {problem} (a SAS goes in --sas-token-env)")
    return normal_location({"BaseLocation": base_location, "RelativeLocation": relative_location, "SasBlobToken": sas})


def check_model(location: dict[str, Any]) -> str:
    """The blob must exist: read through its SAS (or anonymously); the location checked, never its SAS."""
    from toolkit import storage

    url = location["BaseLocation"] + location["RelativeLocation"]
    try:
        storage.etag_url(url + (location.get("SasBlobToken") or ""))
    except storage.BlobNotFound:
        raise BadInput(f"the trained model {url} does not exist; nothing was sent ({SKIP_HINT})") from None
    except storage.BlobAccessDenied:
        how = "its SAS" if location.get("SasBlobToken") else "anonymous access (give its SAS with --sas-token-env)"
        raise BadInput(f"storage refused to show {url} with {how}; nothing was sent ({SKIP_HINT})") from None
    except MlwsError as error:
        raise BadInput(
            f"the trained model {url} cannot be checked: {error.message}; nothing was sent ({SKIP_HINT})"
        ) from None
    return url
