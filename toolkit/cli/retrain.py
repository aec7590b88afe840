"""Retraining commands: `mlws retrain` (BES job), `mlws job show|list|cancel`, `mlws score` (RRS)."""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.app import Debug, Group, Name, Output, OutputFormat, Query, Subscription, app, positive_seconds, start

JobId = Annotated[str, typer.Option("--job", help="BES job id: 32 hex digits (from `mlws job list`).")]

# What a BES training job takes, for `mlws retrain` and `mlws classic retrain` alike.
Inputs = Annotated[
    list[str] | None,
    typer.Option("--input", help="NAME=CONTAINER/BLOB.csv: a web service input read from blob storage."),
]
Uploads = Annotated[
    list[str] | None,
    typer.Option("--upload", help="NAME=LOCAL.csv: upload this file first, then use it as the input NAME."),
]
OutputBlobs = Annotated[
    list[str] | None,
    typer.Option(
        "--output-blob", help="NAME=CONTAINER/BLOB.ilearner (models) or .csv (datasets): where output NAME goes."
    ),
]
GlobalParams = Annotated[
    list[str] | None, typer.Option("--global-param", help="NAME=VALUE: a global parameter of the service.")
]
RunId = Annotated[
    str | None,
    typer.Option(
        "--run",
        help="A run id (letters, digits, - and _): each output blob is named for it, models/x.RUN.ilearner.",
    ),
]
KeepJob = Annotated[bool, typer.Option("--keep-job", help="Keep the job in the service (default: delete it).")]
JobTimeout = Annotated[
    float | None,
    typer.Option("--timeout", callback=positive_seconds, help="Seconds to wait for the job (then it is cancelled)."),
]

# The gates before a new model is promoted (toolkit.evaluation), for both commands too.
PromoteIf = Annotated[
    list[str] | None,
    typer.Option(
        "--promote-if",
        help="'METRIC OP NUMBER' (OP: >= > <= <), e.g. 'Coefficient of Determination >= 0.9': promote the new "
        "model only if its evaluation says so (repeatable; all must pass, else exit 4 and nothing changes).",
    ),
]
PromoteIfBetter = Annotated[
    list[str] | None,
    typer.Option(
        "--promote-if-better",
        help="METRIC, e.g. 'Root Mean Squared Error': promote only if the new model beats the live model's "
        "recorded value (lower errors, higher Coefficient of Determination; repeatable).",
    ),
]
MetricsFile = Annotated[
    Path | None,
    typer.Option(
        "--metrics-file",
        help="The live model's metrics record (NAME.metrics.json): compared by --promote-if-better, rewritten when "
        "the model is promoted (default: beside --update-definition).",
    ),
]


def retrain_options(
    inputs,
    uploads,
    output_blobs,
    global_params,
    update_definition,
    keep_job,
    timeout,
    asset=None,
    *,
    promote_if=None,
    promote_if_better=None,
    metrics_file=None,
):
    """The library's RetrainOptions of the options above."""
    from toolkit.retraining import RetrainOptions

    return RetrainOptions(
        inputs=inputs or [],
        uploads=uploads or [],
        outputs=output_blobs or [],
        global_parameters=global_params or [],
        update_definition=update_definition,
        asset=asset,
        keep_job=keep_job,
        timeout=timeout,
        promote_if=promote_if or [],
        promote_if_better=promote_if_better or [],
        metrics_file=metrics_file,
    )


job_app = typer.Typer(
    name="job",
    help="Batch Execution (BES) jobs of a web service.\n\nExample: mlws job list -n housing-training -g ml-dev",
    no_args_is_help=True,
)
app.add_typer(job_app, name="job")


@app.command("retrain")
def retrain(
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    inputs: Inputs = None,
    uploads: Uploads = None,
    output_blobs: OutputBlobs = None,
    global_params: GlobalParams = None,
    update_definition: Annotated[
        Path | None,
        typer.Option("--update-definition", help="Predictive definition file: point its model asset at the new model."),
    ] = None,
    asset: Annotated[
        str | None, typer.Option("--asset", help="With --update-definition: the trained-model asset (name or id).")
    ] = None,
    keep_job: KeepJob = False,
    timeout: JobTimeout = None,
    promote_if: PromoteIf = None,
    promote_if_better: PromoteIfBetter = None,
    metrics_file: MetricsFile = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Run a training web service's Batch Execution job: submit, start, wait, report its outputs.

    Blobs are read and written with the storage account in AZURE_STORAGE_CONNECTION_STRING (from
    the environment only). Results show blob locations, never SAS tokens. With --update-definition
    the new model's URI goes into the predictive definition file (nothing is written on failure),
    and its metrics into FILE.metrics.json beside it; deploy it with `mlws diff` and `mlws update`.
    With --promote-if / --promote-if-better the definition changes only if every gate passes
    (checked before any job is submitted; a failing gate exits 4 and changes nothing).

    \b
    Example: mlws retrain -n housing-training -g ml-dev --upload trainingData=v2.csv --output-blob model=m/v2.ilearner
    Example: mlws retrain -n housing-training --input trainingData=data/v2.csv --output-blob model=models/v2.ilearner
    --update-definition definitions/dev/housing-predict.json --asset "Housing Price [trained model]"
    --promote-if "Coefficient of Determination >= 0.9" --promote-if-better "Root Mean Squared Error"
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.providers.new_webservice.retrain import retrain as run_retrain

    options = retrain_options(
        inputs, uploads, output_blobs, global_params, update_definition, keep_job, timeout, asset,
        promote_if=promote_if, promote_if_better=promote_if_better, metrics_file=metrics_file,
    )  # fmt: skip
    result = run_retrain(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        options=options,
        progress=progress(),
    )
    return emit(result)


@job_app.command("show")
def job_show(
    job_id: JobId,
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a BES job: status, times, failure details and output locations (no SAS tokens).

    \b
    Example: mlws job show -n housing-training -g ml-dev --job 539d0bc2fde945b6ac986b851d0000f0
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.retrain import show_job

    return emit(show_job(name=name, resource_group=resource_group, subscription=subscription, job_id=job_id))


@job_app.command("list")
def job_list(
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List the BES jobs a web service keeps, oldest first.

    \b
    Example: mlws job list -n housing-training -g ml-dev -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.retrain import list_jobs

    return emit(list_jobs(name=name, resource_group=resource_group, subscription=subscription))


@job_app.command("cancel")
def job_cancel(
    job_id: JobId,
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Cancel a BES job that has not ended; an ended job is deleted from the service.

    \b
    Example: mlws job cancel -n housing-training -g ml-dev --job 539d0bc2fde945b6ac986b851d0000f0
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.retrain import cancel_job

    return emit(cancel_job(name=name, resource_group=resource_group, subscription=subscription, job_id=job_id))


@app.command("score")
def score(
    rows: Annotated[Path, typer.Option("--input", "-i", help="Rows to score: a .json list of objects or a .csv file.")],
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Score rows with a web service's Request-Response endpoint (the smoke test after an update).

    \b
    Example: mlws score -n housing-predict -g ml-dev --input rows.json -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.providers.new_webservice.retrain import score as run_score

    # The service may take a while (loading its model, or failing to): say what is going on meanwhile.
    progress()(f"scoring the rows of {rows} with {name or 'the web service'}")
    result = run_score(name=name, resource_group=resource_group, subscription=subscription, rows_file=rows)
    return emit(result)
