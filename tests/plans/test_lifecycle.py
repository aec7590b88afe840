"""Commitment plans and associations end to end against the emulator, through the mlws commands."""

from __future__ import annotations

import json
import uuid

from tests.conftest import REPO

SOURCE_DEFINITION = REPO / "definitions" / "dev" / "housing-predict.json"
STORAGE_KEY = "plans-test-storage-key-Zm9vYmFy"


def new_plan(mlws, space, name: str, *extra: str):
    return mlws(
        "commitment-plan", "new", "-n", name, "-g", space.group, "-l", "South Central US",
        "--sku-name", "S1", "--sku-tier", "Standard", *extra, "-o", "json",
    )  # fmt: skip


def ok(run):
    assert run.exit_code == 0, run.stdout + run.stderr
    return run.json()["result"]


def write_service_definition(tmp_path, name: str, plan_id: str):
    """The project's example predictive service, billed to the given plan."""
    document = json.loads(SOURCE_DEFINITION.read_text(encoding="utf-8"))
    document["properties"]["commitmentPlan"] = {"id": plan_id}
    path = tmp_path / "definitions" / "dev" / f"{name}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def test_plan_and_association_lifecycle(paged_space, mlws, tmp_path):
    space = paged_space
    first, second, third = (f"plan-{uuid.uuid4().hex[:6]}" for _ in range(3))

    created = ok(new_plan(mlws, space, first, "--sku-capacity", "3", "--tag", "team=ml"))
    assert created["sku"] == {"capacity": 3, "name": "S1", "tier": "Standard"} and created["tags"] == {"team": "ml"}
    for name in (second, third):
        ok(new_plan(mlws, space, name))
    again = new_plan(mlws, space, first)
    assert again.exit_code == 4 and "already exists" in again.json()["error"]["message"]
    assert ok(mlws("commitment-plan", "get", "-n", first, "-g", space.group, "-o", "json")) == created

    listed = ok(mlws("commitment-plan", "list", "-g", space.group, "-o", "json"))
    assert sorted(p["name"] for p in listed) == sorted([first, second, third])  # two per page: every page was read
    table = mlws("commitment-plan", "list", "-g", space.group)
    assert table.stdout.splitlines()[0].split()[:2] == ["NAME", "RESOURCE"]
    assert all(name in table.stdout for name in (first, second, third))

    # A tags-only update keeps the SKU; a capacity-only update keeps name and tier.
    retagged = ok(mlws("commitment-plan", "update", "-n", first, "-g", space.group, "--tag", "owner=ops", "-o", "json"))
    assert retagged["tags"] == {"owner": "ops"} and retagged["sku"] == created["sku"]
    resized = ok(mlws("commitment-plan", "update", "-n", first, "-g", space.group, "--sku-capacity", "2", "-o", "json"))
    assert resized["sku"] == {**created["sku"], "capacity": 2} and resized["tags"] == {"owner": "ops"}

    service = f"ws-{uuid.uuid4().hex[:6]}"
    definition = write_service_definition(tmp_path, service, space.plan_id(first))
    deployed = mlws(
        "new", "-f", definition, "-n", service, "-g", space.group, "-l", "South Central US",
        "--skip-model-check",  # the sample's storage is not running here: plans are what is tested
        env={"MLWS_STORAGE_KEY": STORAGE_KEY},
    )  # fmt: skip
    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr

    associations = ok(mlws("commitment-association", "list", "-g", space.group, "--plan", first, "-o", "json"))
    assert len(associations) == 1
    association = associations[0]
    assert association["properties"]["associatedResourceId"].endswith(f"/webServices/{service}")
    shown = mlws("commitment-association", "get", "-g", space.group, "--plan", first, "-n", association["name"])
    assert shown.exit_code == 0 and service in shown.stdout and association["name"] in shown.stdout
    assert ok(mlws(
        "commitment-association", "get", "-g", space.group, "--plan", first, "-n", association["name"], "-o", "json"
    )) == association  # fmt: skip

    moved = ok(mlws(
        "commitment-association", "move", "-g", space.group, "--plan", first, "-n", association["name"],
        "--destination-plan-id", space.plan_id(second), "-o", "json",
    ))  # fmt: skip
    assert moved["properties"]["commitmentPlanId"].lower() == space.plan_id(second).lower()
    assert ok(mlws("commitment-association", "list", "-g", space.group, "--plan", first, "-o", "json")) == []
    assert [a["name"] for a in ok(mlws(
        "commitment-association", "list", "-g", space.group, "--plan", second, "-o", "json"
    ))] == [association["name"]]  # fmt: skip

    refused = mlws("commitment-plan", "remove", "-n", second, "-g", space.group, "--yes")
    assert refused.exit_code == 1
    assert "associated web services" in refused.stderr and "CommitmentPlanHasAssociations" in refused.stderr
    assert mlws("commitment-plan", "get", "-n", second, "-g", space.group).exit_code == 0

    assert mlws("remove", "-n", service, "-g", space.group, "--yes").exit_code == 0
    removed = mlws("commitment-plan", "remove", "-n", second, "-g", space.group, "--yes")
    assert removed.exit_code == 0, removed.stderr
    gone = mlws("commitment-plan", "get", "-n", second, "-g", space.group)
    assert gone.exit_code == 1
    assert f"commitment plan '{second}'" in gone.stderr and "not found" in gone.stderr


