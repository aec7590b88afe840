"""A JSON API at a base URL, authorised by a bearer key: a web service's runtime (its key) and the Classic
management API (the workspace's authorization token) both are one.

Every call goes through one azure-core PipelineClient and the retry decision ARM calls use
(toolkit.arm.client.send_retrying): GET, PUT, PATCH and DELETE are sent again after a transient failure,
a POST never is. Under --debug one redacted log line per request. An error answer, {"error": {code,
message, details}}, becomes an exception with the right exit code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from azure.core import PipelineClient
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.policies import (
    AzureKeyCredentialPolicy,
    ContentDecodePolicy,
    HeadersPolicy,
    RequestIdPolicy,
    UserAgentPolicy,
)
from azure.core.rest import HttpRequest

from toolkit import __version__
from toolkit.arm.client import CONNECTION_TIMEOUT, READ_TIMEOUT, RedactedHttpLog, retry_note, send_retrying
from toolkit.arm.credential import is_loopback
from toolkit.arm.errors import RequestRefused, RequestRejected
from toolkit.errors import MlwsError, ServiceError, ServiceErrorInfo
from toolkit.redact import redact

# The runtime's error classes that mean "your request is wrong" (exit 2) rather than "the service failed".
BAD_INPUT_CLASSES = {"BadArgument", "BadUserArgument", "InvalidOperation"}


@dataclass
class Answer:
    status: int
    body: Any  # parsed JSON, or None for an empty (or not JSON) body


class KeyedClient:
    """Calls to `base_url` with `key`; `query` goes on every URL (the runtime's api-version); `refused` ends the
    message of a 401 (which key was refused and where to look); `management`: the Classic management API's
    answers, where every 400 says the request is wrong and a 403 refuses it (else only the runtime's bad-input
    classes are bad input). The key never goes over plain http but to this machine."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        query: dict[str, str] | None = None,
        refused: str = "",
        management: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.query = query or {}
        self.refused = refused
        self.management = management
        policies = [
            RequestIdPolicy(),
            HeadersPolicy({"Accept": "application/json"}),
            UserAgentPolicy(base_user_agent=f"mlws/{__version__}"),
            ContentDecodePolicy(),
            # No retry policy: send_retrying decides, as for ARM calls.
            AzureKeyCredentialPolicy(AzureKeyCredential(key), "Authorization", prefix="Bearer"),
            RedactedHttpLog(),
        ]
        self._pipeline = PipelineClient(base_url=self.base_url, policies=policies)

    def call(
        self,
        method: str,
        path: str,
        action: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        if_unsure: str | None = None,
        changes_nothing: bool = False,
    ) -> Answer:
        """One call, re-sent after a transient failure unless it is a POST; `if_unsure` ends the message of a
        POST whose answer was lost (what may have happened, how to check). An error answer raises."""
        query = {**self.query, **(params or {})}
        url = f"{self.base_url}{path}" + (f"?{urlencode(query)}" if query else "")
        if urlsplit(url).scheme != "https" and not is_loopback(url):
            raise ServiceError(f"{action}: refusing to send a key over plain http to {urlsplit(url).netloc}")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode("utf-8") if body is not None else None
        sent = send_retrying(
            self._pipeline,
            HttpRequest(method, url, headers=headers, content=data),
            action=action,
            where=self.base_url,
            if_unsure=if_unsure,
            changes_nothing=changes_nothing,
            connection_timeout=CONNECTION_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
        status, raw = sent.response.status_code, sent.text
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            parsed = None
        if method == "DELETE" and status == 404 and sent.retries:
            return Answer(204, None)  # a DELETE sent again after its answer was lost: the first one took
        if status >= 400:
            request_id = sent.response.headers.get("x-ms-request-id")
            error = error_of(action, status, parsed, raw, request_id, management=self.management)
            if status == 401 and self.refused:
                error.message += f"; {self.refused}"
            error.message += retry_note(method, status, sent.retries, if_unsure)
            raise error
        return Answer(status, parsed)


def error_of(
    action: str, status: int, body: Any, raw: str, request_id: str | None, *, management: bool = False
) -> MlwsError:
    """{"error": {code, message, details}} as an exception with the right exit code."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    info = ServiceErrorInfo(
        status=status, code=error.get("code"), message=error.get("message"), request_id=request_id, details=details
    )
    # The runtime's specific code and message are in the first detail; its top level only names the class.
    specific = details[0] if details else error
    code = specific.get("code") or error.get("code")
    message = specific.get("message") or error.get("message") or raw[:200] or f"HTTP {status}"
    text = redact(
        f"{action}: {code}: {message} (HTTP {status}" + (f", request id {request_id})" if request_id else ")")
    )
    if (management and status == 400) or error.get("code") in BAD_INPUT_CLASSES:
        return RequestRejected(text, info)
    if management and status == 403:
        return RequestRefused(text, info)
    return ServiceError(text, info)
