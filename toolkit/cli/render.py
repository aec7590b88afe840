"""The one renderer: every command hands its result here, as text or as the JSON envelope.

The envelope (`-o json`) is a contract pinned by tests/test_cli_contract.py:

    {"version": 1, "command": "mlws validate", "ok": true, "exitCode": 0,
     "result": <command-specific>, "error": null}

`ok` is true when the exit code is 0 or 3 (3: changes present is an answer, not a failure).
A command that reports on its input (validate) keeps its `result` when it exits 2; an error
raised before any result leaves `result` null and fills `error` with {"type", "message", ...}.
Change the shape only together with ENVELOPE_VERSION.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from toolkit.errors import ExitCode, MlwsError
from toolkit.redact import redact

ENVELOPE_VERSION = 1


@dataclass
class Outcome:
    """What a command produced: a JSON-able `result`, its human rendering, and the exit code."""

    result: Any
    text: str | None = None
    exit_code: int = ExitCode.OK

    @classmethod
    def of(cls, report: Any) -> Outcome:
        """The outcome of a library report object: its `to_json()`, `to_text()` and `exit_code`."""
        return cls(result=report.to_json(), text=report.to_text(), exit_code=report.exit_code)


@dataclass
class Session:
    """How the running command wants output; set by `begin`, read by the error boundary."""

    command: str = "mlws"
    output: str = "text"
    debug: bool = False

    @property
    def json(self) -> bool:
        return self.output == "json"


session = Session()


def begin(command: str, output: str, debug: bool) -> Session:
    session.command, session.output, session.debug = command, output, debug
    return session


def envelope(result: Any, exit_code: int, error: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": ENVELOPE_VERSION,
        "command": session.command,
        "ok": error is None and exit_code in (ExitCode.OK, ExitCode.CHANGES),
        "exitCode": int(exit_code),
        "result": None if error is not None else result,
        "error": error,
    }


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:  # a NaN or an infinity in a service's answer: JSON has neither
        return json.dumps(_finite(value), indent=2, ensure_ascii=False, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    """NaN and the infinities as null, as JavaScript's JSON.stringify writes them, so -o json stays JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def emit(outcome: Outcome) -> int:
    """Print the outcome in the session's format and return its exit code."""
    stop_progress()
    if session.json:
        print(_dump(envelope(outcome.result, outcome.exit_code)), file=sys.stdout)
    elif session.output == "yaml":
        import yaml

        print(yaml.safe_dump(outcome.result, sort_keys=False, allow_unicode=True), end="", file=sys.stdout)
    elif outcome.text is not None:
        print(outcome.text, file=sys.stdout)
    else:
        print(_dump(outcome.result), file=sys.stdout)
    return int(outcome.exit_code)


def emit_error(error: MlwsError | None, message: str, exit_code: int) -> None:
    """Report a failure: the envelope on stdout with -o json, else one line (plus problems) on stderr."""
    stop_progress()
    if session.json:
        body = error.to_json() if error is not None else {"type": "Error", "message": message}
        print(redact(_dump(envelope(None, exit_code, body))), file=sys.stdout)
        return
    print(f"mlws: error: {redact(message)}", file=sys.stderr)
    if error is not None:
        for problem in error.problems:
            print(f"  - {redact(str(problem))}", file=sys.stderr)


class _Status:
    """A rich status line (spinner + message) on stderr during long waits; rich is imported only then."""

    def __init__(self) -> None:
        self._status = None

    def __call__(self, message: str) -> None:
        if self._status is None:
            from rich.console import Console

            self._status = Console(stderr=True).status(message)
            self._status.start()
        else:
            self._status.update(message)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


_status = _Status()


def progress() -> Callable[[str], None]:
    """A progress callback for long waits: a status line on a terminal, silent with -o json or no terminal."""
    if session.json or not sys.stderr.isatty():
        return lambda _message: None
    return _status


def stop_progress() -> None:
    """Clear the status line before anything else is printed (results, errors, prompts)."""
    _status.stop()
