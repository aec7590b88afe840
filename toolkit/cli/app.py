"""The typer application, the options commands share, and the helpers that turn them into library arguments.

Start-up matters (`mlws --help` is benchmarked): command modules import only typer and this
module at import time; each command imports the library it calls inside its body. Command modules
do without `from __future__ import annotations`: typer would eval every annotation string again on
each run, the larger part of building the command tree that every invocation pays.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from toolkit.operation import WaitOptions

app = typer.Typer(
    name="mlws",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (typer's own)
    rich_markup_mode=None,  # plain click help: rich's formatter costs ~90 ms of start-up
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # never print local variables: they may hold keys
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"
    table = "table"
    markdown = "markdown"
    tsv = "tsv"


Output = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-o", help="Output format: text, json (the versioned envelope), yaml, table, markdown (for a PR)."
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and HTTP logging (secrets redacted).")]
Query = Annotated[
    str | None,
    typer.Option("--query", help="JMESPath on the result, as the az CLI takes it: --query properties.title -o tsv."),
]

# Where an online command acts, and how it asks, previews and waits.
Name = Annotated[str | None, typer.Option("--name", "-n", help="Web service name.")]
Group = Annotated[str | None, typer.Option("--resource-group", "-g", help="Resource group (or MLWS_RESOURCE_GROUP).")]
Subscription = Annotated[
    str | None, typer.Option("--subscription", help="Subscription id, a GUID (or AZURE_SUBSCRIPTION_ID).")
]
Location = Annotated[
    str | None, typer.Option("--location", "-l", help="Azure region (or MLWS_LOCATION, or mlws.yaml).")
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not prompt; required without a terminal.")]
WhatIf = Annotated[bool, typer.Option("--what-if", help="Print the request (secrets masked) without sending it.")]


def positive_seconds(value: float | None) -> float | None:
    """The check of every --timeout, made while the command line is parsed: before anything is sent."""
    import math

    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(
            f"got {value:g}; give a number of seconds greater than 0, or leave --timeout out to wait until the end"
        )
    return value


Timeout = Annotated[
    float | None,
    typer.Option(
        "--timeout", callback=positive_seconds, help="Seconds to wait for the operation (default: until it ends)."
    ),
]
SkipModelCheck = Annotated[
    bool,
    typer.Option(
        "--skip-model-check",
        help="Do not look for the trained models in storage first (for storage mlws cannot reach from here).",
    ),
]
NoWait = Annotated[
    bool, typer.Option("--no-wait", help="Start the operation, print its URL, and return (see `mlws operation wait`).")
]


def start(output: OutputFormat, debug: bool, query: str | None = None) -> None:
    """Record how the running command renders, so results and errors use the same format (`query`: the JMESPath
    applied to the result first; a bad one is a usage error, before anything runs); --debug shows the library's
    HTTP log on stderr."""
    from typer._click.globals import get_current_context

    from toolkit.cli.render import begin

    begin(get_current_context().command_path, output.value, debug, query)
    show_http_log(debug)


class _CurrentStderr:
    """The running command's stderr at each write: each command (a test, a script calling main) has its own."""

    def write(self, text: str) -> int:
        from toolkit.cli.render import session

        return session.env.stderr.write(text)

    def flush(self) -> None:
        from toolkit.cli.render import session

        session.env.stderr.flush()


_CURRENT_STDERR = _CurrentStderr()


def show_http_log(enabled: bool) -> None:
    """Show the library's mlws.http log on stderr (every line is redacted where it is logged), or silence it: a
    later command in the same process (tests, scripts calling main) must not inherit an earlier --debug."""
    if not enabled and "logging" not in sys.modules:
        return  # nothing was shown yet; importing logging only to silence it would slow every offline command
    import logging

    from toolkit.arm import HTTP_LOGGER

    log = logging.getLogger(HTTP_LOGGER)
    shown = any(getattr(handler, "stream", None) is _CURRENT_STDERR for handler in log.handlers)
    if enabled and not shown:
        handler = logging.StreamHandler(_CURRENT_STDERR)
        handler.setFormatter(logging.Formatter("mlws: http: %(relativeCreated)6.0fms %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if enabled else logging.WARNING)


def confirmation(yes: bool) -> Callable[..., None]:
    """The confirmation callback handed to the library (toolkit.providers.new_webservice.deploy.Confirm).

    On a terminal it asks; a declined question sends nothing and is exit 4 (refused), Ctrl-C stays 130. Without
    a terminal, `unattended` questions (a routine update) go ahead and the others (replacing, removing,
    overwriting) refuse with exit 2 unless --yes.
    """

    def confirm(question: str, *, unattended: bool = False) -> None:
        from toolkit.cli.render import session, stop_progress
        from toolkit.errors import BadInput, Refused

        if yes:
            return
        if not session.env.stdin_isatty:
            if unattended:
                return
            raise BadInput(f"{question} -- refusing without a terminal: pass --yes to confirm")
        stop_progress()
        if not session.env.ask(question):
            raise Refused("declined at the prompt: nothing was sent")

    return confirm


def wait_options(timeout: float | None, no_wait: bool) -> WaitOptions:
    """How a long-running operation is waited for: --timeout, --no-wait, and a progress line on a terminal."""
    from toolkit.cli.render import progress
    from toolkit.operation import WaitOptions

    return WaitOptions(timeout=timeout, no_wait=no_wait, progress=progress())


def _show_version(value: bool) -> None:
    if value:
        from toolkit import __version__
        from toolkit.cli.render import session

        print(f"mlws {__version__}", file=session.env.stdout)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Azure ML web-service definitions as versioned JSON: validate, diff, deploy, retrain.

    The retraining loop, one command per step (targets come from definitions/<env>/ and mlws.yaml):

    \b
    Example: mlws retrain -n housing-training -g mlws-dev --upload trainingData=v2.csv \\
                 --output-blob model=models/v2.ilearner \\
                 --update-definition definitions/dev/housing-predict.json --asset "Housing Price [trained model]"
    Example: mlws diff definitions/dev/housing-predict.json --exit-code --out plan.json
    Example: mlws update --plan plan.json
    Example: mlws score -n housing-predict -g mlws-dev --input rows.json

    Exit codes: 0 ok, 1 error, 2 bad input, 3 changes present, 4 refused (stale plan, drift, update did not take).
    """
