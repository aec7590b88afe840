"""Classic endpoint definitions in git: export (secret-free, byte-stable), edit, `mlws classic diff` (the plan),
`mlws update --plan` / `mlws classic update -f`, each read back and verified, stale plans refused; on the
emulator's Classic management API and real Azurite."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.fixtures.classic_world import TRAINED_MODEL, prices
from tests.retrain.test_runtime_http import eventually


@pytest.fixture
def exported(classic, world, tmp_path):
    """An endpoint of its own, exported to definitions/dev/classic/NAME.json; (name, file)."""
    name = "rentalloc101"
    world.add_endpoint(name, {"Description": "first", "ThrottleLevel": "High", "MaxConcurrentCalls": 10})
    file = tmp_path / "definitions" / "dev" / "classic" / f"{name}.json"
    file.parent.mkdir(parents=True)
    done = classic("endpoint", "export", "-s", world.scoring, "-n", name, "-f", file)
    assert done.exit_code == 0, done.stderr
    return name, file


def edit(file, change) -> None:
    document = json.loads(file.read_text(encoding="utf-8"))
    change(document)
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")


def test_export_writes_the_settings_and_model_without_keys_and_is_byte_stable(classic, world, exported):
    name, file = exported
    first = file.read_bytes()
    live = world.endpoint(name)

    again = classic("endpoint", "export", "-s", world.scoring, "-n", name, "-f", file)

    document = json.loads(first)
    assert again.exit_code == 0 and "unchanged" in again.stdout
    assert file.read_bytes() == first
    assert live["PrimaryKey"].encode() not in first and live["SecondaryKey"].encode() not in first
    assert document["Name"] == name and document["WebServiceId"] == world.scoring
    assert (document["ThrottleLevel"], document["MaxConcurrentCalls"], document["Description"]) == ("High", 10, "first")
    assert document["Resources"][0]["Name"] == TRAINED_MODEL
    assert "ApiLocation" not in document and "SasBlobToken" not in document["Resources"][0]["Location"]


def test_a_reviewed_plan_changes_settings_and_model_and_the_endpoint_scores_with_it(
    classic,
    world,
    exported,
    mlws,
):
    name, file = exported
    model = world.put_model("v2")

    def change(document):
        document["Description"] = "second"
        document["Resources"][0]["Location"] = {
            "BaseLocation": model["BaseLocation"],
            "RelativeLocation": model["RelativeLocation"],
            "SasBlobToken": "${MODEL_SAS}",
        }

    edit(file, change)
    plan = file.parent / "plan.json"
    env = {"MODEL_SAS": model["SasBlobToken"]}

    planned = classic("diff", file, "--exit-code", "--out", plan, env=env)
    applied = mlws("update", "--plan", plan)  # what the plan says applies it: any kind's plan

    assert planned.exit_code == 3, planned.stderr
    assert 'Description: "first" -> "second"' in planned.stdout and model["RelativeLocation"] in planned.stdout
    assert model["SasBlobToken"].lstrip("?") not in plan.read_text() + planned.stdout
    assert applied.exit_code == 0, applied.stderr
    assert "verified" in applied.stdout and "SasBlobToken (sent; the service never returns it)" in applied.stdout
    live = world.endpoint(name)
    assert live["Description"] == "second"
    assert live["Resources"][0]["Location"]["RelativeLocation"] == model["RelativeLocation"]
    eventually(lambda: world.score(live), lambda got: got == pytest.approx(prices("v2")), "the new model")
    after = classic("diff", file, "--exit-code", env=env)
    assert after.exit_code == 0 and "No changes" in after.stdout


def test_a_plan_is_refused_when_the_endpoint_changed_since(classic, world, exported):
    name, file = exported
    edit(file, lambda document: document.update(Description="planned"))
    plan = file.parent / "plan.json"
    assert classic("diff", file, "--out", plan).exit_code == 0

    assert world.patch(name, {"Description": "changed by someone else"}).status == 200
    stale = classic("update", "--plan", plan)

    assert stale.exit_code == 4 and "changed since the plan" in stale.stderr
    assert world.endpoint(name)["Description"] == "changed by someone else"


def test_update_from_the_file_sends_what_differs_and_a_second_run_changes_nothing(classic, world, exported):
    name, file = exported
    edit(file, lambda document: document.update(MaxConcurrentCalls=50))

    updated = classic("update", "-f", file)
    again = classic("update", "-f", file)

    assert updated.exit_code == 0, updated.stderr
    assert "MaxConcurrentCalls: 10 -> 50" in updated.stdout and "verified" in updated.stdout
    assert world.endpoint(name)["MaxConcurrentCalls"] == 50
    assert again.exit_code == 0 and "no changes" in again.stdout


def test_what_no_update_can_do_is_refused_before_sending(classic, world, exported, tmp_path):
    name, file = exported
    edit(file, lambda document: document.update(PreventUpdate=True))
    prevent = classic("update", "-f", file)

    default = tmp_path / "definitions" / "dev" / "classic" / "default.json"
    assert classic("endpoint", "export", "-s", world.scoring, "-n", "default", "-f", default).exit_code == 0
    model = world.put_model("v2")
    edit(
        default,
        lambda document: document["Resources"][0]["Location"].update(RelativeLocation=model["RelativeLocation"]),
    )
    defaults_model = classic("update", "-f", default)

    assert prevent.exit_code == 4 and "set only when an endpoint is added" in prevent.stderr
    assert world.endpoint(name)["PreventUpdate"] is False
    assert defaults_model.exit_code == 4 and "default endpoint's trained model" in defaults_model.stderr


def test_offline_commands_know_a_classic_endpoint_file(mlws, exported):
    _, file = exported
    valid = mlws("validate", file)
    edit(file, lambda document: document.update(Name="Not_Valid", MaxConcurrentCalls=500))
    invalid = mlws("validate", file)

    assert valid.exit_code == 0, valid.stdout + valid.stderr
    assert invalid.exit_code == 2
    assert "Name" in invalid.stdout and "MaxConcurrentCalls" in invalid.stdout


def test_the_environment_verbs_cover_the_classic_endpoints_of_an_environment(
    classic, mlws, world, tmp_path, monkeypatch
):
    """`mlws plan/deploy/drift dev` on a throwaway repository: its definitions/dev/classic/ files are planned
    and deployed as Classic endpoints, beside (here: without) New web services."""
    name = "rentalloc301"
    world.add_endpoint(name, {"Description": "before"})
    file = tmp_path / "definitions" / "dev" / "classic" / f"{name}.json"
    file.parent.mkdir(parents=True)
    assert classic("endpoint", "export", "-s", world.scoring, "-n", name, "-f", file).exit_code == 0
    (tmp_path / "mlws.yaml").write_text(f"environments:\n  dev:\n    workspace: {world.workspace}\n", encoding="utf-8")
    edit(file, lambda document: document.update(Description="after"))
    monkeypatch.delenv("MLWS_WORKSPACE_ID")  # the workspace comes from mlws.yaml

    drift = mlws("drift", "dev", "-o", "json", cwd=tmp_path)
    plan = mlws("plan", "dev", cwd=tmp_path)
    planned = (tmp_path / ".mlws" / "plans" / "dev" / f"classic-{name}.json").is_file()
    unchanged = world.endpoint(name)["Description"]
    deploy = mlws("deploy", "dev", cwd=tmp_path)
    after = mlws("drift", "dev", cwd=tmp_path)

    assert drift.exit_code == 3, drift.stdout + drift.stderr
    assert drift.json()["result"]["services"] == [
        {
            "service": f"classic/{name}",
            "kind": "classic_endpoint",
            "action": "update",
            "result": "1 change",
            "exitCode": 3,
        }
    ]
    assert plan.exit_code == 3 and planned, plan.stdout + plan.stderr
    assert unchanged == "before"
    assert deploy.exit_code == 0 and "verified" in deploy.stdout, deploy.stdout + deploy.stderr
    assert world.endpoint(name)["Description"] == "after"
    assert after.exit_code == 0 and "in sync" in after.stdout, after.stdout + after.stderr


def test_a_file_given_to_the_other_kinds_commands_points_to_its_own(classic, mlws, exported):
    _, file = exported
    sample = REPO / "definitions" / "dev" / "housing-predict.json"

    as_web_service = mlws(
        "diff", file, "-n", "svc", "-g", "rg", "--subscription", "00000000-0000-0000-0000-000000000000"
    )
    as_endpoint = classic("diff", sample)

    assert as_web_service.exit_code == 2
    assert "is a Classic endpoint definition, not a web service definition: deploy it with `mlws classic diff`" in (
        as_web_service.stderr
    )
    assert as_endpoint.exit_code == 2 and "is a web service definition, not a Classic endpoint" in as_endpoint.stderr
