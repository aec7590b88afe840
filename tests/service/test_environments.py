"""`mlws plan/deploy/drift ENV` (and so `make plan/deploy/drift`) over a throwaway repository and the emulator."""

from __future__ import annotations

import pytest

NEW_MODEL = "housing-v7"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def environment(workspace, mlws, action: str):
    """`mlws ACTION dev` run in the workspace's repository (its mlws.yaml and definitions/dev/)."""
    return mlws(action, "dev", env=workspace.env, cwd=workspace.root)


def test_drift_plan_deploy_round_trip(workspace, mlws):
    workspace.deploy()
    assert environment(workspace, mlws, "drift").exit_code == 0

    workspace.swap_model(mlws, NEW_MODEL)
    drift = environment(workspace, mlws, "drift")
    assert drift.exit_code == 3, drift.stdout + drift.stderr
    assert row_of(drift, workspace.definition.stem)[2:] == ["update", "1 change"]

    plan = environment(workspace, mlws, "plan")
    assert plan.exit_code == 3, plan.stdout + plan.stderr
    assert (workspace.root / ".mlws" / "plans" / "dev" / workspace.definition.name).is_file()
    assert workspace.live_model() != workspace.model(NEW_MODEL)  # planning changes nothing

    deploy = environment(workspace, mlws, "deploy")
    assert deploy.exit_code == 0, deploy.stdout + deploy.stderr
    assert workspace.live_model() == workspace.model(NEW_MODEL)
    assert row_of(deploy, workspace.definition.stem)[2:] == ["update", "verified"]
    assert environment(workspace, mlws, "drift").exit_code == 0

    again = environment(workspace, mlws, "deploy")  # applied plans are gone: a new deploy needs a new plan
    assert again.exit_code == 2 and "no plans" in again.stderr and "mlws plan dev" in again.stderr


def test_plan_drops_the_plans_of_definitions_deleted_since(workspace, mlws):
    workspace.deploy()
    plans = workspace.root / ".mlws" / "plans" / "dev"
    plans.mkdir(parents=True)
    leftover = plans / "deleted-service.json"
    leftover.write_text("{}", encoding="utf-8")

    plan = environment(workspace, mlws, "plan")

    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert sorted(p.name for p in plans.iterdir()) == [workspace.definition.name]


def test_a_new_service_is_planned_created_and_then_in_sync(workspace, mlws):
    workspace.deploy()
    brand_new = workspace.definition.with_name(f"{workspace.name}-new.json")
    brand_new.write_bytes(workspace.definition.read_bytes())

    plan = environment(workspace, mlws, "plan")
    deploy = environment(workspace, mlws, "deploy")
    drift = environment(workspace, mlws, "drift")

    assert plan.exit_code == 3, plan.stdout + plan.stderr
    assert [brand_new.stem, "new_webservice", "create"] == row_of(plan, brand_new.stem)[:3]
    assert deploy.exit_code == 0, deploy.stdout + deploy.stderr
    assert row_of(deploy, f"{brand_new.stem}")[2:] == ["create", "verified"]
    created = workspace.emulator.call("GET", workspace.service_path.replace(workspace.name, brand_new.stem))
    assert created.status == 200 and workspace.live_model(created.body) == workspace.live_model(workspace.document())
    assert drift.exit_code == 0, drift.stdout + drift.stderr


def test_deploy_refuses_a_plan_gone_stale(workspace, mlws):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    assert environment(workspace, mlws, "plan").exit_code == 3

    behind_our_back = workspace.emulator.call(
        "PATCH", workspace.service_path, {"properties": {"packageType": "Graph", "title": "changed by hand"}}
    )
    assert behind_our_back.status == 200
    deploy = environment(workspace, mlws, "deploy")
    assert deploy.exit_code == 4, deploy.stdout + deploy.stderr
    assert workspace.live_model() != workspace.model(NEW_MODEL)


def test_deploy_without_plans_is_bad_input(workspace, mlws):
    deploy = environment(workspace, mlws, "deploy")
    assert deploy.exit_code == 2
    assert "run `mlws plan dev`" in deploy.stderr


