"""Environment commands: `mlws plan ENV`, `mlws deploy ENV`, `mlws drift ENV`: every definition of
definitions/ENV/ at once, one row each, one exit code (the worst) for CI."""

from typing import Annotated

import typer

from toolkit.batch import DEFAULT_PARALLEL, MAX_PARALLEL
from toolkit.cli.app import Debug, Output, OutputFormat, Query, app, start

Environment = Annotated[
    str, typer.Argument(metavar="ENV", help="The environment: a folder of definitions/ (e.g. dev, prod).")
]
Parallel = Annotated[
    int,
    typer.Option(
        "--parallel",
        metavar="N",
        help=f"How many services at once, 1 (one at a time) to {MAX_PARALLEL}; rows keep their order.",
    ),
]


@app.command("plan")
def plan(
    environment: Environment,
    parallel: Parallel = DEFAULT_PARALLEL,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Plan every definition of an environment against its live service, one plan each in .mlws/plans/ENV/
    (the old ones removed first); exit 3 when any has changes (a service to create included).

    \b
    Example: mlws plan dev && echo "no changes" || test $? -eq 3
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.environments import compare_environment

    return emit(compare_environment(environment, save=True, parallel=parallel, progress=progress()))


@app.command("deploy")
def deploy(
    environment: Environment,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going", help="Apply the other plans after one fails (default: start no more; running ones end)."
        ),
    ] = False,
    parallel: Parallel = DEFAULT_PARALLEL,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Apply the reviewed plans of `mlws plan ENV`, each removed once applied; a stale plan is refused (exit 4,
    nothing sent for it) and kept. No prompt: the plans were reviewed. Run it again after an interruption: it
    applies the rest (a change that took before shows as already applied).

    \b
    Example: mlws deploy dev --parallel 8
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.environments import deploy_environment

    return emit(deploy_environment(environment, keep_going=keep_going, parallel=parallel, progress=progress()))


@app.command("drift")
def drift(
    environment: Environment,
    parallel: Parallel = DEFAULT_PARALLEL,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Compare every definition of an environment with its live service; exit 3 on drift (for CI schedules).

    \b
    Example: mlws drift prod -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.environments import compare_environment

    return emit(compare_environment(environment, save=False, parallel=parallel, progress=progress()))
