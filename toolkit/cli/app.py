"""The typer application and the options every command shares.

Start-up matters (`mlws --help` is benchmarked): command modules import only typer and this
module at import time; each command imports the library it calls inside its body.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer(
    name="mlws",
    help=(
        "Azure ML web-service definitions as versioned JSON: validate, diff, deploy, retrain.\n\n"
        "Example: mlws validate definitions/dev/*.json"
    ),
    no_args_is_help=True,
    add_completion=False,
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


Output = Annotated[
    OutputFormat,
    typer.Option("--output", "-o", help="Output format: text, json (the versioned envelope), yaml, table."),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and HTTP logging (secrets redacted).")]


def start(output: OutputFormat, debug: bool) -> None:
    """Record how the running command renders, so results and errors use the same format."""
    from typer._click.globals import get_current_context

    from toolkit.cli.render import begin

    begin(get_current_context().command_path, output.value, debug)


def _show_version(value: bool) -> None:
    if value:
        from toolkit import __version__

        print(f"mlws {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Azure ML web-service definitions as versioned JSON: validate, diff, deploy, retrain.

    Example: mlws validate definitions/dev/*.json
    """
