"""The model a Classic endpoint is pointed at: an `.ilearner` blob, as BES results name it (BaseLocation,
RelativeLocation, SasBlobToken), checked to be there before the endpoint is patched."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from toolkit.errors import BadInput, MlwsError

MODEL_EXTENSION = ".ilearner"
SKIP_HINT = "pass --skip-model-check if the service reads storage mlws cannot reach from here"


def model_update(base_location: str, relative_location: str, sas: str | None) -> dict[str, Any]:
    """The Location of a PATCH body, its parts checked: an http(s) account URL and container/blob.ilearner."""
    parts = urlsplit(base_location)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise BadInput(
            f"--base-location {base_location!r}: give the storage account's URL, e.g. https://acct.blob.core.windows.net/"
        )
    relative = relative_location.strip("/")
    if "/" not in relative or not relative.lower().endswith(MODEL_EXTENSION) or "?" in relative:
        raise BadInput(
            f"--relative-location {relative_location!r}: give container/path/model{MODEL_EXTENSION} (no SAS: "
            "pass it with --sas-token-env)"
        )
    if any(segment in ("", ".", "..") for segment in relative.split("/")):
        raise BadInput(f"--relative-location {relative_location!r}: empty, '.' and '..' segments are not blob names")
    base = base_location if base_location.endswith("/") else base_location + "/"
    return {"BaseLocation": base, "RelativeLocation": relative, "SasBlobToken": sas}


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
