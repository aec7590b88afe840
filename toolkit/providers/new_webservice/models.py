"""Before a web service is pointed at a trained model, the model must be there: an `.ilearner` blob it can read.

The service itself accepts any URI and fails only when it scores (`mlws score` then answers "model not
found"), so `new` and `update` look first, for every `[trained model]` asset whose URI they would change:
the blob must exist (that the URI names an `.ilearner` blob is a rule of the definition, checked offline).
It is read the way the service reads it: through the URI's own SAS when it has one, else with the service's
storage account (its name from the definition or the live service, its key from the definition's
`${MLWS_STORAGE_KEY}` placeholder or the environment). Without either, the blob is asked for anonymously
(a public container answers). A model that is missing, unreadable or on storage that cannot be reached is
bad input (exit 2) naming the URI and the reason, and nothing is sent; `--skip-model-check` is for storage
that cannot be reached from where mlws runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolkit.definition.secrets import PLACEHOLDER
from toolkit.errors import BadInput, MlwsError
from toolkit.providers.new_webservice.definition import is_trained_model

SKIP_HINT = "pass --skip-model-check if the service reads storage mlws cannot reach from here"


def trained_models(document: dict[str, Any] | None) -> dict[str, str]:
    """asset id -> URI of every trained-model asset of a definition (or request body, or live service)."""
    assets = ((document or {}).get("properties") or {}).get("assets")
    found = {}
    for asset_id, asset in assets.items() if isinstance(assets, dict) else ():
        uri = (asset.get("locationInfo") or {}).get("uri") if is_trained_model(asset) else None
        if isinstance(uri, str):
            found[asset_id] = uri
    return found


def models_to_check(sent: dict[str, Any], live: dict[str, Any] | None) -> dict[str, str]:
    """The trained models a request needs looked at: those whose URI it changes, and, when it sends a storage key
    (the credential the service will read its models with), every model read through the account, to prove the
    key reads them."""
    before = trained_models(live)
    sent_models = trained_models(sent)
    found = {asset_id: uri for asset_id, uri in sent_models.items() if before.get(asset_id) != uri}
    key = ((sent.get("properties") or {}).get("storageAccount") or {}).get("key")
    if isinstance(key, str) and key:
        models = sent_models if "assets" in (sent.get("properties") or {}) else before
        found.update({asset_id: uri for asset_id, uri in models.items() if "?" not in uri})
    return found


def check_models(
    sent: dict[str, Any], live: dict[str, Any] | None, env: Mapping[str, str], *, skip: bool = False
) -> list[str]:
    """Check the trained models of a request (module docstring and models_to_check); the URIs checked."""
    wanted = models_to_check(sent, live)
    if skip or not wanted:
        return []
    account = _storage_account(sent, live, env)
    for asset_id, uri in wanted.items():
        where = f"properties.assets.{asset_id}.locationInfo.uri"
        problem = _unreadable(uri, account)  # its form was checked with the definition (validate)
        if problem is not None:
            raise BadInput(f"{where}: the trained model cannot be used: {problem}; nothing was sent ({SKIP_HINT})")
    return [uri.split("?", 1)[0] for uri in wanted.values()]


def _storage_account(sent: dict[str, Any], live: dict[str, Any] | None, env: Mapping[str, str]) -> tuple[str, str]:
    """The service's storage account name and key, '' where unknown."""
    given = (sent.get("properties") or {}).get("storageAccount") or {}
    known = ((live or {}).get("properties") or {}).get("storageAccount") or {}
    name = str(given.get("name") or known.get("name") or "")
    key = given.get("key")
    if not isinstance(key, str) or not key or PLACEHOLDER.search(key):
        key = env.get("MLWS_STORAGE_KEY", "")
    return name, key


def _unreadable(uri: str, account: tuple[str, str]) -> str | None:
    """Why the blob cannot be read, or None when it exists."""
    from toolkit import storage

    name, key = account
    try:
        if "?" in uri or not key:
            storage.etag_url(uri)
        else:
            blob_account, relative = storage.account_for_url(uri, name, key)
            storage.etag(blob_account, relative)
    except storage.BlobNotFound:
        return f"{uri.split('?', 1)[0]} does not exist"
    except storage.BlobAccessDenied:
        how = "its SAS" if "?" in uri else f"storage account {name}'s key" if key else "anonymous access"
        return f"storage refused to show {uri.split('?', 1)[0]} with {how}" + (
            "" if key or "?" in uri else " (set MLWS_STORAGE_KEY to the service's storage account key)"
        )
    except MlwsError as error:  # unreachable storage, a malformed URI
        return error.message
    return None