def test_remove_without_a_terminal_needs_yes(space, mlws):
    name = f"plan-{uuid.uuid4().hex[:6]}"
    ok(new_plan(mlws, space, name))

    refused = mlws("commitment-plan", "remove", "-n", name, "-g", space.group)

    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert mlws("commitment-plan", "get", "-n", name, "-g", space.group).exit_code == 0


def test_remove_a_missing_plan_is_an_error(space, mlws):
    missing = mlws("commitment-plan", "remove", "-n", "plan-never-created", "-g", space.group, "--yes")

    assert missing.exit_code == 1
    assert "'plan-never-created'" in missing.stderr and "not found" in missing.stderr


def test_what_if_sends_nothing(space, mlws):
    name = f"plan-{uuid.uuid4().hex[:6]}"

    preview = mlws(
        "commitment-plan", "new", "-n", name, "-g", space.group, "-l", "westeurope",
        "--sku-name", "S2", "--sku-tier", "Standard", "--what-if", "-o", "json",
    )  # fmt: skip

    assert preview.exit_code == 0, preview.stderr
    request = preview.json()["result"]
    assert request["method"] == "PUT"
    assert request["url"].endswith(f"/commitmentPlans/{name}?api-version=2016-05-01-preview")
    assert request["body"] == {"sku": {"capacity": 1, "name": "S2", "tier": "Standard"}, "location": "westeurope"}
    assert mlws("commitment-plan", "get", "-n", name, "-g", space.group).exit_code == 1
    ok(new_plan(mlws, space, name))
    removal = mlws("commitment-plan", "remove", "-n", name, "-g", space.group, "--what-if")
    assert removal.exit_code == 0 and removal.stdout.startswith("what if: DELETE")
    assert mlws("commitment-plan", "get", "-n", name, "-g", space.group).exit_code == 0


def test_usage_history(space, mlws):
    name = f"plan-{uuid.uuid4().hex[:6]}"
    plan = ok(new_plan(mlws, space, name, "--sku-capacity", "2"))
    included = {quantity: value["allowance"] for quantity, value in plan["properties"]["includedQuantities"].items()}

    records = ok(mlws("commitment-plan", "usage", "-n", name, "-g", space.group, "-o", "json"))
    table = mlws("commitment-plan", "usage", "-n", name, "-g", space.group)

    assert records and records[0]["planQuantitiesBeforeUsage"] == included
    assert table.exit_code == 0 and table.stdout.startswith("DATE")
    assert all(quantity in table.stdout for quantity in included)
    missing = mlws("commitment-plan", "usage", "-n", "plan-never-created", "-g", space.group)
    assert missing.exit_code == 1 and "not found" in missing.stderr
