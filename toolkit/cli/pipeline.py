"""`mlws pipeline run FILE`: scheduled retraining as Data Factory runs it (toolkit.pipeline), resumable."""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.batch import DEFAULT_PARALLEL
from toolkit.cli.app import Debug, Output, OutputFormat, Query, app, start
from toolkit.cli.environments import Parallel
from toolkit.cli.retrain import RunId

pipeline_app = typer.Typer(
    help="Scheduled retraining: a pipeline file (YAML) in definitions/ENV/ states the training job, the gate and "
    "the definitions (or fleet) to update, as Data Factory's two activities do.\n\n"
    "Example: mlws pipeline run definitions/dev/housing.pipeline.yaml --run 20261202",
    no_args_is_help=True,
)
app.add_typer(pipeline_app, name="pipeline")


@pipeline_app.command("run")
def run(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The pipeline file, definitions/ENV/NAME.pipeline.yaml.")
    ],
    run_id: RunId = None,
    parallel: Parallel = DEFAULT_PARALLEL,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Run a pipeline: train, judge the gate, promote the model (and in live mode deploy it).

    --run names the run (default: today's UTC date, YYYYMMDD). Unattended, resumable and idempotent:
    the run's state (.mlws/pipelines/) records each BES job as soon as it is submitted and each outcome
    once known; run again after a crash, it waits for its jobs and does not redo what ended, and a run
    that ended does nothing. A fleet's instances train --parallel at once. Exit 4 when a gate refused a
    model, 0 when all were promoted.

    \b
    Example: mlws pipeline run definitions/dev/housing.pipeline.yaml
    Example: mlws pipeline run definitions/dev/rental.pipeline.yaml --run "$GITHUB_RUN_ID" -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.pipeline import run_pipeline

    return emit(run_pipeline(file, run=run_id, parallel=parallel, progress=progress()))
