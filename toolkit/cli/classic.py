"""Classic web-service commands (the AzureMLPS cmdlets): `mlws classic service list|get` and
`mlws classic endpoint list|get|add|remove|refresh|patch`.

Each command parses options, calls one library function in toolkit.providers.classic_endpoint, and renders its
result. The workspace's authorization token comes from MLWS_WORKSPACE_TOKEN only; a SAS token from the
variable --sas-token-env names.
"""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.app import (
    Debug,
    Output,
    OutputFormat,
    Query,
    SkipModelCheck,
    WhatIf,
    Yes,
    app,
    confirmation,
    positive_seconds,
    start,
)
from toolkit.cli.retrain import (
    GlobalParams,
    Inputs,
    JobTimeout,
    KeepJob,
    MetricsFile,
    OutputBlobs,
    PromoteIf,
    PromoteIfBetter,
    Uploads,
    retrain_options,
)

classic_app = typer.Typer(
    help="Classic web services (Studio classic) and their endpoints, through the management API.\n\n"
    "The workspace token comes from MLWS_WORKSPACE_TOKEN; the workspace and region from --workspace/-l, "
    "MLWS_WORKSPACE_ID/MLWS_LOCATION or mlws.yaml.\n\n"
    "Example: mlws classic endpoint list -s 0123456789abcdef0123456789abcdef",
    no_args_is_help=True,
)
service_app = typer.Typer(
    help="Classic web services (Get-AmlWebService).\n\nExample: mlws classic service list -o table",
    no_args_is_help=True,
)
endpoint_app = typer.Typer(
    help="Endpoints of a Classic web service (Get-/Add-/Remove-/Refresh-/Patch-AmlWebServiceEndpoint).\n\n"
    "Example: mlws classic endpoint add -s 0123456789abcdef0123456789abcdef -n rentalloc001",
    no_args_is_help=True,
)
app.add_typer(classic_app, name="classic")
classic_app.add_typer(service_app, name="service")
classic_app.add_typer(endpoint_app, name="endpoint")

Workspace = Annotated[
    str | None, typer.Option("--workspace", help="Workspace id, 32 hex digits (or MLWS_WORKSPACE_ID, or mlws.yaml).")
]
Location = Annotated[
    str | None, typer.Option("--location", "-l", help="The workspace's region (or MLWS_LOCATION, or mlws.yaml).")
]
Service = Annotated[str | None, typer.Option("--service", "-s", help="Web service id, 32 hex digits.")]
EndpointName = Annotated[str | None, typer.Option("--name", "-n", help="Endpoint name.")]
Show = Annotated[bool, typer.Option("--show", help="Print the endpoints' keys in clear (default: masked).")]


