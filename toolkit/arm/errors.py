"""ARM errors as the cmdlets show them: request id, code, message, target, details.

The one-line message keeps what a user acts on (code, message, the detail codes such as
`WebServiceNotFound`, HTTP status, request id); the JSON error (`-o json`) carries every detail.
"""

from __future__ import annotations

import json
from typing import Any

from toolkit.errors import BadInput, OutcomeUnknown, Refused, ServiceError, ServiceErrorInfo
from toolkit.redact import redact


class ResourceNotFound(ServiceError):
    """404 for a resource: the message names what was looked for and where."""


class RequestRejected(ServiceError, BadInput):
    """The service refused a value the user gave (HTTP 400, or a runtime BadArgument): exit 2, nothing changed."""


class ServiceUnreachable(ServiceError):
    """No answer at all: the connection was refused, dropped or timed out."""


class AnswerLost(ServiceUnreachable):
    """A request that is never sent twice (a POST) went out and its answer was lost: it may have done its work.
    Exit 5, outcome unknown; the message says what may have happened and how to check."""

    exit_code = OutcomeUnknown.exit_code


class RequestRefused(ServiceError):
    """The service refused the request for what it is, not for a value in it (HTTP 403: a tier, a guard):
    exit 4, nothing changed."""

    exit_code = Refused.exit_code


class OperationFailed(ServiceError):
    """A long-running operation ended Failed or Canceled."""


class OperationOutcomeUnknown(OutcomeUnknown):
    """The wait ended before the operation did (--timeout, or the service stopped answering for too long); the
    operation goes on in the service, and `mlws operation wait URL` resumes waiting for it."""

    def __init__(self, message: str, operation_url: str) -> None:
        super().__init__(message)
        self.operation_url = operation_url

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "operationUrl": self.operation_url}


def parse_error_body(body: Any) -> dict[str, Any]:
    """The ARM envelope {"error": {...}} (or an operation's `error`/`errorInfo`) as a dict; {} if none."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    if not isinstance(body, dict):
        return {}
    for key in ("error", "errorInfo", "Error"):
        if isinstance(body.get(key), dict):
            return body[key]
    return body if "code" in body and "message" in body else {}


def info_from(error: dict[str, Any], *, status: int | None, request_id: str | None) -> ServiceErrorInfo:
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    return ServiceErrorInfo(
        status=status,
        code=error.get("code"),
        message=error.get("message"),
        target=error.get("target"),
        request_id=request_id,
        details=details,
    )


def one_line(info: ServiceErrorInfo, action: str, raw: str = "") -> str:
    text = f"{action}: "
    if info.code or info.message:
        text += ": ".join(str(p) for p in (info.code, info.message) if p)
    else:
        text += f"HTTP {info.status}" + (f" {raw[:200]}" if raw else "")
    if info.target:
        text += f" (target {info.target})"
    detail_text = "; ".join(": ".join(str(d[k]) for k in ("code", "message") if d.get(k)) for d in info.details)
    if detail_text:
        text += f" [{detail_text}]"
    trailer = [f"HTTP {info.status}"] if info.status and (info.code or info.message) else []
    if info.request_id:
        trailer.append(f"request id {info.request_id}")
    if trailer:
        text += f" ({', '.join(trailer)})"
    return redact(text)


def error_from_response(status: int, body: Any, raw: str, request_id: str | None, action: str) -> ServiceError:
    """The exception for an ARM error answer. A 400 is the service refusing a value the user gave (an unknown SKU,
    a capacity out of range, a definition it does not accept): bad input, exit 2, nothing changed."""
    info = info_from(parse_error_body(body), status=status, request_id=request_id)
    kind = {400: RequestRejected, 404: ResourceNotFound}.get(status, ServiceError)
    return kind(one_line(info, action, raw), info)
