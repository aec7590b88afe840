"""Which credential signs ARM calls: azure-identity for Azure, a static development token for loopback only.

The development token is never sent anywhere but a loopback address: `ArmClient` also lifts
azure-core's https enforcement per request, and only for loopback URLs. It is "mlws-development-token",
or MLWS_ARM_TOKEN when set (for an emulator started with `--token`).
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

from toolkit.names import is_loopback_host

DEVELOPMENT_TOKEN = "mlws-development-token"


def is_loopback(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


class DevelopmentCredential:
    """A fixed bearer token for the local emulator (azure-core's TokenCredential protocol)."""

    def get_token(self, *scopes: str, **kwargs: Any):
        from azure.core.credentials import AccessToken

        return AccessToken(os.environ.get("MLWS_ARM_TOKEN") or DEVELOPMENT_TOKEN, int(time.time()) + 3600)


def credential_for(endpoint: str):
    if is_loopback(endpoint):
        return DevelopmentCredential()
    from azure.identity import DefaultAzureCredential

    # The CLI prompts nowhere: interactive browser login stays off, as in `az` scripts.
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def token_scope(endpoint: str) -> str:
    return f"{endpoint.rstrip('/')}/.default"
