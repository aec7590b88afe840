"""All blob access of mlws and the emulator, through azure-storage-blob.

Blobs are named as BES names them: a `RelativeLocation` "container/path/blob.ext" inside the
account a connection string names. Credentials (account keys, SAS tokens) stay inside this
module's calls: every message it raises names the account and the blob, never a key or a
signature.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from toolkit.errors import BadInput, MlwsError

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, BlobServiceClient

CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"
# Few, quick retries: storage here is Azurite on loopback or an account the user named, and a wrong or
# unreachable endpoint must fail in seconds. azure-storage-blob retries with its own policy, which ignores
# azure-core's retry_backoff_factor: its default waits 15 s + 3^n s (+-3 s) between tries, 41-44 s for two
# retries, so the policy is given explicitly here, once, for every blob client mlws and the emulator make.
RETRY_TOTAL = 2
RETRY_BACKOFF = 0.5  # seconds between tries (+-0.2 s of jitter)
CONNECTION_TIMEOUT = 5
READ_TIMEOUT = 30


class BlobNotFound(BadInput):
    """The blob (or its container) does not exist."""


class BlobAccessDenied(BadInput):
    """Storage refused the credential: a wrong key, or a SAS that is expired, wrong or lacks a permission."""


class StorageUnavailable(MlwsError):
    """Blob storage could not be reached."""


@dataclass(frozen=True)
class Account:
    """A storage account as a connection string describes it (the credential is kept, never shown)."""

    name: str
    blob_endpoint: str  # no trailing slash, e.g. http://127.0.0.1:10000/devstoreaccount1
    key: str | None = None
    sas_token: str | None = None  # without the leading "?"

    @property
    def base_location(self) -> str:
        """The BES `BaseLocation` of this account's blobs (ends with "/")."""
        return self.blob_endpoint + "/"

    def url(self, relative_location: str) -> str:
        container, blob = split_location(relative_location)
        return f"{self.blob_endpoint}/{quote(container)}/{quote(blob)}"


def connection_string_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The storage connection string, from the environment only (never a flag or a file)."""
    value = (environ if environ is not None else os.environ).get(CONNECTION_STRING_VARIABLE, "").strip()
    if not value:
        raise BadInput(
            f"{CONNECTION_STRING_VARIABLE} is not set: BES reads and writes blobs with it "
            f"(export {CONNECTION_STRING_VARIABLE}='DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...')"
        )
    return value


def parse_connection_string(connection_string: str) -> Account:
    """Read an account-key or SAS connection string; raise BadInput (without echoing it) when malformed."""
    fields: dict[str, str] = {}
    for part in connection_string.strip().split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise BadInput("the storage connection string is malformed: expected NAME=VALUE pairs separated by ';'")
        fields[name.strip().lower()] = value.strip()
    endpoint = fields.get("blobendpoint", "").rstrip("/")
    name = fields.get("accountname", "")
    if not endpoint:
        if not name:
            raise BadInput("the storage connection string names no AccountName and no BlobEndpoint")
        protocol = fields.get("defaultendpointsprotocol", "https")
        endpoint = f"{protocol}://{name}.blob.{fields.get('endpointsuffix', 'core.windows.net')}"
    if not name:
        name = account_name_of(endpoint)
    key = fields.get("accountkey") or None
    sas = (fields.get("sharedaccesssignature") or "").lstrip("?") or None
    if key is None and sas is None:
        raise BadInput("the storage connection string carries neither AccountKey nor SharedAccessSignature")
    return Account(name=name, blob_endpoint=endpoint, key=key, sas_token=sas)


def account_name_of(endpoint: str) -> str:
    """The account a blob endpoint belongs to: `acct` of https://acct.blob.core.windows.net or of
    Azurite's path-style http://127.0.0.1:10000/acct."""
    parts = urlsplit(endpoint)
    host_label = parts.hostname.split(".")[0] if parts.hostname else ""
    # Azurite and other path-style endpoints carry the account as the first path segment.
    path_label = parts.path.strip("/").split("/")[0]
    return path_label or host_label


def split_location(relative_location: str) -> tuple[str, str]:
    """ "container/dir/blob.csv" (a leading "/" allowed, as BES samples write it) -> (container, blob)."""
    container, _, blob = relative_location.strip().lstrip("/").partition("/")
    if not container or not blob:
        raise BadInput(f"blob location {relative_location!r} must be CONTAINER/BLOB, e.g. data/train.csv")
    return container, blob


def account_for_url(url: str, account_name: str, account_key: str | None) -> tuple[Account, str]:
    """The account (with its key) and "container/blob" of an absolute blob URL, as a web service's
    storageAccount reads its assets. Any query on the URL (a SAS) is ignored."""
    parts = urlsplit(url.split("?", 1)[0])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"{url.split('?', 1)[0]} is not an http(s) blob URL")
    segments = [unquote(segment) for segment in parts.path.strip("/").split("/")]
    name = account_name or parts.netloc.split(".")[0]
    if segments[0] == name and not parts.netloc.startswith(f"{name}."):  # path-style (Azurite)
        endpoint, segments = f"{parts.scheme}://{parts.netloc}/{name}", segments[1:]
    else:
        endpoint = f"{parts.scheme}://{parts.netloc}"
    if not account_key:
        raise BadInput(f"no key for storage account {name}: the web service's storageAccount.key is not set")
    return Account(name=name, blob_endpoint=endpoint, key=account_key), "/".join(segments)


