"""Offline commands on definition files (validate, import, edit, normalize, diff)."""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.app import Debug, Output, OutputFormat, Query, app, start

Files = Annotated[list[Path], typer.Argument(metavar="FILE", help="Definition files (JSON).", show_default=False)]


@app.command("validate")
def validate(files: Files, output: Output = OutputFormat.text, query: Query = None, debug: Debug = False) -> int:
    """Check definition files offline: schema, graph, and that no secret is in them.

    Reports per file: ok, or each problem as JSON-PATH: message (fix), and what was normalised on reading
    (property-name case, booleans as strings, old-style parameters). Exit 2 if any file has a problem.

    \b
    Example: mlws validate definitions/dev/*.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.definition.files import validate_files
    from toolkit.providers import KINDS

    report = validate_files(files, KINDS)
    return emit(report)


@app.command("import")
def import_(
    file: Annotated[Path | None, typer.Argument(help="Definition file.", show_default=False)] = None,
    json_string: Annotated[
        str | None, typer.Option("--json-string", help="The definition as a JSON string instead of a file.")
    ] = None,
    resolve: Annotated[
        bool, typer.Option("--resolve", help="Require every placeholder's variable (as `mlws new` does).")
    ] = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Import-AzMlWebService: parse and validate a definition, and name the variables its placeholders need.

    Prints the body (secrets masked) and which ${ENV_NAME} variables are not set: `mlws new`, `update --whole`
    and a replacement send them all; an update sends only what it changes. Exit 2 when the definition is not
    valid, or with --resolve when a variable is unset (each named with its JSON path).

    \b
    Example: mlws import definitions/dev/housing-predict.json
    \b
    Example: MLWS_STORAGE_KEY=... mlws import definitions/dev/housing-predict.json --resolve -o json
    \b
    Example: mlws import --json-string "$(cat service.json)" -o json
    """
    start(output, debug, query)
    import os

    from toolkit.cli.render import emit
    from toolkit.definition.files import import_definition
    from toolkit.providers import KINDS

    imported = import_definition(file, KINDS, text=json_string, env=os.environ, resolve=resolve)
    return emit(imported)


@app.command("edit")
def edit(
    file: Annotated[Path, typer.Argument(help="Definition file to edit.", show_default=False)],
    asset: Annotated[str | None, typer.Option("--asset", help='Asset id or name, e.g. "X [trained model]".')] = None,
    uri: Annotated[str | None, typer.Option("--uri", help="New locationInfo.uri of --asset (no SAS).")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="PATH=VALUE (VALUE as JSON, else a string); repeatable.")
    ] = None,
    patch: Annotated[Path | None, typer.Option("--patch", help="RFC 6902 JSON patch file.")] = None,
    in_place: Annotated[bool, typer.Option("-i", "--in-place", help="Write the result back to FILE.")] = False,
    out: Annotated[Path | None, typer.Option("-f", "--file", help="Write the result to this file instead.")] = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Edit a definition all or nothing and show what changed; the result must still validate.

    One kind of edit per run: --asset with --uri (swap the trained model), --set PATH=VALUE (repeatable),
    or --patch PATCH.json. Write in place with -i or to another file with -f OUT.

    \b
    Example: mlws edit definitions/dev/housing-predict.json --asset "Housing Price [trained model]" --uri "$URI" -i
    \b
    Example: mlws edit definitions/dev/housing-predict.json --set properties.title="Housing v2" -f p.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.definition.files import edit_file
    from toolkit.providers import KINDS

    result = edit_file(file, KINDS, asset=asset, uri=uri, sets=set_, patch_file=patch, in_place=in_place, out=out)
    return emit(result)


@app.command("normalize")
def normalize(
    files: Files,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 3 if a file would change.")] = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Rewrite definitions in canonical form, secrets moved to ${ENV_NAME} placeholders (a formatter).

    Prints the placeholder variables that import/new/update will need. With --check nothing is written and the
    exit code is 3 when a file would change.

    \b
    Example: mlws normalize definitions/dev/*.json
    \b
    Example: mlws normalize --check definitions/dev/*.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.definition.files import normalize_files
    from toolkit.providers import KINDS

    report = normalize_files(files, KINDS, check=check)
    return emit(report)


@app.command("diff")
def diff(
    file: Annotated[Path, typer.Argument(help="Definition file.", show_default=False)],
    other: Annotated[
        Path | None, typer.Argument(help="Second file; without it, FILE is compared with the live service.")
    ] = None,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 3 when there are changes.")] = False,
    name: Annotated[str | None, typer.Option("-n", "--name", help="Web service name (live diff).")] = None,
    resource_group: Annotated[
        str | None, typer.Option("-g", "--resource-group", help="Resource group (live diff).")
    ] = None,
    subscription: Annotated[str | None, typer.Option("--subscription", help="Subscription id (live diff).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the plan for `mlws update --plan` (live diff).")
    ] = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show what differs, path by path: FILE against FILE2, or FILE against the live web service (the plan).

    Read-only fields are ignored and secrets are masked. -n/-g/--subscription/--out apply to the live diff
    only; target defaults come from mlws.yaml for definitions/<environment>/ files.

    \b
    Example: mlws diff definitions/dev/housing-predict.json /tmp/housing-predict.json --exit-code
    \b
    Example: mlws diff definitions/dev/housing-predict.json -n housing-predict -g mlws-dev --out plan.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.errors import BadInput, ExitCode

    if other is not None:
        live_only = [
            flag
            for flag, value in (("-n", name), ("-g", resource_group), ("--subscription", subscription), ("--out", out))
            if value is not None
        ]
        if live_only:
            raise BadInput(f"{', '.join(live_only)} only apply when diffing ONE file against the live service")
        from toolkit.definition.files import diff_files
        from toolkit.providers import KINDS

        result = diff_files(file, other, KINDS)
    else:
        from toolkit.providers.new_webservice.deploy import plan_against_live

        result = plan_against_live(
            file, name=name, resource_group=resource_group, subscription=subscription, out=out, progress=progress()
        )
    code = ExitCode.CHANGES if exit_code and result.has_changes else ExitCode.OK
    return emit(result, exit_code=code)
