"""Classic endpoint files that must not lie in `mlws classic diff`/`update`, the same rules for a file and for the
flags, refusals that are refusals, and messages that name the right commands (found by an adversarial review).
Emulator and Azurite."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.classic_world import TRAINED_MODEL


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "definitions" / "dev" / "classic"
    path.mkdir(parents=True)
    return path


def write(folder, name: str, document: dict):
    file = folder / f"{name}.json"
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return file


def model_file(folder, world, name: str, **location):
    model = world.put_model("v2")
    found = {"BaseLocation": model["BaseLocation"], "RelativeLocation": model["RelativeLocation"],
             "SasBlobToken": "${MODEL_SAS}", **location}  # fmt: skip
    file = write(folder, name, {"Name": name, "WebServiceId": world.scoring,
                                "Resources": [{"Name": TRAINED_MODEL, "Location": found}]})  # fmt: skip
    return file, model


def test_an_upper_case_web_service_id_is_the_same_endpoint_not_a_change_that_never_takes(classic, world, folder):
    world.add_endpoint("case001")
    file = write(folder, "case001", {"Name": "case001", "WebServiceId": world.scoring.upper(), "Description": "new"})

    updated = classic("update", "-f", file, "--yes")

    assert updated.exit_code == 0, updated.stderr
    assert world.endpoint("case001")["Description"] == "new"
    assert classic("diff", file, "--exit-code").exit_code == 0


def test_a_base_location_without_its_trailing_slash_is_checked_at_the_right_url(classic, world, folder):
    world.add_endpoint("slash001")
    file, model = model_file(folder, world, "slash001")
    document = json.loads(file.read_text())
    document["Resources"][0]["Location"]["BaseLocation"] = model["BaseLocation"].rstrip("/")
    file.write_text(json.dumps(document))

    updated = classic("update", "-f", file, "--yes", env={"MODEL_SAS": model["SasBlobToken"]})

    assert updated.exit_code == 0, updated.stderr


def test_a_sas_without_its_question_mark_works_in_a_file_as_with_sas_token_env(classic, world, folder):
    world.add_endpoint("sas001")
    file, model = model_file(folder, world, "sas001")

    updated = classic("update", "-f", file, "--yes", env={"MODEL_SAS": model["SasBlobToken"].lstrip("?")})

    assert updated.exit_code == 0, updated.stderr


@pytest.mark.parametrize("relative", ["models/../models/x.ilearner", "models//x.ilearner"])
def test_a_relative_location_the_flag_refuses_is_refused_in_a_file_too(mlws, world, folder, relative):
    file = write(folder, "dots001", {"Name": "dots001", "WebServiceId": world.scoring, "Resources": [
        {"Name": TRAINED_MODEL, "Location": {"BaseLocation": "https://acct.blob.core.windows.net/",
                                             "RelativeLocation": relative}}]})  # fmt: skip

    assert mlws("validate", file).exit_code == 2


def test_a_misspelt_setting_is_not_silently_ignored(classic, mlws, world, folder):
    world.add_endpoint("typo001")
    file = write(folder, "typo001", {"Name": "typo001", "WebServiceId": world.scoring, "Descripton": "managed?"})

    checked = mlws("validate", file)
    planned = classic("diff", file)

    assert checked.exit_code == 2 and "Descripton: not a field of a Classic endpoint" in checked.stdout
    assert planned.exit_code == 2 and "No changes" not in planned.stdout


def test_max_concurrent_calls_without_throttle_level_is_judged_by_the_live_level(classic, world, folder):
    world.add_endpoint("calls001", {"ThrottleLevel": "High", "MaxConcurrentCalls": 10})
    file = write(folder, "calls001", {"Name": "calls001", "WebServiceId": world.scoring, "MaxConcurrentCalls": 12})

    updated = classic("update", "-f", file, "--yes")

    assert updated.exit_code == 0, updated.stderr


def test_a_creation_plan_whose_model_patch_fails_does_not_say_nothing_changed(classic, mlws, world, folder, tmp_path):
    file, model = model_file(folder, world, "create001")
    document = json.loads(file.read_text())
    document["Resources"][0]["Name"] = TRAINED_MODEL.lower()  # not the service's resource name
    file.write_text(json.dumps(document))
    env = {"MODEL_SAS": model["SasBlobToken"]}
    plan = tmp_path / "plan.json"
    assert classic("diff", file, "--out", plan, env=env).exit_code == 0

    created = mlws("update", "--plan", plan, "--yes", env=env)

    exists = "create001" in [e["Name"] for e in world.management("GET", world.endpoint_path()).body]
    assert created.exit_code == 2 and "nothing was sent" in created.stderr, created.stderr
    assert not exists  # refused before the endpoint was added


def test_the_workspace_token_is_never_sent_over_plain_http_to_another_host(classic, world):
    listed = classic("service", "list", env={"MLWS_CLASSIC_ENDPOINT": "http://mlws-review.invalid"})

    assert listed.exit_code == 1
    assert "refusing to send a key over plain http to mlws-review.invalid" in listed.stderr, listed.stderr


def test_refreshing_a_prevent_update_endpoint_is_a_refusal_not_a_service_failure(classic, world):
    world.add_endpoint("prevent001", {"PreventUpdate": True})

    refreshed = classic("endpoint", "refresh", "-s", world.scoring, "-n", "prevent001")

    assert refreshed.exit_code == 4 and "EndpointUpdatePrevented" in refreshed.stderr, refreshed.stderr


def test_update_of_a_missing_endpoint_says_how_to_create_it_in_a_sentence(classic, world, folder):
    file = write(folder, "missing001", {"Name": "missing001", "WebServiceId": world.scoring})

    refused = classic("update", "-f", file, "--yes")

    assert refused.exit_code == 4
    assert "does not exist; nothing was sent. To create it, review `mlws classic diff" in refused.stderr
    assert "endpoint endpoint" not in refused.stderr


def test_a_plan_does_not_drop_a_workspace_flag_silently(classic, world, folder, tmp_path):
    world.add_endpoint("plan001")
    file = write(folder, "plan001", {"Name": "plan001", "WebServiceId": world.scoring, "Description": "p"})
    plan = tmp_path / "plan.json"
    assert classic("diff", file, "--out", plan).exit_code == 0

    applied = classic("update", "--plan", plan, "--workspace", "0" * 32, "--what-if")

    assert applied.exit_code == 2 and "--workspace and -l go with -f" in applied.stderr


def test_a_bad_job_id_points_at_the_classic_job_commands(classic, world, tmp_path):
    bad = classic("job", "show", "-s", world.training, "-n", "default", "--job", "../x")

    assert bad.exit_code == 2 and "--job '../x': a BES job id is 32 hexadecimal digits" in bad.stderr
    assert "`mlws job list`" not in bad.stderr