def row_of(run, service: str) -> list[str]:
    """The row of `service` in the JSON of an environment command, as [service, kind, action, result]."""
    import json

    document = json.loads(run.stdout) if run.stdout.lstrip().startswith("{") else None
    rows = document["result"]["services"] if document else None
    if rows is None:  # the text table: columns split on runs of two spaces
        lines = [line.split("  ") for line in run.stdout.splitlines()[1:]]
        rows = [{"service": cells[0], "kind": cells[1], "action": cells[2], "result": cells[3]}
                for cells in ([c.strip() for c in line if c.strip()] for line in lines) if len(cells) >= 4]  # fmt: skip
    found = [row for row in rows if row["service"] == service]
    assert found, run.stdout
    return [found[0]["service"], found[0]["kind"], found[0]["action"], found[0]["result"]]


@pytest.mark.parametrize("environment", ["../dev", "dev/../prod", ".mlws", "nosuchenv"])
def test_an_environment_is_a_folder_of_definitions(workspace, mlws, environment):
    planned = mlws("plan", environment, env=workspace.env, cwd=workspace.root)

    assert planned.exit_code == 2
    assert "give the name of a folder of definitions/" in planned.stderr or "no definitions in" in planned.stderr
    assert not (workspace.root / ".mlws" / "plans").exists()


def test_export_writes_every_definition_again_from_its_live_service(workspace, mlws):
    workspace.deploy()
    changed = workspace.emulator.call(
        "PATCH", workspace.service_path, {"properties": {"packageType": "Graph", "title": "retitled live"}}
    )
    assert changed.status == 200

    exported = mlws("export", "dev", "--yes", "-o", "json", env=workspace.env, cwd=workspace.root)
    again = mlws("export", "dev", workspace.definition.stem, env=workspace.env, cwd=workspace.root)
    mixed = mlws("export", "dev", "-n", "x", env=workspace.env, cwd=workspace.root)

    assert exported.exit_code == 0, exported.stdout + exported.stderr
    row = exported.json()["result"]["services"][0]
    assert (row["service"], row["kind"], row["result"]) == (workspace.definition.stem, "new_webservice", "written")
    assert '"title": "retitled live"' in workspace.definition.read_text(encoding="utf-8")
    assert again.exit_code == 0 and "unchanged" in again.stdout
    assert mixed.exit_code == 2 and "go without ENV" in mixed.stderr


def test_a_plan_renders_as_markdown_for_a_pull_request(workspace, mlws):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)

    planned = mlws("plan", "dev", "-o", "markdown", env=workspace.env, cwd=workspace.root)
    one = mlws("diff", workspace.definition, "-o", "markdown", env=workspace.env, cwd=workspace.root)

    assert planned.exit_code == 3, planned.stderr
    lines = planned.stdout.splitlines()
    assert lines[0] == "### mlws plan dev"
    assert "| service | kind | action | result |" in lines
    assert f"| `{workspace.definition.stem}` | new_webservice | update | 1 change (planned) |" in lines
    assert one.stdout.startswith("```diff\n") and "locationInfo.uri" in one.stdout


def test_the_example_workflow_calls_mlws_for_its_exit_codes():
    import yaml

    from tests.conftest import REPO

    workflow = yaml.safe_load((REPO / "scripts" / "github-actions.yml").read_text(encoding="utf-8"))
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("mlws plan prod -o markdown" in run for run in steps)
    assert any("mlws drift prod" in run for run in steps)
    assert not any("make " in run for run in steps)  # make would turn 3 and 4 into 2


def test_a_plan_that_failed_everywhere_says_no_plan_was_saved(workspace, mlws):
    workspace.deploy()
    unreachable = {**workspace.env, "MLWS_ARM_ENDPOINT": "http://127.0.0.1:9"}  # nothing listens on port 9

    plan = mlws("plan", "dev", env=unreachable, cwd=workspace.root)

    assert plan.exit_code not in (0, 3), plan.stdout + plan.stderr
    assert "no plan was saved" in plan.stdout and "review them" not in plan.stdout
    assert not any((workspace.root / ".mlws" / "plans" / "dev").glob("*.json"))

    planned = environment(workspace, mlws, "plan")
    assert "1 plan in .mlws/plans/dev/: review them" in planned.stdout, planned.stdout
