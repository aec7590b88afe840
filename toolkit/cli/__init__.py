"""The `mlws` command line: one error boundary around the typer app.

Exit status is an API (see toolkit.errors.ExitCode): 0 ok, 1 error, 2 bad input or usage,
3 changes present, 4 refused, 5 outcome unknown.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.cli.environment import Environment

# Each module adds its commands to toolkit.cli.app.app when imported.
COMMAND_MODULES = (
    "toolkit.cli.definitions",
    "toolkit.cli.emulator",
    "toolkit.cli.service",
    "toolkit.cli.retrain",
    "toolkit.cli.plans",
    "toolkit.cli.classic",
    "toolkit.cli.environments",
    "toolkit.cli.fleet",
    "toolkit.cli.pipeline",
)


def build_app():
    import importlib

    from toolkit.cli.app import app

    for module in COMMAND_MODULES:
        importlib.import_module(module)
    return app


def _polished(command) -> None:
    """What `--help` shows, made plain for every command and group: its first sentence as its summary in lists
    (click would cut it at the column width: "Show what differs, path by path: FILE against..."; a summary
    wraps instead), and arguments as FILE... or [ENV] rather than typer's {files}...."""
    from typer.core import TyperArgument

    plain = _plain_argument_class()
    for sub in getattr(command, "commands", {}).values():
        if not sub.short_help and sub.help:
            paragraph = " ".join(sub.help.split("\n\n")[0].split())
            sub.short_help = paragraph.split(". ")[0].rstrip(".")
        for param in getattr(sub, "params", []):
            if type(param) is TyperArgument:
                param.__class__ = plain
        _polished(sub)


@functools.cache
def _plain_argument_class():
    from typer.core import TyperArgument

    class PlainArgument(TyperArgument):
        def make_metavar(self, ctx, *, usage: bool = False) -> str:
            text = (self.metavar or self.name or "").upper() + ("..." if self.nargs != 1 else "")
            return f"[{text}]" if usage and not self.required else text

    return PlainArgument


@functools.cache
def _wrap_at_spaces_only() -> None:
    """Help wraps at spaces only: at hyphens it split cmdlet names (`(Export-` / `AzMlWebService)`), which then
    no longer paste or grep. click builds its wrapper from this module attribute each time it wraps."""
    from typer._click import _textwrap

    class SpacesOnly(_textwrap.TextWrapper):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs, break_on_hyphens=False)

    _textwrap.TextWrapper = SpacesOnly


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one command and return its exit code; the only place exceptions become exit codes. `env` is the
    terminal it runs on (default: this process's streams)."""
    import typer
    from typer._click.exceptions import ClickException

    from toolkit.cli.environment import Environment
    from toolkit.cli.render import begin, emit_error, session, stop_progress
    from toolkit.errors import BadInput, ExitCode, MlwsError

    session.env = env or Environment.of_process()
    command = typer.main.get_command(build_app())
    _polished(command)
    _wrap_at_spaces_only()
    try:
        result = command.main(args=list(argv) if argv is not None else None, prog_name="mlws", standalone_mode=False)
    except ClickException as exc:  # usage errors: click's own message (or the envelope with -o json), exit 2
        code = ExitCode.BAD_INPUT if exc.exit_code == 2 else int(exc.exit_code)
        if _asks_for_json(argv if argv is not None else sys.argv[1:]):
            context = getattr(exc, "ctx", None)
            begin(context.command_path if context else "mlws", "json", False)
            emit_error(BadInput(exc.format_message()), exc.format_message(), code)
        else:
            exc.show(file=session.env.stderr)
        return code
    except SystemExit as exc:  # typer's own options (--show-completion) end by exiting: a code, like any command
        return exc.code if isinstance(exc.code, int) else ExitCode.OK if exc.code is None else ExitCode.ERROR
    except (typer.Abort, KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a prompt
        stop_progress()
        print("\nmlws: aborted", file=session.env.stderr)
        return 130
    except MlwsError as exc:
        if session.debug:
            import traceback

            traceback.print_exc(file=session.env.stderr)
        emit_error(exc, exc.message, exc.exit_code)
        return int(exc.exit_code)
    except Exception as exc:  # a bug or an unexpected failure: one line, trace with --debug
        if session.debug:
            import traceback

            traceback.print_exc(file=session.env.stderr)
        emit_error(None, f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the trace)", 1)
        return ExitCode.ERROR
    return int(result or 0)


def _asks_for_json(argv: Sequence[str]) -> bool:
    """Whether the command line asked for -o json, read without click (which has just refused it)."""
    args = list(argv)
    for index, arg in enumerate(args):
        if arg in ("-o", "--output") and index + 1 < len(args) and args[index + 1] == "json":
            return True
        if arg in ("-ojson", "--output=json"):
            return True
    return False


def console_main() -> None:
    sys.exit(main())