@service_app.command("list")
def service_list(
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List the workspace's web services (Get-AmlWebService).

    \b
    Example: mlws classic service list --workspace 0123456789abcdef0123456789abcdef -l "South Central US"
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import list_services

    return emit(list_services(workspace=workspace, location=location))


@service_app.command("get")
def service_get(
    service: Service = None,
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a web service (Get-AmlWebService -WebServiceId).

    \b
    Example: mlws classic service get -s 0123456789abcdef0123456789abcdef -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import show_service

    return emit(show_service(workspace=workspace, location=location, service=service))


@endpoint_app.command("list")
def endpoint_list(
    service: Service = None,
    workspace: Workspace = None,
    location: Location = None,
    show: Show = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List a web service's endpoints, the default one first (Get-AmlWebServiceEndpoint).

    \b
    Example: mlws classic endpoint list -s 0123456789abcdef0123456789abcdef -o table
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import list_endpoints

    return emit(list_endpoints(workspace=workspace, location=location, service=service, show=show))


@endpoint_app.command("get")
def endpoint_get(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    show: Show = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show an endpoint: settings, trained model, runtime URL; keys masked unless --show.

    \b
    Example: mlws classic endpoint get -s 0123456789abcdef0123456789abcdef -n rentalloc001 --show -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import show_endpoint

    return emit(show_endpoint(workspace=workspace, location=location, service=service, name=name, show=show))


@endpoint_app.command("add")
def endpoint_add(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    description: Annotated[str | None, typer.Option("--description", help="At most 2000 characters.")] = None,
    throttle_level: Annotated[
        str | None, typer.Option("--throttle-level", help="Low (default) or High (Standard workspaces).")
    ] = None,
    max_concurrent_calls: Annotated[
        int | None, typer.Option("--max-concurrent-calls", help="1-4 with Low, 1-200 with High.")
    ] = None,
    prevent_update: Annotated[
        bool, typer.Option("--prevent-update", help="The endpoint refuses to be refreshed.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing endpoint (removed and added again: new keys).")
    ] = False,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Add an endpoint to a web service (Add-AmlWebServiceEndpoint); it starts with the service's current model.

    The name, throttle level and concurrency are checked before anything is sent (exit 2); an existing
    endpoint is refused (exit 4) unless --force.

    \b
    Example: mlws classic endpoint add -s 0123456789abcdef0123456789abcdef -n rentalloc001 --description "Location 1"
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import add_endpoint

    return emit(
        add_endpoint(
            workspace=workspace,
            location=location,
            service=service,
            name=name,
            description=description,
            throttle_level=throttle_level,
            max_concurrent_calls=max_concurrent_calls,
            prevent_update=prevent_update,
            force=force,
            confirm=confirmation(yes),
            what_if=what_if,
        )
    )


@endpoint_app.command("remove")
def endpoint_remove(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Remove an endpoint (Remove-AmlWebServiceEndpoint); prompts unless --yes.

    \b
    Example: mlws classic endpoint remove -s 0123456789abcdef0123456789abcdef -n rentalloc001 --yes
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import remove_endpoint

    return emit(
        remove_endpoint(
            workspace=workspace,
            location=location,
            service=service,
            name=name,
            confirm=confirmation(yes),
            what_if=what_if,
        )
    )


@endpoint_app.command("refresh")
def endpoint_refresh(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    overwrite_resources: Annotated[
        bool, typer.Option("--overwrite-resources", help="Also replace its patched trained models.")
    ] = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Make an endpoint take the web service's latest publish (Refresh-AmlWebServiceEndpoint).

    \b
    Example: mlws classic endpoint refresh -s 0123456789abcdef0123456789abcdef -n rentalloc001
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import refresh_endpoint

    return emit(
        refresh_endpoint(
            workspace=workspace,
            location=location,
            service=service,
            name=name,
            overwrite_resources=overwrite_resources,
        )
    )


@endpoint_app.command("patch")
def endpoint_patch(
    resource: Annotated[str, typer.Option("--resource", help='The trained-model resource: "NAME [trained model]".')],
    base_location: Annotated[
        str, typer.Option("--base-location", help="The storage account URL: https://ACCOUNT.blob.core.windows.net/")
    ],
    relative_location: Annotated[str, typer.Option("--relative-location", help="container/path/model.ilearner")],
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    sas_token_env: Annotated[
        str | None, typer.Option("--sas-token-env", help="Environment variable holding the blob's SAS token.")
    ] = None,
    skip_model_check: SkipModelCheck = False,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Point an endpoint's trained model at a retrained .ilearner blob (Patch-AmlWebServiceEndpoint).

    Refuses the default endpoint and a training service's endpoints before sending (exit 2); the blob must
    exist (--skip-model-check). The endpoint is read back: the new location must show (else exit 4).

    \b
    Example: MODEL_SAS='?sv=...' mlws classic endpoint patch -s 0123456789abcdef0123456789abcdef -n rentalloc001 \\
                 --resource "Bike Rental [trained model]" --base-location https://acct.blob.core.windows.net/ \\
                 --relative-location models/model001.ilearner --sas-token-env MODEL_SAS
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.endpoints import patch_endpoint

    return emit(
        patch_endpoint(
            workspace=workspace,
            location=location,
            service=service,
            name=name,
            resource=resource,
            base_location=base_location,
            relative_location=relative_location,
            sas_token_env=sas_token_env,
            skip_model_check=skip_model_check,
            confirm=confirmation(yes),
            what_if=what_if,
        )
    )


@endpoint_app.command("export")
def endpoint_export(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Write here (canonical, secret-free); default: stdout.")
    ] = None,
    yes: Yes = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Write an endpoint's definition: its settings and trained models, no keys, a SAS only as a placeholder.

    An unchanged endpoint exports byte for byte the same file; the SasBlobToken placeholders of the file being
    replaced are kept (no read returns a SAS). An existing, different file is replaced after a prompt (or --yes).

    \b
    Example: mlws classic endpoint export -s 0123456789abcdef0123456789abcdef -n rentalloc001 \\
                 -f definitions/dev/classic/rentalloc001.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.deploy import export_endpoint

    return emit(
        export_endpoint(
            workspace=workspace, location=location, service=service, name=name, file=file, confirm=confirmation(yes)
        )
    )


@classic_app.command("diff")
def classic_diff(
    file: Annotated[Path, typer.Argument(help="An endpoint's definition file.")],
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 3 when there are changes.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Save the plan for `mlws update --plan`.")] = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show what `mlws classic update -f FILE` would change on the live endpoint (the plan); --out saves it.

    The endpoint is the one the file names (WebServiceId, Name); the workspace and region come from
    --workspace/-l, the environment or mlws.yaml (the file's environment: the folder below definitions/).

    \b
    Example: mlws classic diff definitions/dev/classic/rentalloc001.json --exit-code --out plan.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.errors import ExitCode
    from toolkit.providers.classic_endpoint.deploy import plan_endpoint

    result = plan_endpoint(
        file, workspace=workspace, location=location, service=service, name=name, out=out, progress=progress()
    )
    return emit(result, exit_code=ExitCode.CHANGES if exit_code and result.has_changes else ExitCode.OK)


@classic_app.command("update")
def classic_update(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Endpoint definition to deploy.")] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="Apply a plan saved by `mlws classic diff --out`.")
    ] = None,
    workspace: Workspace = None,
    location: Location = None,
    skip_model_check: SkipModelCheck = False,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Deploy an endpoint's definition: one PATCH of what differs, read back and verified (exit 4 if it did not
    take); --plan applies a reviewed plan and refuses (exit 4) one that is stale.

    Changed trained models must exist in storage first (exit 2; --skip-model-check); their SAS placeholders are
    resolved from the environment.

    \b
    Example: MODEL_SAS='?sv=...' mlws classic update -f definitions/dev/classic/rentalloc001.json
    Example: mlws classic update --plan plan.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.deploy import update_endpoint

    return emit(
        update_endpoint(
            file=file,
            plan=plan,
            workspace=workspace,
            location=location,
            confirm=confirmation(yes),
            what_if=what_if,
            skip_model_check=skip_model_check,
        )
    )


@classic_app.command("retrain")
def classic_retrain(
    training_service: Annotated[
        str | None, typer.Option("--training-service", help="The training web service's id (its BES runs the job).")
    ] = None,
    training_endpoint: Annotated[
        str, typer.Option("--training-endpoint", help="The training service's endpoint to run BES on.")
    ] = "default",
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    resource: Annotated[
        str | None, typer.Option("--resource", help="The predictive endpoint's trained-model resource (if several).")
    ] = None,
    inputs: Inputs = None,
    uploads: Uploads = None,
    output_blobs: OutputBlobs = None,
    global_params: GlobalParams = None,
    update_definition: Annotated[
        Path | None,
        typer.Option("--update-definition", help="Write the model into this endpoint file instead of patching."),
    ] = None,
    score_rows: Annotated[
        Path | None, typer.Option("--score", help="Rows (.json/.csv) to prove the endpoint serves the new model.")
    ] = None,
    keep_job: KeepJob = False,
    timeout: JobTimeout = None,
    switch_timeout: Annotated[
        float,
        typer.Option(
            "--switch-timeout", callback=positive_seconds, help="With --score: seconds to wait for the switch."
        ),
    ] = 120.0,
    promote_if: PromoteIf = None,
    promote_if_better: PromoteIfBetter = None,
    metrics_file: MetricsFile = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Retrain a Classic web service: BES on the training endpoint, then PATCH the predictive endpoint's trained
    model with the job's .ilearner, read back; --score ROWS waits until the endpoint serves it.

    Checked before the job starts: the predictive endpoint is not the default one and has the resource. With
    --update-definition the model goes into that endpoint's file for review (then `mlws classic diff` and
    `mlws classic update -f`), its metrics beside it (FILE.metrics.json); a direct patch records them only in
    --metrics-file. With --promote-if / --promote-if-better nothing is patched or written unless every gate
    passes (exit 4). Blobs use AZURE_STORAGE_CONNECTION_STRING; no SAS is printed.

    \b
    Example: mlws classic retrain --training-service 0123456789abcdef0123456789abcdef \\
                 -s fedcba9876543210fedcba9876543210 -n rentalloc001 --upload input1=bikes-001.csv \\
                 --output-blob output1=models/model001.ilearner --score rows.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.providers.classic_endpoint.retrain import retrain

    options = retrain_options(
        inputs, uploads, output_blobs, global_params, update_definition, keep_job, timeout,
        promote_if=promote_if, promote_if_better=promote_if_better, metrics_file=metrics_file,
    )  # fmt: skip
    return emit(
        retrain(
            workspace=workspace,
            location=location,
            training_service=training_service,
            training_endpoint=training_endpoint,
            service=service,
            name=name,
            resource=resource,
            options=options,
            score_rows=score_rows,
            switch_timeout=switch_timeout,
            progress=progress(),
        )
    )


@classic_app.command("score")
def classic_score(
    rows: Annotated[Path, typer.Option("--input", "-i", help="Rows to score: a .json list of objects or a .csv.")],
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Score rows with a Classic endpoint's Request-Response API (its ApiLocation, with its own key).

    \b
    Example: mlws classic score -s 0123456789abcdef0123456789abcdef -n rentalloc001 --input rows.json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.providers.classic_endpoint.retrain import score

    progress()(f"scoring the rows of {rows} with endpoint {name or ''}")
    return emit(score(workspace=workspace, location=location, service=service, name=name, rows_file=rows))


job_app = typer.Typer(
    help="Batch Execution (BES) jobs of a Classic endpoint.\n\n"
    "Example: mlws classic job list -s 0123456789abcdef0123456789abcdef -n default",
    no_args_is_help=True,
)
classic_app.add_typer(job_app, name="job")
JobId = Annotated[str, typer.Option("--job", help="BES job id: 32 hex digits (from `mlws classic job list`).")]


@job_app.command("show")
def classic_job_show(
    job_id: JobId,
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a BES job of a Classic endpoint (no SAS tokens).

    \b
    Example: mlws classic job show -s 0123456789abcdef0123456789abcdef -n default --job 539d0bc2fde945b6ac986b851d0000f0
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.retrain import show_job

    return emit(show_job(workspace=workspace, location=location, service=service, name=name, job_id=job_id))


@job_app.command("list")
def classic_job_list(
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List the BES jobs a Classic endpoint keeps.

    \b
    Example: mlws classic job list -s 0123456789abcdef0123456789abcdef -n default
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.retrain import list_jobs

    return emit(list_jobs(workspace=workspace, location=location, service=service, name=name))


@job_app.command("cancel")
def classic_job_cancel(
    job_id: JobId,
    service: Service = None,
    name: EndpointName = None,
    workspace: Workspace = None,
    location: Location = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Cancel a BES job that has not ended; an ended job is deleted.

    \b
    Example: mlws classic job cancel -s 0123456789abcdef0123456789abcdef -n default --job JOB_ID
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.classic_endpoint.retrain import cancel_job

    return emit(cancel_job(workspace=workspace, location=location, service=service, name=name, job_id=job_id))
