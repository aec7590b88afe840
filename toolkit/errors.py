"""Every failure the library reports, each carrying the exit code the CLI turns it into.

The library raises these and never prints or exits; the CLI's single error boundary
(`toolkit.cli.main`) maps them to a one-line message and the exit code below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0  # done, or no changes
    ERROR = 1  # the service or the machine failed
    BAD_INPUT = 2  # bad input or usage; nothing was changed
    CHANGES = 3  # changes present (diff/normalize --check/--exit-code)
    REFUSED = 4  # refused: stale plan, drift, or the post-update check failed
    UNKNOWN = 5  # outcome unknown: a change was sent, but whether it took could not be learned (yet)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by JSON path (e.g. `properties.assets.asset1.type`)."""

    path: str
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.fix})" if self.fix else text

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "fix": self.fix}


class MlwsError(Exception):
    """Base of every expected failure. `message` is the one line the user sees."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def to_json(self) -> dict[str, Any]:
        """The `-o json` error object: the same fields for every error (a usage error, a bad file, a service's
        answer); what does not apply is null or empty."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "problems": [p.to_json() for p in self.problems],
            "status": None,
            "code": None,
            "target": None,
            "requestId": None,
            "details": [],
        }


class BadInput(MlwsError):
    """The user's input (a file, a flag, an environment variable) is wrong; nothing was changed."""

    exit_code = ExitCode.BAD_INPUT


class Refused(MlwsError):
    """mlws refused to go on: a stale plan, drift, or an update that did not take."""

    exit_code = ExitCode.REFUSED


class OutcomeUnknown(MlwsError):
    """A change was sent and may have taken (or be taking) effect, but mlws could not learn its outcome: the wait
    ran out, or the service stopped answering. Not a failure: the message says how to find out or resume."""

    exit_code = ExitCode.UNKNOWN


@dataclass
class ServiceErrorInfo:
    """An error answered by Azure (or the emulator), shown as the cmdlets show it."""

    status: int | None = None
    code: str | None = None
    message: str | None = None
    target: str | None = None
    request_id: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)


class ServiceError(MlwsError):
    """The service answered with an error (ARM envelope), or could not be reached."""

    def __init__(self, message: str, info: ServiceErrorInfo | None = None) -> None:
        super().__init__(message)
        self.info = info or ServiceErrorInfo()

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        info = self.info
        body.update(
            status=info.status,
            code=info.code,
            target=info.target,
            requestId=info.request_id,
            details=info.details,
        )
        return body
