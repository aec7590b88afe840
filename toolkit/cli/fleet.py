"""Fleet commands: `mlws fleet render FILE [--check]` and `mlws fleet retrain FILE`: many services from one
template definition (toolkit.fleet), one row per instance, one exit code for the batch."""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.batch import DEFAULT_PARALLEL
from toolkit.cli.app import Debug, Output, OutputFormat, Query, app, start
from toolkit.cli.environments import Parallel
from toolkit.cli.retrain import JobTimeout, PromoteIf, PromoteIfBetter, RunId

fleet_app = typer.Typer(
    help="Many services from one template definition: a fleet file (YAML) in definitions/ENV/ lists the "
    "instances and what differs.\n\nExample: mlws fleet render definitions/dev/fleet.yaml --check",
    no_args_is_help=True,
)
app.add_typer(fleet_app, name="fleet")


FleetFile = Annotated[
    Path, typer.Argument(metavar="FILE", help="The fleet file, definitions/ENV/NAME.yaml (see `mlws fleet --help`).")
]


@fleet_app.command("render")
def render(
    file: FleetFile,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 3 when a rendered file is missing or out of date (for CI)."),
    ] = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Write each instance's definition: the template with the instance's values.

    Canonical files where `mlws export` puts them (definitions/ENV/NAME.json; Classic endpoints under classic/);
    a second render writes nothing. An instance that states no model
    keeps the one its file names (retraining's). Every instance is checked before any file is written: a bad
    name, a name given twice, an unknown path or a secret is exit 2.

    \b
    Example: mlws fleet render definitions/dev/fleet.yaml && git diff --stat definitions/dev/
    Example: mlws fleet render definitions/dev/fleet.yaml --check -o markdown
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.fleet import render_fleet

    return emit(render_fleet(file, check=check))


@fleet_app.command("retrain")
def retrain(
    file: FleetFile,
    parallel: Parallel = DEFAULT_PARALLEL,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Retrain this instance only (repeat for more).")
    ] = None,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Start the other jobs after one fails (default: start no more).")
    ] = False,
    timeout: JobTimeout = None,
    promote_if: PromoteIf = None,
    promote_if_better: PromoteIfBetter = None,
    run_id: RunId = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Retrain every instance: one BES job each, on its own data, its model written into its definition.

    The files are for review: `mlws plan ENV` and `mlws deploy ENV` deploy them. Blobs go
    through AZURE_STORAGE_CONNECTION_STRING. Everything is checked before the first job starts.
    Each instance's metrics are recorded beside its file (NAME.metrics.json). With --promote-if /
    --promote-if-better an instance's model is promoted only if it passes every gate; a refused one
    is its row (exit 4, its file and record unchanged) and the other jobs still run. An output onto the
    blob of a live model is refused: give --run ID so that each retrain writes blobs of its own.

    \b
    Example: mlws fleet retrain definitions/dev/fleet.yaml --parallel 4 --run 20261202 && mlws plan dev
    Example: mlws fleet retrain definitions/dev/fleet.yaml --only rental-001 --only rental-002 -o json
    Example: mlws fleet retrain definitions/dev/fleet.yaml --promote-if "Coefficient of Determination >= 0.9"
    --promote-if-better "Root Mean Squared Error"
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.fleet import retrain_fleet

    result = retrain_fleet(
        file, parallel=parallel, only=only, keep_going=keep_going, timeout=timeout, promote_if=promote_if, run=run_id,
        promote_if_better=promote_if_better, progress=progress(),
    )  # fmt: skip
    return emit(result)
