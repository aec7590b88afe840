"""Web-service commands (the *-AzMlWebService cmdlets): get, list, export, new, update, remove, keys,
add-region, operation wait.

Each command parses options, calls one library function in toolkit.providers.new_webservice, and renders its result.
Destructive or irreversible actions prompt on a terminal; --yes skips the prompt; without a terminal
and without --yes they refuse (exit 2).
"""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.app import (
    Debug,
    Group,
    Location,
    Name,
    NoWait,
    Output,
    OutputFormat,
    Query,
    SkipModelCheck,
    Subscription,
    Timeout,
    WhatIf,
    Yes,
    app,
    confirmation,
    start,
    wait_options,
)


@app.command("get")
def get(
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    region: Annotated[str | None, typer.Option("--region", help="Read the copy for this region.")] = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a web service (Get-AzMlWebService); without -n, list the group's or subscription's services.

    \b
    Example: mlws get -n scoring -g ml-prod -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.client import show_service

    return emit(show_service(name=name, resource_group=resource_group, subscription=subscription, region=region))


@app.command("list")
def list_(
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List web services of a resource group, or of the subscription (all pages).

    \b
    Example: mlws list -g ml-prod -o table
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.client import list_services

    return emit(list_services(resource_group=resource_group, subscription=subscription))


@app.command("export")
def export(
    environment: Annotated[
        str | None,
        typer.Argument(metavar="ENV", help="An environment: export every definition of definitions/ENV/ instead."),
    ] = None,
    services: Annotated[
        list[str] | None,
        typer.Argument(metavar="SERVICE", help="With ENV: only these definitions (housing-predict, classic/NAME)."),
    ] = None,
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Write here (canonical, secret-free); default: stdout.")
    ] = None,
    yes: Yes = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Write a live service's definition: canonical, secrets replaced by ${ENV} placeholders (Export-AzMlWebService).

    Unchanged services export byte for byte the same file. What GET never returns (keys, storageAccount.key,
    commitmentPlan) is kept from the file being replaced, as placeholders; a storage account without a key
    gets the storage-key placeholder. An existing, different file is only replaced after a prompt (or --yes).

    With ENV, every definition of definitions/ENV/ (or the SERVICEs named) is written again from its live
    service, New web services and Classic endpoints alike, one row each.

    \b
    Example: mlws export -n scoring -g ml-prod -f definitions/prod/scoring.json
    Example: mlws export prod --yes
    """
    start(output, debug, query)
    from toolkit.cli.render import emit

    if environment is not None:
        from toolkit.environments import export_environment
        from toolkit.errors import BadInput

        given = [flag for flag, value in (("-n", name), ("-g", resource_group), ("--subscription", subscription),
                                          ("-f", file)) if value is not None]  # fmt: skip
        if given:
            raise BadInput(f"export ENV takes its targets from the files; {', '.join(given)} go without ENV")
        return emit(export_environment(environment, services or [], confirm=confirmation(yes)))
    from toolkit.providers.new_webservice.deploy import export_service

    result = export_service(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        file=file,
        confirm=confirmation(yes),
    )
    return emit(result)


@app.command("new")
def new(
    file: Annotated[Path, typer.Option("--file", "-f", help="Definition file to create the service from.")],
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    location: Location = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the service if it exists (PUT replaces it whole).")
    ] = False,
    yes: Yes = False,
    what_if: WhatIf = False,
    skip_model_check: SkipModelCheck = False,
    timeout: Timeout = None,
    no_wait: NoWait = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Create a web service from a definition (New-AzMlWebService); refuses to overwrite one unless --force.

    ${ENV} placeholders are resolved from the environment; the trained models are looked for in storage
    (--skip-model-check for storage mlws cannot reach); then PUT, wait, read back.

    \b
    Example: mlws new -f definitions/dev/scoring.json -g ml-dev -l southcentralus
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.deploy import new_service

    result = new_service(
        file=file,
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        location=location,
        force=force,
        confirm=confirmation(yes),
        what_if=what_if,
        wait=wait_options(timeout, no_wait),
        skip_model_check=skip_model_check,
    )
    return emit(result)


@app.command("update")
def update(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Definition to deploy (sends what differs).")
    ] = None,
    whole: Annotated[
        bool, typer.Option("--whole", help="With -f: PATCH the whole definition (as -ServiceUpdates does).")
    ] = False,
    plan: Annotated[Path | None, typer.Option("--plan", help="Apply a plan saved by `mlws diff --out`.")] = None,
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    title: Annotated[str | None, typer.Option("--title", help="The service's title.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="The service's description.")] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Make the service read-only: IRREVERSIBLE, it can then only be removed.")
    ] = False,
    primary_key: Annotated[
        str | None, typer.Option("--primary-key", help="Discouraged: use --primary-key-env.")
    ] = None,
    primary_key_env: Annotated[
        str | None, typer.Option("--primary-key-env", help="Environment variable holding the new primary key.")
    ] = None,
    secondary_key: Annotated[
        str | None, typer.Option("--secondary-key", help="Discouraged: use --secondary-key-env.")
    ] = None,
    secondary_key_env: Annotated[
        str | None, typer.Option("--secondary-key-env", help="Environment variable holding the new secondary key.")
    ] = None,
    storage_account_key: Annotated[
        str | None, typer.Option("--storage-account-key", help="Discouraged: use --storage-account-key-env.")
    ] = None,
    storage_account_key_env: Annotated[
        str | None, typer.Option("--storage-account-key-env", help="Environment variable holding the storage key.")
    ] = None,
    diagnostics_level: Annotated[str | None, typer.Option("--diagnostics-level", help="None, Error or All.")] = None,
    diagnostics_expiry: Annotated[
        str | None,
        typer.Option("--diagnostics-expiry", help="With --diagnostics-level: when diagnostics stop (ISO 8601)."),
    ] = None,
    max_concurrent_calls: Annotated[int | None, typer.Option("--max-concurrent-calls", help="4 to 200.")] = None,
    assets: Annotated[Path | None, typer.Option("--assets", help="JSON file: the assets map.")] = None,
    input_spec: Annotated[Path | None, typer.Option("--input-spec", help="JSON file: the input schema.")] = None,
    output_spec: Annotated[Path | None, typer.Option("--output-spec", help="JSON file: the output schema.")] = None,
    parameters: Annotated[Path | None, typer.Option("--parameters", help="JSON file: the parameters map.")] = None,
    package: Annotated[Path | None, typer.Option("--package", help="JSON file: the graph package.")] = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    skip_model_check: SkipModelCheck = False,
    timeout: Timeout = None,
    no_wait: NoWait = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Update a web service (Update-AzMlWebService) from a file, a saved plan, or individual properties.

    -f FILE sends what differs from the live service: a PATCH of the changed parts, or, when the file removes
    an entry a PATCH cannot remove (the service merges), a REPLACEMENT: a PUT of the whole definition, confirmed
    first (--yes without a terminal). ${ENV} placeholders are resolved only where they are sent; an unset one
    keeps what is live (the keys, a SAS), except the storage key, which no read returns. --whole PATCHes the
    whole definition (as -ServiceUpdates). --plan applies a saved plan (no prompt: it was reviewed) and refuses
    (exit 4) if the service or the file changed since. Every update is read back: a change that did not take is
    exit 4; what cannot be read back (the storage key) is listed. A changed [trained model] must exist in
    storage first (exit 2 otherwise; --skip-model-check). On a terminal the changes are shown and
    confirmed (a declined prompt is exit 4). Unlike the cmdlet, individual properties never add "readOnly": false.

    \b
    Example: mlws update -f definitions/prod/scoring.json
    Example: mlws update -n scoring -g ml-prod --max-concurrent-calls 30 --primary-key-env NEW_KEY
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.deploy import PropertyUpdates, update_service

    changes = PropertyUpdates(
        title=title,
        description=description,
        read_only=read_only,
        primary_key=primary_key,
        primary_key_env=primary_key_env,
        secondary_key=secondary_key,
        secondary_key_env=secondary_key_env,
        storage_account_key=storage_account_key,
        storage_account_key_env=storage_account_key_env,
        diagnostics_level=diagnostics_level,
        diagnostics_expiry=diagnostics_expiry,
        max_concurrent_calls=max_concurrent_calls,
        assets=assets,
        input_spec=input_spec,
        output_spec=output_spec,
        parameters=parameters,
        package=package,
    )
    result = update_service(
        file=file,
        whole=whole,
        plan=plan,
        changes=changes,
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        confirm=confirmation(yes),
        what_if=what_if,
        wait=wait_options(timeout, no_wait),
        skip_model_check=skip_model_check,
    )
    return emit(result)


@app.command("remove")
def remove(
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    timeout: Timeout = None,
    no_wait: NoWait = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Delete a web service (Remove-AzMlWebService); prompts unless --yes.

    \b
    Example: mlws remove -n scoring-old -g ml-dev --yes
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.deploy import remove_service

    result = remove_service(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        confirm=confirmation(yes),
        what_if=what_if,
        wait=wait_options(timeout, no_wait),
    )
    return emit(result)


@app.command("keys")
def keys(
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    show: Annotated[bool, typer.Option("--show", help="Print the keys in clear (default: masked).")] = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a web service's access keys (Get-AzMlWebServiceKey), masked unless --show.

    \b
    Example: mlws keys -n scoring -g ml-prod --show -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.client import service_keys

    return emit(service_keys(name=name, resource_group=resource_group, subscription=subscription, show=show))


@app.command("add-region")
def add_region(
    region: Annotated[str, typer.Option("--region", help="Region to create the encrypted-credential copy in.")],
    name: Name = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    timeout: Timeout = None,
    no_wait: NoWait = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Make a service readable from another region (Add-AzMlWebServiceRegionalProperty).

    \b
    Example: mlws add-region -n scoring -g ml-prod --region westcentralus
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.deploy import add_region as add_region_library

    result = add_region_library(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        region=region,
        confirm=confirmation(yes),
        what_if=what_if,
        wait=wait_options(timeout, no_wait),
    )
    return emit(result)


operation_app = typer.Typer(
    help="Long-running operations started with --no-wait or that timed out.\n\n"
    'Example: mlws operation wait "$OPERATION_URL" --timeout 600',
    no_args_is_help=True,
)
app.add_typer(operation_app, name="operation")


@operation_app.command("wait")
def operation_wait(
    url: Annotated[str, typer.Argument(help="The operation URL printed by --no-wait or a timeout.")],
    timeout: Timeout = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Wait for a long-running operation to end; exit 1 if it failed, 5 if it still runs at --timeout or the
    service stops answering for longer than the outage budget.

    \b
    Example: mlws operation wait 'https://management.azure.com/subscriptions/.../operationsStatus/ID?api-version=2017-01-01'
    """
    start(output, debug, query)
    from toolkit.cli.render import emit, progress
    from toolkit.operation import wait_operation

    return emit(wait_operation(url=url, timeout=timeout, progress=progress()))
