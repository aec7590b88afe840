"""Sending a change to any kind of service: ask, send, wait, read back, and say what was shown to be true.

A provider gives the live service (`LiveService`: begin a PUT or a PATCH, wait for it, preview it), what it looks
at before sending (`Checked`, e.g. a web service's trained models) and how it reads the result back (`ReadBack`:
verified or refused as not taken, what could not be read back, notes); `send` does the rest the same way for
every kind, so a change is asked for, previewed and verified alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from toolkit.config import Target
from toolkit.errors import Refused
from toolkit.operation import OperationResult, WaitOptions
from toolkit.preview import Confirm, RequestPreview


class LiveService(Protocol):
    """One live service of some kind, as sending a change to it needs it."""

    target: Target

    def preview(self, method: str, body: Any) -> RequestPreview: ...

    def begin_put(self, body: dict[str, Any]) -> Any: ...  # an operation with `status_url`

    def begin_patch(self, body: dict[str, Any]) -> Any: ...

    def finish(self, operation: Any, wait: WaitOptions, action: str) -> dict[str, Any] | None: ...


@dataclass
class Sending:
    """How a command sends a change: how it asks, whether it only shows the request, how it waits, the
    environment its placeholders resolve from, and whether the provider's checks before sending are skipped."""

    confirm: Confirm
    what_if: bool
    wait: WaitOptions
    env: Mapping[str, str]
    skip_checks: bool = False  # e.g. --skip-model-check


@dataclass
class Checked:
    """What was looked at before sending: lines for the result, and the same facts as data (-o json)."""

    lines: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadBack:
    """What reading the service back after a change showed (`resource` with its secrets masked)."""

    resource: dict[str, Any]
    verified: bool  # something sent was compared with what the service now returns, and matched
    verified_how: str = ""  # read back beyond the plain read, e.g. "the service keys with listKeys"
    unverifiable: list[str] = field(default_factory=list)  # sent, but not read back: "path (why)"
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def refuse_not_taken(target: Target, noun: str, missing: list[str]) -> None:
    """Refused (exit 4) naming what the service accepted but does not show."""
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise Refused(
            f"the service accepted the request but reading it back shows these did not take: {shown} "
            f"({noun} {target.describe()})"
        )


def send(
    service: LiveService,
    method: str,
    body: dict[str, Any],
    how: Sending,
    *,
    action: str,
    shown: list[str],
    read_back: Callable[[], ReadBack],
    question: str | None,
    before: Callable[[], Checked] = Checked,
    danger: str | None = None,
) -> OperationResult | RequestPreview:
    """Check (`before`), ask, send, wait, read back.

    `danger` is always asked (an irreversible change); else `question` is asked with the changes shown, and goes
    ahead without a terminal for a PATCH (a routine update), while a PUT (a replacement) then needs --yes.
    `question` None: the request was reviewed (a plan) or already confirmed."""
    if how.what_if:
        return service.preview(method, body)
    checked = before()
    if danger is not None:
        how.confirm(danger)
    elif question is not None:
        lines = [f"  {line.removeprefix('sent ')}" for line in shown]  # nothing is sent yet
        how.confirm("\n".join([question, *lines, f"Send this {method}?"]), unattended=method == "PATCH")
    operation = service.begin_put(body) if method == "PUT" else service.begin_patch(body)
    if how.wait.no_wait:
        return OperationResult(
            action, service.target, operation.status_url, waited=False, changes=shown, checks=checked.lines,
            details=checked.details,
        )  # fmt: skip
    status = service.finish(operation, how.wait, action)
    found = read_back()
    return OperationResult(
        action,
        service.target,
        operation.status_url,
        waited=True,
        status=status,
        resource=found.resource,
        changes=shown,
        verified=found.verified,
        verified_how=found.verified_how,
        unverifiable=found.unverifiable,
        checks=checked.lines,
        notes=found.notes,
        details={**checked.details, **found.details},
    )
