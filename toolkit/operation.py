"""What every kind of service shares about a change in progress: how a command waits, and what it reports.

`WaitOptions` says how a long-running operation is waited for; `OperationResult` is the one result of every
create/update/replace/remove (any provider): what was sent, whether it was read back and how, what could not
be; `wait_operation` resumes waiting on an operation URL (`mlws operation wait`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from toolkit.config import Target, arm_endpoint
from toolkit.errors import BadInput, ExitCode
from toolkit.result import Result, Shown

Progress = Callable[[str], None]


@dataclass
class WaitOptions:
    """How a command waits for a long-running operation: `no_wait` returns the status URL at once."""

    timeout: float | None = None
    no_wait: bool = False
    progress: Progress | None = None


@dataclass
class OperationResult(Result):
    """What a create/update/replace/remove/add-region command reports.

    `checks` are lines about what was looked at before sending (e.g. the models found), `notes` lines about the
    result (e.g. entries the service's merge kept), `details` the same facts as data for `-o json`.
    """

    action: str
    target: Target
    operation_url: str | None
    waited: bool
    resource: dict[str, Any] | None = None  # as read back, secrets masked by the provider
    status: dict[str, Any] | None = None
    changes: list[str] = field(default_factory=list)  # what was sent, one masked line per JSON path
    verified: bool = False  # the service was read back and matches what was sent
    verified_how: str = ""  # e.g. "the service keys with listKeys": read back beyond the GET
    unverifiable: list[str] = field(default_factory=list)  # sent, not read back: "path (why)"
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    exit_code: int = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target.to_json(),
            "operationUrl": self.operation_url,
            "done": self.waited or self.operation_url is None,
            "status": self.status,
            "changes": self.changes,
            "verified": self.verified,
            "notVerifiable": self.unverifiable,
            **self.details,
            "resource": self.resource,
        }

    def to_text(self) -> str:
        where = self.target.describe()
        if not self.waited and self.operation_url:
            lines = [f"{self.action}: started for {where}", f"resume with: mlws operation wait '{self.operation_url}'"]
        elif self.operation_url is None:  # done at once; an action that says how it ended ("update: no changes") as is
            lines = [f"{self.action} for {where}" if ":" in self.action else f"{self.action}: done for {where}"]
        else:
            lines = [f"{self.action}: done for {where}"]
        lines += [f"  {change}" for change in self.changes]
        lines += self.checks
        if self.verified:
            how = f"; {self.verified_how}" if self.verified_how else ""
            lines.append(f"verified: the live service now matches (read back from '{self.target.name}'{how})")
        lines += [f"not verifiable: {item}" for item in self.unverifiable]
        return "\n".join([*lines, *self.notes])


def wait_operation(*, url: str, timeout: float | None, progress: Progress | None) -> Shown:
    """`mlws operation wait URL`: resume waiting for an operation started with --no-wait or timed out, from its
    Azure-AsyncOperation status URL (the result is its last status) or its Location (what it finally answered)."""
    from toolkit.arm.client import ArmClient

    endpoint = arm_endpoint()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"not an operation URL: {url} (give the http(s) URL printed by --no-wait or a timeout)")
    home = urlsplit(endpoint)
    regional = parts.netloc.endswith("." + home.netloc)  # e.g. westcentralus.management.azure.com
    if parts.scheme != home.scheme or (parts.netloc != home.netloc and not regional):
        raise BadInput(f"operation URL host {parts.netloc} is not the ARM endpoint {endpoint} (MLWS_ARM_ENDPOINT)")
    from azure.mgmt.core.tools import parse_resource_id

    subscription = parse_resource_id(parts.path).get("subscription", "")
    result = ArmClient(endpoint, subscription).resume(url).result(timeout=timeout, progress=progress)
    # The command shows an object: a Location that answered 204 No Content ended Succeeded with no result.
    status = {"status": "Succeeded"} if result is None else result
    return Shown(status, f"operation {status.get('name', '')}: {status.get('status', 'Succeeded')}")
