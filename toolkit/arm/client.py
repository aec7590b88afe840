"""ArmClient: every Resource Manager call goes through one azure-mgmt-core ARMPipelineClient.

The pipeline adds x-ms-client-request-id, `User-Agent: mlws/<version>`, bearer auth, bounded
retries (429 honouring Retry-After, 408/5xx, dropped connections) and, under --debug, one
redacted log line per request and response (no bodies: they may carry keys).

Long-running operations (PUT/PATCH/DELETE/POST of web services) answer with an
Azure-AsyncOperation URL; `wait` polls it. Polling starts after ~1 s and then waits a tenth of
the time already spent (at least 0.5 s, at most 10 s), so it never overshoots the end by more
than ~10 %; a percentComplete that predicts an earlier end shortens the wait, and Retry-After
always wins. The cmdlets poll every 5 s, which doubles a 5 s operation.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.core.pipeline.policies import (
    ContentDecodePolicy,
    HeadersPolicy,
    ProxyPolicy,
    RequestIdPolicy,
    RetryPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.rest import HttpRequest
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy, ARMChallengeAuthenticationPolicy

from toolkit import __version__
from toolkit.arm.credential import credential_for, is_loopback, token_scope
from toolkit.arm.errors import (
    OperationFailed,
    OperationTimedOut,
    error_from_response,
    info_from,
    one_line,
    parse_error_body,
)
from toolkit.errors import ServiceError, ServiceErrorInfo
from toolkit.redact import redact

HTTP_LOG = logging.getLogger("mlws.http")

RETRY_TOTAL = 5
RETRY_BACKOFF = 0.5  # seconds, doubled per consecutive failure (azure-core exponential mode)
RETRY_BACKOFF_MAX = 20
RETRY_AFTER_MAX = 60  # seconds: a 429 asking for a longer wait fails at once instead of hanging silently
CONNECTION_TIMEOUT = 10
READ_TIMEOUT = 120

FIRST_POLL = 1.0
MIN_POLL = 0.5
MAX_POLL = 10.0
POLL_GROWTH = 0.1  # wait this share of the time already spent
PREDICTED_END_POLL = 0.1  # near the end percentComplete predicts, poll this often (not more: 10 a second at most)

DONE = {"succeeded": "Succeeded", "failed": "Failed", "canceled": "Canceled", "cancelled": "Canceled"}


@dataclass
class ArmResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any
    request_id: str | None
    url: str


@dataclass
class Operation:
    """A started long-running operation; `status_url` is None when the first answer was already final."""

    status_url: str | None
    response: ArmResponse
    request_id: str | None


def poll_delay(elapsed: float, percent: float | None, retry_after: float | None) -> float:
    """Seconds to wait before the next status poll (see the module docstring)."""
    if retry_after is not None:
        return retry_after
    delay = min(MAX_POLL, max(MIN_POLL, elapsed * POLL_GROWTH))
    if percent is not None and 0 < percent < 1 and elapsed > 0:
        predicted_remaining = elapsed * (1 - percent) / percent
        delay = min(delay, max(PREDICTED_END_POLL, predicted_remaining))
    return delay


def retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _percent(status_body: dict[str, Any], headers: dict[str, str]) -> float | None:
    """Progress as a fraction: the status body says 0..1 (0.6, 1.0 recorded), the header 0..100."""
    for value, scale in (
        (status_body.get("percentComplete"), 1),
        (headers.get("azure-asyncoperationpercentcomplete"), 100),
    ):
        try:
            return min(1.0, float(value) / scale)
        except (TypeError, ValueError):
            continue
    return None


class BoundedRetryPolicy(RetryPolicy):
    """azure-core honours any Retry-After, so a throttled subscription asking for 10 minutes would hang
    a command with no output; past RETRY_AFTER_MAX the 429 is reported at once (exit 1, with the wait)."""

    def is_retry(self, settings, response) -> bool:
        wait = self.get_retry_after(response)
        if wait is not None and wait > RETRY_AFTER_MAX:
            return False
        return super().is_retry(settings, response)


class RedactedHttpLog(SansIOHTTPPolicy):
    """One line per request/response on the mlws.http logger: redacted URL, ids, timing; no bodies."""

    def on_request(self, request):
        http = request.http_request
        request.context["mlws_start"] = time.monotonic()
        HTTP_LOG.debug(
            "-> %s %s (client request id %s)", http.method, redact(http.url), http.headers.get("x-ms-client-request-id")
        )

    def on_response(self, request, response):
        http = response.http_response
        elapsed = time.monotonic() - request.context.get("mlws_start", time.monotonic())
        HTTP_LOG.debug(
            "<- %s %s %.2fs (request id %s)",
            http.status_code,
            redact(request.http_request.url),
            elapsed,
            http.headers.get("x-ms-request-id"),
        )


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record (it may be replaced: tests, redirection)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # StreamHandler.__init__ assigns one; the current sys.stderr always wins
        pass


def show_http_log(enabled: bool) -> None:
    """Send the mlws.http log to stderr for --debug, or silence it; idempotent."""
    if enabled and not any(isinstance(h, _StderrHandler) for h in HTTP_LOG.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("mlws: http: %(relativeCreated)6.0fms %(message)s"))
        HTTP_LOG.addHandler(handler)
    HTTP_LOG.setLevel(logging.DEBUG if enabled else logging.WARNING)


class ArmClient:
    def __init__(self, endpoint: str, subscription: str, *, credential=None, debug: bool = False) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.subscription = subscription
        show_http_log(debug)
        credential = credential or credential_for(self.endpoint)
        policies = [
            RequestIdPolicy(),  # x-ms-client-request-id, one per call, kept across retries
            HeadersPolicy({"Accept": "application/json", "accept-language": "en-US"}),
            UserAgentPolicy(base_user_agent=f"mlws/{__version__}"),
            ProxyPolicy(),
            ContentDecodePolicy(),
            ARMAutoResourceProviderRegistrationPolicy(),
            BoundedRetryPolicy(
                retry_total=RETRY_TOTAL,
                retry_backoff_factor=RETRY_BACKOFF,
                retry_backoff_max=RETRY_BACKOFF_MAX,
                # Every ARM call mlws makes is idempotent (PUT/PATCH of a whole desired state, DELETE,
                # CreateRegionalBlob), so 429s and dropped connections are retried for all methods.
                retry_on_methods=frozenset({"GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"}),
            ),
            ARMChallengeAuthenticationPolicy(credential, token_scope(self.endpoint)),
            RedactedHttpLog(),
        ]
        self._pipeline = ARMPipelineClient(base_url=self.endpoint, policies=policies)

    @classmethod
    def for_target(cls, target, *, debug: bool = False) -> ArmClient:
        target.require("subscription")
        return cls(target.endpoint, target.subscription, debug=debug)

    @property
    def subscription_path(self) -> str:
        return f"/subscriptions/{self.subscription}"

    def url(self, path_or_url: str, api_version: str | None = None, params: dict[str, str] | None = None) -> str:
        url = path_or_url if "://" in path_or_url else f"{self.endpoint}{path_or_url}"
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = {k.lower() for k, _ in query}
        extra = dict(params or {})
        if api_version and "api-version" not in names:
            extra["api-version"] = api_version
        query += [(k, v) for k, v in extra.items() if k.lower() not in names]
        return urlunsplit(parts._replace(query=urlencode(query, safe="$/:")))

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        api_version: str | None = None,
        params: dict[str, str] | None = None,
        body: Any = None,
        action: str | None = None,
    ) -> ArmResponse:
        """One call; raises ResourceNotFound (404) or ServiceError (>= 400, unreachable)."""
        url = self.url(path_or_url, api_version, params)
        action = action or f"{method} {urlsplit(url).path}"
        if urlsplit(url).scheme != "https" and not is_loopback(url):
            raise ServiceError(f"{action}: refusing to send a bearer token over plain http to {urlsplit(url).netloc}")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = HttpRequest(method, url, headers=headers, content=data)
        try:
            response = self._pipeline.send_request(
                request,
                enforce_https=not is_loopback(url),
                connection_timeout=CONNECTION_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            )
            raw = response.text()
        except ClientAuthenticationError as exc:
            raise ServiceError(
                f"{action}: could not get an Azure token ({redact(str(exc).splitlines()[0])}); "
                "sign in with `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET",
                ServiceErrorInfo(code="AuthenticationFailed"),
            ) from exc
        except AzureError as exc:
            host = urlsplit(url).netloc
            raise ServiceError(
                f"{action}: could not reach {host} after retries: {redact(str(exc).splitlines()[0])}",
                ServiceErrorInfo(code=type(exc).__name__),
            ) from exc
        response_headers = {k.lower(): v for k, v in response.headers.items()}
        request_id = response_headers.get("x-ms-request-id")
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            parsed = None
        if response.status_code >= 400:
            error = error_from_response(response.status_code, parsed, raw, request_id, action)
            wait = retry_after(response_headers)
            if response.status_code == 429 and wait is not None:
                error.message += f" (throttled: the service asks to wait {wait:g} s before retrying)"
            raise error
        return ArmResponse(response.status_code, response_headers, parsed, request_id, url)

    def list_all(self, path: str, *, api_version: str, params: dict[str, str] | None = None) -> list[dict]:
        """Every item of a pageable list, following nextLink to the end."""
        items: list[dict] = []
        seen: set[str] = set()
        next_url: str | None = self.url(path, api_version, params)
        while next_url:
            if next_url in seen:
                raise ServiceError(f"list {urlsplit(path).path}: the service returned the same page link twice")
            seen.add(next_url)
            body = self.send("GET", next_url, api_version=api_version).body or {}
            items.extend(body.get("value") or [])
            next_url = body.get("nextLink")
        return items

    def begin(
        self,
        method: str,
        path: str,
        *,
        api_version: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        action: str | None = None,
    ) -> Operation:
        response = self.send(method, path, api_version=api_version, params=params, body=body, action=action)
        status_url = response.headers.get("azure-asyncoperation")
        return Operation(status_url, response, response.request_id)

    def wait(
        self,
        status_url: str,
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
        request_id: str | None = None,
        action: str = "operation",
        first_delay: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """Poll an Azure-AsyncOperation URL until Succeeded; return its last status body.

        Failed/Canceled raise OperationFailed carrying the initial request's id (as the cmdlets do);
        running past `timeout` seconds raises OperationTimedOut naming the URL to resume with.
        `first_delay` is the Retry-After of the response that started the operation, if any.
        """
        started = time.monotonic()
        delay = FIRST_POLL if first_delay is None else first_delay
        while True:
            elapsed = time.monotonic() - started
            if timeout is not None and elapsed + delay > timeout:
                remaining = timeout - elapsed
                if remaining <= 0:
                    raise OperationTimedOut(
                        f"{action}: still running after {timeout:g}s; it goes on in the service. "
                        f"Resume with: mlws operation wait '{status_url}'",
                        status_url,
                    )
                delay = remaining
            sleep(delay)
            response = self.send("GET", status_url, action=f"{action}: status")
            body = response.body if isinstance(response.body, dict) else {}
            state = str(body.get("status") or body.get("provisioningState") or "")
            outcome = DONE.get(state.lower())
            percent = _percent(body, response.headers)
            if progress is not None:
                shown = f" {percent:.0%}" if percent is not None else ""
                progress(f"{action}: {state or 'waiting'}{shown} ({time.monotonic() - started:.0f}s)")
            if outcome == "Succeeded":
                return body
            if outcome in ("Failed", "Canceled"):
                info = info_from(parse_error_body(body), status=response.status, request_id=request_id)
                info.code = info.code or outcome
                info.message = info.message or f"the operation ended {outcome}"
                raise OperationFailed(one_line(info, f"{action} {outcome.lower()}"), info)
            delay = poll_delay(time.monotonic() - started, percent, retry_after(response.headers))
