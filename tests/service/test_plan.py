"""Saved plans: apply only what was reviewed; refuse (exit 4, nothing sent) when the service changed since."""

from __future__ import annotations

import json

from tests.service.conftest import SECRETS

NEW_MODEL = "housing-v2"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def test_reviewed_plan_is_applied(mlws, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    plan = workspace.root / "plan.json"

    planned = mlws("diff", workspace.definition, "--out", plan)
    applied = mlws("update", "--plan", plan, "-o", "json")

    assert planned.exit_code == 0, planned.stderr
    saved = json.loads(plan.read_text())
    assert saved["patch"] == ["properties.assets"] and saved["liveHash"].startswith("sha256:")
    assert not any(secret in plan.read_text() for secret in SECRETS)
    assert applied.exit_code == 0, applied.stdout
    assert mlws("diff", workspace.definition, "--exit-code").exit_code == 0


def test_stale_plan_is_refused_and_nothing_is_sent(mlws, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--out", plan).exit_code == 0
    behind_our_back = {"properties": {"packageType": "Graph", "title": "changed in the portal"}}
    assert workspace.emulator.call("PATCH", workspace.service_path, behind_our_back).status == 200
    modified_before = workspace.live()["properties"]["modifiedOn"]

    result = mlws("update", "--plan", plan)

    assert result.exit_code == 4
    assert "changed since the plan" in result.stderr
    live = workspace.live()["properties"]
    assert live["modifiedOn"] == modified_before and live["title"] == "changed in the portal"
    assert all(a["locationInfo"]["uri"] != workspace.model(NEW_MODEL) for a in live["assets"].values())


def test_plan_of_an_edited_file_is_refused(mlws, workspace):
    workspace.deploy()
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--out", plan).exit_code == 0
    workspace.swap_model(mlws, NEW_MODEL)

    result = mlws("update", "--plan", plan)

    assert result.exit_code == 4 and "changed since the plan" in result.stderr


def test_update_with_no_changes_sends_nothing(mlws, workspace):
    workspace.deploy()
    modified_before = workspace.live()["properties"]["modifiedOn"]

    result = mlws("update", "-f", workspace.definition, "-o", "json")

    assert result.exit_code == 0
    assert result.json()["result"]["operationUrl"] is None
    assert workspace.live()["properties"]["modifiedOn"] == modified_before


def test_plan_against_a_missing_service_creates_it(mlws, workspace):
    plan = workspace.root / "plan.json"

    shown = mlws("diff", workspace.definition)
    planned = mlws("diff", workspace.definition, "--exit-code", "--out", plan, "-o", "json")
    applied = mlws("update", "--plan", plan)

    assert shown.exit_code == 0, shown.stderr
    assert "service does not exist: `mlws update --plan` creates it" in shown.stdout
    assert planned.exit_code == 3, planned.stdout
    saved = json.loads(plan.read_text())
    assert saved["action"] == "create" and saved["liveHash"] is None
    assert [c["path"] for c in saved["changes"]] == list(workspace.document())  # the whole definition, added
    assert not any(secret in plan.read_text() for secret in SECRETS)
    assert applied.exit_code == 0, applied.stderr
    assert "verified: the live service now matches" in applied.stdout
    assert workspace.live()["properties"]["title"] == workspace.document()["properties"]["title"]
    assert mlws("diff", workspace.definition, "--exit-code").exit_code == 0


def test_create_plan_is_refused_once_the_service_exists_otherwise(mlws, workspace):
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--exit-code", "--out", plan).exit_code == 3
    workspace.deploy()  # someone created it since, with another title
    retitled = {"properties": {"packageType": "Graph", "title": "someone else's"}}
    assert workspace.emulator.call("PATCH", workspace.service_path, retitled).status == 200
    modified_before = workspace.live()["properties"]["modifiedOn"]

    result = mlws("update", "--plan", plan)

    assert result.exit_code == 4
    assert "exists now but did not when the plan" in result.stderr and "nothing was sent" in result.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified_before


def test_create_plan_of_a_service_created_since_as_planned_sends_nothing(mlws, workspace):
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--exit-code", "--out", plan).exit_code == 3
    workspace.deploy()  # as the plan's PUT would have: a run cut short after it took
    modified_before = workspace.live()["properties"]["modifiedOn"]

    result = mlws("update", "--plan", plan)

    assert result.exit_code == 0, result.stderr
    assert "no changes (the live service already matches" in result.stdout
    assert workspace.live()["properties"]["modifiedOn"] == modified_before