def _client_options() -> dict[str, Any]:
    """Retries and timeouts of every blob client (see RETRY_TOTAL)."""
    from azure.storage.blob import LinearRetry

    retry = LinearRetry(backoff=RETRY_BACKOFF, retry_total=RETRY_TOTAL, random_jitter_range=0.2)
    return {"retry_policy": retry, "connection_timeout": CONNECTION_TIMEOUT, "read_timeout": READ_TIMEOUT}


@functools.lru_cache(maxsize=16)
def _service(account: Account) -> BlobServiceClient:
    """One client (one connection pool) per account, so a command's blob calls reuse their connection."""
    from azure.storage.blob import BlobServiceClient

    credential = {"account_name": account.name, "account_key": account.key} if account.key else account.sas_token
    return BlobServiceClient(account.blob_endpoint, credential=credential, **_client_options())


def _blob(account: Account, relative_location: str) -> BlobClient:
    container, blob = split_location(relative_location)
    return _service(account).get_blob_client(container, blob)


def _translate(error: Exception, account: Account, relative_location: str) -> MlwsError:
    return _translate_at(
        error, f"blob {relative_location.lstrip('/')} in storage account {account.name}", account.blob_endpoint
    )


def _translate_at(error: Exception, where: str, endpoint: str) -> MlwsError:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(error, ResourceNotFoundError):
        return BlobNotFound(f"{where} does not exist")
    if isinstance(error, ClientAuthenticationError) or getattr(error, "status_code", None) == 403:
        return BlobAccessDenied(
            f"storage refused access to {where}: the account key is wrong, or the SAS is expired, "
            "invalid or lacks the permission"
        )
    if isinstance(error, ServiceRequestError):
        return StorageUnavailable(f"cannot reach blob storage at {endpoint} for {where}: the connection failed")
    if isinstance(error, ServiceResponseError):
        return StorageUnavailable(
            f"cannot reach blob storage at {endpoint} for {where}: the connection closed without an answer"
        )
    return MlwsError(f"blob storage failed on {where}: {type(error).__name__}")


def upload(account: Account, relative_location: str, data: bytes) -> None:
    """Write (overwrite) a blob, creating its container when the credential allows it."""
    from azure.core.exceptions import AzureError, ResourceExistsError

    blob = _blob(account, relative_location)
    try:
        try:
            blob.upload_blob(data, overwrite=True)
        except AzureError as error:
            if getattr(error, "error_code", None) != "ContainerNotFound":
                raise
            with contextlib.suppress(ResourceExistsError):  # created meanwhile by a concurrent writer
                _service(account).create_container(blob.container_name)
            blob.upload_blob(data, overwrite=True)
    except AzureError as error:
        raise _translate(error, account, relative_location) from None


def download(account: Account, relative_location: str) -> tuple[bytes, str]:
    """A blob's content and etag."""
    from azure.core.exceptions import AzureError

    try:
        stream = _blob(account, relative_location).download_blob()
        return stream.readall(), stream.properties.etag
    except AzureError as error:
        raise _translate(error, account, relative_location) from None


def etag(account: Account, relative_location: str) -> str:
    """The blob's current etag (cheap: one HEAD), to tell whether a cached copy is current."""
    from azure.core.exceptions import AzureError

    try:
        return _blob(account, relative_location).get_blob_properties().etag
    except AzureError as error:
        raise _translate(error, account, relative_location) from None


def exists(account: Account, relative_location: str) -> bool:
    try:
        etag(account, relative_location)
    except BlobNotFound:
        return False
    return True


def read_sas(account: Account, relative_location: str, lifetime: timedelta) -> str:
    """A read-only SAS token ("?sv=...") for one blob: freshly signed with the account key, or the
    caller's own SAS when the account was given by a SAS connection string (nothing to sign with)."""
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    if account.key is None:
        return f"?{account.sas_token}"
    container, blob = split_location(relative_location)
    now = datetime.now(UTC)
    token = generate_blob_sas(
        account_name=account.name,
        container_name=container,
        blob_name=blob,
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        start=now - timedelta(minutes=5),  # tolerate clock skew between us and storage
        expiry=now + lifetime,
    )
    return f"?{token}"


def _url_client(url: str) -> BlobClient:
    from azure.storage.blob import BlobClient

    return BlobClient.from_blob_url(url, **_client_options())


def download_url(url_with_sas: str) -> bytes:
    """Read a blob through a URL that carries its SAS (BaseLocation + RelativeLocation + SasBlobToken)."""
    from azure.core.exceptions import AzureError

    bare = url_with_sas.split("?", 1)[0]
    try:
        return _url_client(url_with_sas).download_blob().readall()
    except AzureError as error:
        raise _translate_at(error, f"blob {bare}", urlsplit(bare).netloc) from None


def etag_url(url: str) -> str:
    """The etag of the blob a URL names (one HEAD), read through the URL's own SAS, or anonymously without one."""
    from azure.core.exceptions import AzureError

    bare = url.split("?", 1)[0]
    try:
        return _url_client(url).get_blob_properties().etag
    except AzureError as error:
        raise _translate_at(error, f"blob {bare}", urlsplit(bare).netloc) from None
