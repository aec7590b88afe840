"""Before a change: --what-if (the request that would be sent, instead of sending it) and the confirmation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from toolkit.errors import ExitCode, Refused
from toolkit.result import Result


class Confirm(Protocol):
    """Asks before a change; raises when the answer is no. `unattended` questions (a routine update) go ahead
    without a terminal; the others (replacing, removing, overwriting) then need --yes (toolkit.cli.app)."""

    def __call__(self, question: str, *, unattended: bool = False) -> None: ...


@dataclass
class RequestPreview(Result):
    """--what-if: the request that would be sent, secrets masked."""

    method: str
    url: str
    body: Any
    note: str = ""
    exit_code: int = ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {"whatIf": True, "method": self.method, "url": self.url, "body": self.body, "note": self.note or None}

    def to_text(self) -> str:
        lines = [f"what if: {self.method} {self.url}"]
        if self.note:
            lines.append(self.note)
        if self.body is not None:
            lines.append(json.dumps(self.body, indent=2, ensure_ascii=False))
        return "\n".join(lines)


def guard_creation(
    what: str, exists: Callable[[], bool], *, force: bool, confirm: Confirm, what_if: bool, instead: str
) -> None:
    """`new` never replaces what exists unless --force (the cmdlets' behaviour: no check, PUT creates or
    replaces), and --force asks first. `what` names it ("web service X"); `instead` is the command that
    changes it."""
    if force:
        if not what_if:
            confirm(f"Create or REPLACE {what}? An existing one is overwritten whole.")
    elif exists():
        raise Refused(f"{what} already exists; `new` would replace it. Use {instead} to change it, or pass --force")
