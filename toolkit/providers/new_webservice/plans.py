"""Microsoft.MachineLearning/commitmentPlans and their associations (api-version 2016-05-01-preview).

Every operation is synchronous: the answer is the final state. `CommitmentPlans(client, target)` is
the thin REST client (target.name is the plan); the functions below it are what the
`mlws commitment-plan` and `mlws commitment-association` commands call. Where the cmdlets misbehave
mlws does not follow: lists read every page, `new` does not overwrite an existing plan without
--force, `update` keeps the live values of SKU fields it was not given, and a change the service's
answer does not show is refused (exit 4).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolkit import names
from toolkit.arm.client import ArmClient
from toolkit.arm.errors import ResourceNotFound
from toolkit.config import Target, resolve_target
from toolkit.errors import BadInput, Refused
from toolkit.preview import Confirm, RequestPreview, guard_creation
from toolkit.result import Column, Listing, Result, Shown
from toolkit.text import parse_pairs

API_VERSION = "2016-05-01-preview"
PROVIDER = "providers/Microsoft.MachineLearning/commitmentPlans"
PLAN_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearning/commitmentPlans/[^/]+$",
    re.IGNORECASE,
)

PLAN_FIELDS = ("subscription", "resource_group", "name")  # what every single-plan command needs


class CommitmentPlans:
    def __init__(self, client: ArmClient, target: Target) -> None:
        self.client = client
        self.target = target

    @classmethod
    def connect(cls, target: Target) -> CommitmentPlans:
        return cls(ArmClient.for_target(target), target)

    def path(self, suffix: str = "") -> str:
        name = names.segment(names.COMMITMENT_PLAN_NAME, self.target.name)
        return f"{self.target.group_path}/{PROVIDER}/{name}{suffix}"

    def association_path(self, association: str, suffix: str = "") -> str:
        name = names.segment(names.COMMITMENT_ASSOCIATION_NAME, association)
        return self.path(f"/commitmentAssociations/{name}{suffix}")

    def _plan_not_found(self, exc: ResourceNotFound) -> ResourceNotFound:
        return ResourceNotFound(f"commitment plan {self.target.describe()} not found [{exc.message}]", exc.info)

    def _send(self, method: str, path: str, action: str, body: Any = None) -> Any:
        """One call; a 404 names the plan (the service answers 404 for a missing plan on every sub-resource)."""
        try:
            return self.client.send(method, path, api_version=API_VERSION, body=body, action=action).body
        except ResourceNotFound as exc:
            raise self._plan_not_found(exc) from exc

    def _list(self, path: str) -> list[dict[str, Any]]:
        try:
            return self.client.list_all(path, api_version=API_VERSION)
        except ResourceNotFound as exc:
            raise self._plan_not_found(exc) from exc

    def get(self) -> dict[str, Any]:
        return self._send("GET", self.path(), "get commitment plan")

    def find(self) -> dict[str, Any] | None:
        """The live plan, or None when it does not exist."""
        try:
            return self.client.send("GET", self.path(), api_version=API_VERSION, action="get commitment plan").body
        except ResourceNotFound:
            return None

    def list(self) -> list[dict[str, Any]]:
        return self.client.list_all(f"{self.target.scope_path}/{PROVIDER}", api_version=API_VERSION)

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("PUT", self.path(), "create commitment plan", body)

    def patch(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("PATCH", self.path(), "update commitment plan", body)

    def delete(self) -> None:
        self._send("DELETE", self.path(), "remove commitment plan")

    def usage_history(self) -> list[dict[str, Any]]:
        return self._list(self.path("/usageHistory"))

    def associations(self) -> list[dict[str, Any]]:
        return self._list(self.path("/commitmentAssociations"))

    def association(self, name: str) -> dict[str, Any]:
        try:
            return self.client.send(
                "GET", self.association_path(name), api_version=API_VERSION, action="get commitment association"
            ).body
        except ResourceNotFound as exc:
            raise ResourceNotFound(
                f"commitment association '{name}' of plan {self.target.describe()} not found [{exc.message}]", exc.info
            ) from exc

    def move(self, name: str, destination_plan_id: str) -> dict[str, Any]:
        try:
            return self.client.send(
                "POST",
                self.association_path(name, "/move"),
                api_version=API_VERSION,
                body={"destinationPlanId": destination_plan_id},
                action="move commitment association",
                if_unsure=f"the association may or may not have moved: check with `mlws commitment-association get "
                f"--plan {self.target.name} -n {name}`",
            ).body
        except ResourceNotFound as exc:
            raise ResourceNotFound(
                f"cannot move commitment association '{name}' of plan {self.target.describe()} "
                f"to {destination_plan_id}: not found [{exc.message}]",
                exc.info,
            ) from exc

    def preview(self, method: str, body: Any = None, path: str | None = None) -> RequestPreview:
        """The request `method` on `path` (default: the plan's) would send."""
        return RequestPreview(method, self.client.url(path or self.path(), API_VERSION), body)


# -- what the commands show ----------------------------------------------------------------------------------


def _group_of(arm_id: str | None) -> str:
    from azure.mgmt.core.tools import parse_resource_id

    return parse_resource_id(arm_id or "").get("resource_group", "")


def _name_of(arm_id: str | None) -> str:
    from azure.mgmt.core.tools import parse_resource_id

    return parse_resource_id(arm_id or "").get("name", "")


def _sku_text(plan: dict[str, Any]) -> str:
    sku = plan.get("sku") or {}
    return f"{sku.get('name', '')} {sku.get('tier', '')} x{sku.get('capacity', '')}"


def _tags_text(tags: dict[str, str] | None) -> str:
    return ", ".join(f"{key}={value}" for key, value in (tags or {}).items())


def plan_text(plan: dict[str, Any]) -> str:
    properties = plan.get("properties") or {}
    included = properties.get("includedQuantities") or {}
    lines = [
        f"name:           {plan.get('name', '')}",
        f"resource group: {_group_of(plan.get('id'))}",
        f"location:       {plan.get('location', '')}",
        f"sku:            {_sku_text(plan)}",
        f"tags:           {_tags_text(plan.get('tags'))}",
        f"created:        {properties.get('creationDate', '')}",
    ]
    lines += [f"included:       {name} {quantity.get('allowance')}" for name, quantity in included.items()]
    lines.append(f"id:             {plan.get('id', '')}")
    return "\n".join(line.rstrip() for line in lines)


PLAN_COLUMNS = (
    Column("NAME", lambda plan: plan.get("name", "")),
    Column("RESOURCE GROUP", lambda plan: _group_of(plan.get("id"))),
    Column("LOCATION", lambda plan: plan.get("location", "")),
    Column("SKU", _sku_text),
    Column("TAGS", lambda plan: _tags_text(plan.get("tags"))),
)


def _association_property(key: str):
    return lambda association: str((association.get("properties") or {}).get(key) or "")


ASSOCIATION_COLUMNS = (
    Column("NAME", lambda association: association.get("name", "")),
    Column("PLAN", lambda association: _name_of(_association_property("commitmentPlanId")(association))),
    Column("WEB SERVICE", _association_property("associatedResourceId")),
    Column("CREATED", _association_property("creationDate")),
)

USAGE_COLUMNS = tuple(
    Column(title, str) for title in ("DATE", "QUANTITY", "USED", "INCLUDED BEFORE", "INCLUDED AFTER", "OVERAGE")
)


def _usage_rows(record: dict[str, Any]) -> list[list[str]]:
    """One row per quantity a usage record counts."""

    def quantity_of(key: str, quantity: str) -> str:
        return f"{(record.get(key) or {}).get(quantity, 0):g}"

    return [
        [str(record.get("usageDate", "")), quantity, f"{used:g}", quantity_of("planQuantitiesBeforeUsage", quantity),
         quantity_of("planQuantitiesAfterUsage", quantity), quantity_of("planUsageOverage", quantity)]
        for quantity, used in (record.get("usage") or {}).items()
    ]  # fmt: skip


def _plan_shown(plan: dict[str, Any], heading: str = "") -> Shown:
    return Shown(plan, f"{heading}\n{plan_text(plan)}" if heading else plan_text(plan))


def _associations(found: list[dict[str, Any]], data: Any = None) -> Listing:
    return Listing(found, ASSOCIATION_COLUMNS, empty="no commitment associations", data=data)


def parse_tags(pairs: list[str] | None) -> dict[str, str] | None:
    """`--tag k=v` pairs as a map; None when no --tag was given."""
    return None if not pairs else parse_pairs(pairs, "--tag", "owner=ml-ops", empty_values=True)


def _connect(
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    *,
    location: str | None = None,
    require: tuple[str, ...] = PLAN_FIELDS,
    name_flag: str = "-n/--name",
) -> CommitmentPlans:
    """The plan `name` (passed with `name_flag`: -n/--name, or --plan for its associations)."""
    target = resolve_target(
        name=name,
        resource_group=resource_group,
        subscription=subscription,
        location=location,
        require=require,
        name_rule=names.COMMITMENT_PLAN_NAME,
        name_flag=name_flag,
    )
    return CommitmentPlans.connect(target)


def _check_took(plan: CommitmentPlans, sent: dict[str, Any], answer: dict[str, Any]) -> None:
    """The service answers with the plan as it now is: a SKU or tags it does not show did not take."""
    differing = [key for key in ("sku", "tags") if key in sent and (answer or {}).get(key) != sent[key]]
    if differing:
        raise Refused(
            f"commitment plan {plan.target.describe()}: the service accepted the request but its answer does not "
            f"show the new {' and '.join(differing)}; check it with `mlws commitment-plan get`"
        )


def show_plan(*, name: str | None, resource_group: str | None, subscription: str | None) -> Shown:
    """Get-AzMlCommitmentPlan with -Name: one plan. A name needs a resource group (the cmdlet ignores it)."""
    if not name:
        raise BadInput("no commitment plan name: pass -n/--name (use `mlws commitment-plan list` to list plans)")
    return _plan_shown(_connect(name, resource_group, subscription).get())


def list_plans(*, resource_group: str | None, subscription: str | None) -> Listing:
    """Get-AzMlCommitmentPlan without -Name: the plans of a group, else of the subscription (every page)."""
    target = resolve_target(resource_group=resource_group, subscription=subscription, require=("subscription",))
    plans = CommitmentPlans.connect(target).list()
    return Listing(plans, PLAN_COLUMNS, empty="no commitment plans")


def new_plan(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    location: str | None,
    sku_name: str,
    sku_tier: str,
    sku_capacity: int,
    tags: list[str] | None,
    force: bool,
    confirm: Confirm,
    what_if: bool,
) -> Result:
    """New-AzMlCommitmentPlan: PUT {sku, location[, tags]}. Without --force an existing plan is never replaced."""
    tag_map = parse_tags(tags)
    required = (*PLAN_FIELDS, "location")
    plans = _connect(name, resource_group, subscription, location=location, require=required)
    body: dict[str, Any] = {
        "sku": {"capacity": sku_capacity, "name": sku_name, "tier": sku_tier},
        "location": plans.target.location,
    }
    if tag_map is not None:
        body["tags"] = tag_map
    guard_creation(
        f"commitment plan {plans.target.describe()}",
        lambda: plans.find() is not None,
        force=force,
        confirm=confirm,
        what_if=what_if,
        instead="`mlws commitment-plan update`",
    )
    if what_if:
        return plans.preview("PUT", body)
    created = plans.put(body)
    _check_took(plans, body, created)
    return _plan_shown(created, "created commitment plan")


def update_plan(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    sku_name: str | None,
    sku_tier: str | None,
    sku_capacity: int | None,
    tags: list[str] | None,
    confirm: Confirm,
    what_if: bool,
) -> Result:
    """Update-AzMlCommitmentPlan: PATCH only what was given; SKU fields not given keep their live values.

    The cmdlet always sends a whole SKU and resets an omitted capacity to 1; here a tags-only change
    sends only tags, and a partial SKU is completed from the live plan (one GET first).
    """
    tag_map = parse_tags(tags)
    sku_given = {"capacity": sku_capacity, "name": sku_name, "tier": sku_tier}
    if tag_map is None and all(value is None for value in sku_given.values()):
        raise BadInput("nothing to update: pass --sku-name, --sku-tier, --sku-capacity and/or --tag KEY=VALUE")
    plans = _connect(name, resource_group, subscription)
    body: dict[str, Any] = {}
    if tag_map is not None:
        body["tags"] = tag_map
    if any(value is not None for value in sku_given.values()):
        live_sku = (plans.get().get("sku") or {}) if None in sku_given.values() else {}
        body["sku"] = {key: live_sku.get(key) if value is None else value for key, value in sku_given.items()}
    if what_if:
        return plans.preview("PATCH", body)
    confirm(f"Update commitment plan {plans.target.describe()}: send {json.dumps(body)}?", unattended=True)
    updated = plans.patch(body)
    _check_took(plans, body, updated)
    return _plan_shown(updated, "updated commitment plan")


def remove_plan(
    *,
    name: str | None,
    resource_group: str | None,
    subscription: str | None,
    confirm: Confirm,
    what_if: bool,
) -> Result:
    """Remove-AzMlCommitmentPlan: GET (a missing plan is an error, as with the cmdlet), confirm, DELETE.

    The service refuses to delete a plan that web services are still associated with; its error is shown.
    """
    plans = _connect(name, resource_group, subscription)
    plan = plans.get()
    if what_if:
        return plans.preview("DELETE")
    confirm(f"Remove commitment plan {plans.target.describe()}? This cannot be undone.")
    plans.delete()
    return Shown(
        {"removed": plan.get("id"), "name": plan.get("name")},
        f"removed commitment plan {plan.get('name')} ({plan.get('id')})",
    )


def plan_usage(*, name: str | None, resource_group: str | None, subscription: str | None) -> Listing:
    """Get-AzMlCommitmentPlanUsageHistory, every page."""
    records = _connect(name, resource_group, subscription).usage_history()
    return Listing(records, USAGE_COLUMNS, empty="no usage history", rows_of=_usage_rows)


def show_association(*, plan: str | None, name: str, resource_group: str | None, subscription: str | None) -> Listing:
    """Get-AzMlCommitmentAssociation with -Name: shown as a table of one, -o json gives the object."""
    names.COMMITMENT_ASSOCIATION_NAME.check(name, "-n/--name")
    found = _connect(plan, resource_group, subscription, name_flag="--plan").association(name)
    return _associations([found], data=found)


def list_associations(*, plan: str | None, resource_group: str | None, subscription: str | None) -> Listing:
    """Get-AzMlCommitmentAssociation without -Name, every page."""
    return _associations(_connect(plan, resource_group, subscription, name_flag="--plan").associations())


def move_association(
    *,
    plan: str | None,
    name: str,
    destination_plan_id: str,
    resource_group: str | None,
    subscription: str | None,
    what_if: bool,
) -> Result:
    """Move-AzMlCommitmentAssociation: POST .../move {destinationPlanId}; the answer is the moved association."""
    destination = destination_plan_id.strip().rstrip("/")
    if not PLAN_ID.match(destination):
        raise BadInput(
            f"--destination-plan-id {destination_plan_id!r} is not a commitment plan id: expected "
            "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.MachineLearning/commitmentPlans/PLAN "
            "(the `id` shown by `mlws commitment-plan get -o json`)"
        )
    names.COMMITMENT_ASSOCIATION_NAME.check(name, "-n/--name")
    plans = _connect(plan, resource_group, subscription, name_flag="--plan")
    if what_if:
        return plans.preview("POST", {"destinationPlanId": destination}, plans.association_path(name, "/move"))
    moved = plans.move(name, destination)
    return Shown(moved, f"moved commitment association\n{_associations([moved]).to_table()}")
