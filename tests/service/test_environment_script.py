"""`make plan/deploy/drift` (scripts/environment.sh) over a throwaway repository and the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "environment.sh"
NEW_MODEL = "housing-v7"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def environment(workspace, action: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **workspace.env,
        "MLWS_REPO": str(workspace.root),
        "MLWS": str(Path(sys.executable).parent / "mlws"),
    }
    return subprocess.run(["bash", str(SCRIPT), action, "dev"], capture_output=True, text=True, env=env, timeout=120)


def test_drift_plan_deploy_round_trip(workspace, mlws):
    workspace.deploy()
    assert environment(workspace, "drift").returncode == 0

    workspace.swap_model(mlws, NEW_MODEL)
    drift = environment(workspace, "drift")
    assert drift.returncode == 3, drift.stdout + drift.stderr
    assert "locationInfo.uri" in drift.stdout

    plan = environment(workspace, "plan")
    assert plan.returncode == 3, plan.stdout + plan.stderr
    assert (workspace.root / ".mlws" / "plans" / "dev" / workspace.definition.name).is_file()
    assert workspace.live_model() != workspace.model(NEW_MODEL)  # planning changes nothing

    deploy = environment(workspace, "deploy")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert workspace.live_model() == workspace.model(NEW_MODEL)
    assert "verified: the live service now matches" in deploy.stdout
    assert environment(workspace, "drift").returncode == 0

    again = environment(workspace, "deploy")  # applied plans are gone: a new deploy needs a new plan
    assert again.returncode == 2 and "no plans" in again.stderr and "make plan" in again.stderr


def test_plan_drops_the_plans_of_definitions_deleted_since(workspace):
    workspace.deploy()
    plans = workspace.root / ".mlws" / "plans" / "dev"
    plans.mkdir(parents=True)
    leftover = plans / "deleted-service.json"
    leftover.write_text("{}", encoding="utf-8")

    plan = environment(workspace, "plan")

    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert sorted(p.name for p in plans.iterdir()) == [workspace.definition.name]


def test_a_new_service_is_planned_created_and_then_in_sync(workspace):
    workspace.deploy()
    brand_new = workspace.definition.with_name(f"{workspace.name}-new.json")
    brand_new.write_bytes(workspace.definition.read_bytes())

    plan = environment(workspace, "plan")
    deploy = environment(workspace, "deploy")
    drift = environment(workspace, "drift")

    assert plan.returncode == 3, plan.stdout + plan.stderr
    assert "service does not exist" in plan.stdout
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert f"create: done for '{brand_new.stem}'" in deploy.stdout
    created = workspace.emulator.call("GET", workspace.service_path.replace(workspace.name, brand_new.stem))
    assert created.status == 200 and workspace.live_model(created.body) == workspace.live_model(workspace.document())
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_deploy_refuses_a_plan_gone_stale(workspace, mlws):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    assert environment(workspace, "plan").returncode == 3

    behind_our_back = workspace.emulator.call(
        "PATCH", workspace.service_path, {"properties": {"packageType": "Graph", "title": "changed by hand"}}
    )
    assert behind_our_back.status == 200
    deploy = environment(workspace, "deploy")
    assert deploy.returncode == 4, deploy.stdout + deploy.stderr
    assert workspace.live_model() != workspace.model(NEW_MODEL)


def test_deploy_without_plans_is_bad_input(workspace):
    deploy = environment(workspace, "deploy")
    assert deploy.returncode == 2
    assert "make plan" in deploy.stderr
