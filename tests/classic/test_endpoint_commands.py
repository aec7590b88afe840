"""`mlws classic service|endpoint ...` against the emulator's Classic management API and real Azurite: what the
AzureMLPS cmdlets did, with every rule checked before anything is sent and keys and SAS tokens kept out of sight."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fixtures.classic_world import TRAINED_MODEL, prices
from tests.retrain.test_runtime_http import eventually
from toolkit import storage


def names_of(world) -> list[str]:
    return [endpoint["Name"] for endpoint in world.management("GET", world.endpoint_path()).body]


def test_services_and_endpoints_are_listed_with_keys_masked_unless_asked(classic, world):
    services = classic("service", "list", "-o", "json")
    masked = classic("endpoint", "list", "-s", world.scoring)
    shown = classic("endpoint", "get", "-s", world.scoring, "-n", "default", "--show", "-o", "json")

    assert services.exit_code == 0, services.stderr
    assert [service["Id"] for service in services.json()["result"]] == [world.scoring, world.training]
    live = world.endpoint("default")
    assert masked.exit_code == 0 and "default" in masked.stdout and TRAINED_MODEL not in masked.stdout
    assert live["PrimaryKey"] not in masked.stdout + masked.stderr
    assert "models/housing-v0.ilearner" in masked.stdout  # the trained model's blob, without a SAS
    assert shown.json()["result"]["PrimaryKey"] == live["PrimaryKey"]


def test_add_creates_an_endpoint_and_refuses_an_existing_one(classic, world):
    added = classic("endpoint", "add", "-s", world.scoring, "-n", "rentalloc001", "--description", "Location 1")
    again = classic("endpoint", "add", "-s", world.scoring, "-n", "rentalloc001")

    assert added.exit_code == 0, added.stderr
    assert "verified" in added.stdout
    endpoint = world.endpoint("rentalloc001")
    assert endpoint["Description"] == "Location 1" and endpoint["ThrottleLevel"] == "Low"
    assert endpoint["PrimaryKey"] not in added.stdout
    assert again.exit_code == 4 and "already exists" in again.stderr and "--force" in again.stderr


def test_force_replaces_an_endpoint_with_new_keys(classic, world):
    before = world.add_endpoint("rentalloc002")

    replaced = classic("endpoint", "add", "-s", world.scoring, "-n", "rentalloc002", "--force", "--yes")

    assert replaced.exit_code == 0, replaced.stderr
    assert world.endpoint("rentalloc002")["PrimaryKey"] != before["PrimaryKey"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-n", "Rental_Loc"), "an endpoint name is 1-24 characters"),
        (("-n", "a" * 25), "an endpoint name is 1-24 characters"),
        (("-n", "-rental"), "an endpoint name is"),
        (("-n", "default"), "'default' is the web service's own endpoint"),
        (("-n", "fine", "--throttle-level", "Medium"), "give Low or High"),
        (("-n", "fine", "--max-concurrent-calls", "10"), "with --throttle-level Low it is 1 to 4"),
        (("-n", "fine", "--throttle-level", "High", "--max-concurrent-calls", "201"), "1 to 200"),
        (("-n", "fine", "--description", "x" * 2001), "at most 2000"),
    ],
)
def test_a_rule_broken_is_bad_input_and_nothing_is_added(classic, world, args, message):
    before = names_of(world)

    refused = classic("endpoint", "add", "-s", world.scoring, *args)

    assert refused.exit_code == 2 and message in refused.stderr, refused.stderr
    assert names_of(world) == before


def test_patch_points_the_endpoint_at_the_new_model_and_it_scores_with_it(classic, world):
    endpoint = world.add_endpoint("rentalloc003")
    model = world.put_model("v2")
    sas = model["SasBlobToken"]

    patched = classic(
        "endpoint", "patch", "-s", world.scoring, "-n", "rentalloc003", "--resource", TRAINED_MODEL,
        "--base-location", model["BaseLocation"], "--relative-location", model["RelativeLocation"],
        "--sas-token-env", "MODEL_SAS", env={"MODEL_SAS": sas},
    )  # fmt: skip

    assert patched.exit_code == 0, patched.stderr
    assert "verified" in patched.stdout and "trained model found" in patched.stdout
    assert sas.lstrip("?") not in patched.stdout + patched.stderr
    resource = world.endpoint("rentalloc003")["Resources"][0]
    assert resource["Location"]["RelativeLocation"] == model["RelativeLocation"]
    scored = eventually(lambda: world.score(endpoint), lambda got: got == pytest.approx(prices("v2")), "the switch")
    assert scored != pytest.approx(prices("v1"))
    assert world.score(world.endpoint("default")) == pytest.approx(prices("v1"))  # the default one keeps its model


def patch_args(world, name: str, model: dict, resource: str = TRAINED_MODEL) -> list[str]:
    return [
        "endpoint", "patch", "-s", world.scoring, "-n", name, "--resource", resource,
        "--base-location", model["BaseLocation"], "--relative-location", model["RelativeLocation"],
    ]  # fmt: skip


def test_patch_refuses_the_default_endpoint_a_training_endpoint_and_unknown_resources(classic, world):
    model = world.put_model("v2")
    world.add_endpoint("rentalloc004")
    added = world.management("PUT", world.endpoint_path("retrainer", world.training), {"Description": "a mistake"})
    assert added.status == 200, added.body
    training = patch_args(world, "retrainer", model)
    training[training.index(world.scoring)] = world.training

    default = classic(*patch_args(world, "default", model))
    trainer = classic(*training)
    wrong_case = classic(*patch_args(world, "rentalloc004", model, TRAINED_MODEL.lower()))

    assert default.exit_code == 2 and "default endpoint's trained model cannot be replaced" in default.stderr
    assert trainer.exit_code == 2 and "is this the training service?" in trainer.stderr
    assert wrong_case.exit_code == 2 and f"did you mean {TRAINED_MODEL!r}" in wrong_case.stderr
    assert world.endpoint("rentalloc004")["Resources"][0]["Location"]["RelativeLocation"] != model["RelativeLocation"]


def test_patch_to_a_missing_blob_is_bad_input_and_nothing_is_sent(classic, world):
    world.add_endpoint("rentalloc005")
    before = world.endpoint("rentalloc005")["Resources"]
    missing = "models/never-written.ilearner"
    location = {**world.put_model("v2"), "RelativeLocation": missing}
    sas = storage.read_sas(world.account, missing, timedelta(hours=1))

    refused = classic(*patch_args(world, "rentalloc005", location), "--sas-token-env", "SAS", env={"SAS": sas})

    assert refused.exit_code == 2 and "does not exist; nothing was sent" in refused.stderr
    assert world.endpoint("rentalloc005")["Resources"] == before


def test_refresh_says_when_there_is_nothing_to_refresh_and_refuses_the_default(classic, world):
    world.add_endpoint("rentalloc006")

    unchanged = classic("endpoint", "refresh", "-s", world.scoring, "-n", "rentalloc006")
    default = classic("endpoint", "refresh", "-s", world.scoring, "-n", "default")

    assert unchanged.exit_code == 0 and "no change, nothing refreshed" in unchanged.stdout
    assert default.exit_code == 2 and "cannot be refreshed" in default.stderr


def test_remove_asks_first_and_the_default_endpoint_goes_last(classic, world):
    world.add_endpoint("rentalloc007")

    unasked = classic("endpoint", "remove", "-s", world.scoring, "-n", "rentalloc007")
    still_there = "rentalloc007" in names_of(world)
    default = classic("endpoint", "remove", "-s", world.scoring, "-n", "default", "--yes")
    removed = classic("endpoint", "remove", "-s", world.scoring, "-n", "rentalloc007", "--yes")

    assert unasked.exit_code == 2 and "pass --yes" in unasked.stderr and still_there
    assert default.exit_code == 4 and "remove them first" in default.stderr
    assert removed.exit_code == 0 and "verified" in removed.stdout
    assert names_of(world) == ["default"]


def test_without_a_token_nothing_is_sent_and_a_wrong_one_is_named_not_shown(classic, world):
    missing = classic("endpoint", "list", "-s", world.scoring, env={"MLWS_WORKSPACE_TOKEN": ""})
    wrong = classic("endpoint", "list", "-s", world.scoring, env={"MLWS_WORKSPACE_TOKEN": "not-the-token"})

    assert missing.exit_code == 2 and "set MLWS_WORKSPACE_TOKEN" in missing.stderr
    assert wrong.exit_code == 1 and "check MLWS_WORKSPACE_TOKEN" in wrong.stderr
    assert "not-the-token" not in wrong.stderr + wrong.stdout
