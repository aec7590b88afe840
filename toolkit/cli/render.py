"""The one renderer: every command hands its toolkit.result.Result here, rendered as text, a table, YAML
or the JSON envelope, on the streams of the injected Environment.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.cli.environment import Environment
from toolkit.errors import ExitCode, MlwsError
from toolkit.redact import redact

if TYPE_CHECKING:
    from toolkit.result import Result

ENVELOPE_VERSION = 1


@dataclass
class Session:
    """How the running command wants output, and the terminal it runs on; set by `main` and `begin`, read by
    the renderer and the error boundary."""

    command: str = "mlws"
    output: str = "text"
    debug: bool = False
    query: Any = None  # a compiled JMESPath expression, or None
    env: Environment = field(default_factory=Environment.of_process)

    @property
    def json(self) -> bool:
        return self.output == "json"


session = Session()


def begin(command: str, output: str, debug: bool, query: str | None = None) -> Session:
    session.command, session.output, session.debug = command, output, debug
    session.query = _compiled(query) if query else None
    return session


def _compiled(query: str) -> Any:
    import jmespath
    from jmespath.exceptions import ParseError

    from toolkit.errors import BadInput

    try:
        return jmespath.compile(query)
    except ParseError as exc:
        raise BadInput(f"--query {query!r}: not a JMESPath expression ({str(exc).splitlines()[0]})") from None


def _tsv(value: Any) -> str:
    """Values for a shell, as the az CLI's tsv: a scalar alone, a list one line per item, an object's values
    tab-separated; null is an empty field."""

    def field_of(item: Any) -> str:
        if item is None:
            return ""
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, dict | list):
            return json.dumps(item, ensure_ascii=False)
        return str(item)

    def line_of(item: Any) -> str:
        if isinstance(item, dict):
            return "\t".join(field_of(v) for v in item.values())
        if isinstance(item, list):
            return "\t".join(field_of(v) for v in item)
        return field_of(item)

    return "\n".join(line_of(item) for item in value) if isinstance(value, list) else line_of(value)


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


def emit(result: Result, exit_code: int | None = None) -> int:
    """Print the result in the session's format and return its exit code (`exit_code` when the command decides
    it, as `diff --exit-code` does). With --query the result's data is queried first and shown as data."""
    stop_progress()
    code = int(result.exit_code if exit_code is None else exit_code)
    out = session.env.stdout
    data = result.to_json() if session.query is None else session.query.search(result.to_json())
    if session.json:
        print(_dump(envelope(data, code)), file=out)
    elif session.output == "yaml":
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="", file=out)
    elif session.output == "tsv" or (session.query is not None and session.output != "markdown"):
        print(_tsv(data), file=out)
    elif session.output == "table":
        print(result.to_table(), file=out)
    elif session.output == "markdown":
        print(result.to_markdown() if session.query is None else f"```\n{_tsv(data)}\n```", file=out)
    else:
        print(result.to_text(), file=out)
    out.flush()  # a script reading a pipe (the emulator's URL) must see the result before the command blocks
    return code


def emit_error(error: MlwsError | None, message: str, exit_code: int) -> None:
    """Report a failure: the envelope on stdout with -o json, else one line (plus problems) on stderr."""
    stop_progress()
    if session.json:
        body = error.to_json() if error is not None else {**MlwsError(message).to_json(), "type": "Error"}
        print(redact(_dump(envelope(None, exit_code, body))), file=session.env.stdout)
        return
    print(f"mlws: error: {redact(message)}", file=session.env.stderr)
    if error is not None:
        for problem in error.problems:
            print(f"  - {redact(str(problem))}", file=session.env.stderr)


class _Status:
    """A rich status line (spinner + message) on stderr during long waits; rich is imported only then."""

    def __init__(self) -> None:
        self._status = None

    def __call__(self, message: str) -> None:
        if self._status is None:
            from rich.console import Console

            env = session.env
            self._status = Console(file=env.stderr, force_terminal=env.stderr_isatty).status(message)
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
    if session.json or not session.env.stderr_isatty:
        return lambda _message: None
    return _status


def stop_progress() -> None:
    """Clear the status line before anything else is printed (results, errors, prompts)."""
    _status.stop()
