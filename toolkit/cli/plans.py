"""Commitment-plan commands (the *-AzMlCommitmentPlan, *-AzMlCommitmentAssociation and
Get-AzMlCommitmentPlanUsageHistory cmdlets): `mlws commitment-plan get|list|new|update|remove|usage`
and `mlws commitment-association get|list|move`.

Each command parses options, calls one library function in toolkit.providers.new_webservice.plans, and renders its
result: the service's objects with -o json, a table for lists.
"""

from typing import Annotated

import typer

from toolkit.cli.app import (
    Debug,
    Group,
    Location,
    Output,
    OutputFormat,
    Query,
    Subscription,
    WhatIf,
    Yes,
    app,
    confirmation,
    start,
)

plan_app = typer.Typer(
    help="Commitment plans (billing plans web services run under).\n\nExample: mlws commitment-plan list -g ml-prod",
    no_args_is_help=True,
)
association_app = typer.Typer(
    help="Commitment associations: which web service is billed to which plan.\n\n"
    "Example: mlws commitment-association list -g ml-prod --plan plan-prod",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="commitment-plan")
app.add_typer(association_app, name="commitment-association")

PlanName = Annotated[str | None, typer.Option("--name", "-n", help="Commitment plan name.")]
PlanOf = Annotated[str, typer.Option("--plan", help="Name of the commitment plan the association belongs to.")]
AssociationName = Annotated[str, typer.Option("--name", "-n", help="Commitment association name (see `list`).")]
SkuName = Annotated[str | None, typer.Option("--sku-name", help="SKU name, e.g. S1.")]
SkuTier = Annotated[str | None, typer.Option("--sku-tier", help="SKU tier, e.g. Standard.")]
SkuCapacity = Annotated[int | None, typer.Option("--sku-capacity", min=1, help="Number of SKU units.")]
Tags = Annotated[
    list[str] | None,
    typer.Option("--tag", help="KEY=VALUE; repeat for more. Sets the plan's tags to exactly these."),
]


@plan_app.command("get")
def plan_get(
    name: PlanName = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a commitment plan (Get-AzMlCommitmentPlan -Name); -n needs a resource group.

    \b
    Example: mlws commitment-plan get -n plan-prod -g ml-prod -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import show_plan

    return emit(show_plan(name=name, resource_group=resource_group, subscription=subscription))


@plan_app.command("list")
def plan_list(
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List the commitment plans of a resource group, or of the subscription (every page, unlike the cmdlet).

    \b
    Example: mlws commitment-plan list -g ml-prod
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import list_plans

    return emit(list_plans(resource_group=resource_group, subscription=subscription))


@plan_app.command("new")
def plan_new(
    sku_name: Annotated[str, typer.Option("--sku-name", help="SKU name, e.g. S1.")],
    sku_tier: Annotated[str, typer.Option("--sku-tier", help="SKU tier, e.g. Standard.")],
    name: PlanName = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    location: Location = None,
    sku_capacity: Annotated[int, typer.Option("--sku-capacity", min=1, help="Number of SKU units.")] = 1,
    tag: Tags = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the plan if it exists (PUT replaces it).")] = False,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Create a commitment plan (New-AzMlCommitmentPlan); refuses (exit 4) to replace one unless --force.

    --force skips the existence check and asks first (--yes answers for you).

    \b
    Example: mlws commitment-plan new -n plan-prod -g ml-prod -l southcentralus --sku-name S1 --sku-tier Standard
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import new_plan

    result = new_plan(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        location=location,
        sku_name=sku_name,
        sku_tier=sku_tier,
        sku_capacity=sku_capacity,
        tags=tag,
        force=force,
        confirm=confirmation(yes),
        what_if=what_if,
    )
    return emit(result)


@plan_app.command("update")
def plan_update(
    name: PlanName = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    sku_name: SkuName = None,
    sku_tier: SkuTier = None,
    sku_capacity: SkuCapacity = None,
    tag: Tags = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Change a commitment plan's SKU and/or tags (Update-AzMlCommitmentPlan); prints the updated plan.

    Only what is given changes: SKU fields not given keep their live values (the cmdlet resets the
    capacity to 1), and tags can change alone. Nothing given is a usage error (exit 2). On a terminal the
    request is shown and confirmed (--yes skips; a declined prompt is exit 4).

    \b
    Example: mlws commitment-plan update -n plan-prod -g ml-prod --sku-capacity 2
    Example: mlws commitment-plan update -n plan-prod -g ml-prod --tag owner=ml-ops --tag cost-center=42
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import update_plan

    result = update_plan(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        sku_name=sku_name,
        sku_tier=sku_tier,
        sku_capacity=sku_capacity,
        tags=tag,
        confirm=confirmation(yes),
        what_if=what_if,
    )
    return emit(result)


@plan_app.command("remove")
def plan_remove(
    name: PlanName = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    yes: Yes = False,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Delete a commitment plan (Remove-AzMlCommitmentPlan); prompts unless --yes.

    A missing plan is an error (exit 1). The service refuses to delete a plan that web services
    are still associated with: move them (`mlws commitment-association move`) or remove them first.

    \b
    Example: mlws commitment-plan remove -n plan-old -g ml-dev --yes
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import remove_plan

    result = remove_plan(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        confirm=confirmation(yes),
        what_if=what_if,
    )
    return emit(result)


@plan_app.command("usage")
def plan_usage(
    name: PlanName = None,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show a commitment plan's usage history (Get-AzMlCommitmentPlanUsageHistory), every page.

    \b
    Example: mlws commitment-plan usage -n plan-prod -g ml-prod -o json
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import plan_usage as plan_usage_library

    return emit(plan_usage_library(name=name, resource_group=resource_group, subscription=subscription))


@association_app.command("get")
def association_get(
    plan: PlanOf,
    name: AssociationName,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Show one commitment association of a plan (Get-AzMlCommitmentAssociation -Name).

    \b
    Example: mlws commitment-association get -g ml-prod --plan plan-prod -n 0123456789abcdef0123456789abcdef
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import show_association

    return emit(show_association(plan=plan, name=name, resource_group=resource_group, subscription=subscription))


@association_app.command("list")
def association_list(
    plan: PlanOf,
    resource_group: Group = None,
    subscription: Subscription = None,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """List a commitment plan's associations (Get-AzMlCommitmentAssociation), every page.

    \b
    Example: mlws commitment-association list -g ml-prod --plan plan-prod
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import list_associations

    return emit(list_associations(plan=plan, resource_group=resource_group, subscription=subscription))


@association_app.command("move")
def association_move(
    plan: PlanOf,
    name: AssociationName,
    destination_plan_id: Annotated[
        str, typer.Option("--destination-plan-id", help="ARM id of the plan to move to (`commitment-plan get`).")
    ],
    resource_group: Group = None,
    subscription: Subscription = None,
    what_if: WhatIf = False,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Move a web service's association to another commitment plan (Move-AzMlCommitmentAssociation).

    The destination is a plan's ARM id, as `mlws commitment-plan get` prints it:
    /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.MachineLearning/commitmentPlans/PLAN

    \b
    Example: mlws commitment-association move -g ml-prod --plan plan-old -n ASSOCIATION --destination-plan-id "$PLAN_ID"
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.providers.new_webservice.plans import move_association

    result = move_association(
        plan=plan,
        name=name,
        destination_plan_id=destination_plan_id,
        resource_group=resource_group,
        subscription=subscription,
        what_if=what_if,
    )
    return emit(result)
