"""`mlws classic retrain`: the Classic retraining path as one command, on the emulator and real Azurite: BES on the
training endpoint, the predictive endpoint patched with the job's model and seen serving it; or the model written
into the endpoint's file for review. Checked before any training: the endpoint can take the model."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.classic_world import ROWS, TRAINED_MODEL, prices


@pytest.fixture
def rows(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    return path


def retrain_args(world, name: str, data, *extra: str) -> list[str]:
    return [
        "retrain", "--training-service", world.training, "-s", world.scoring, "-n", name,
        "--upload", f"trainingData={data}", "--output-blob", f"model=models/{name}.ilearner", *extra,
    ]  # fmt: skip


def jobs_of_training(world) -> int:
    default = world.endpoint("default", world.training)
    answer = world.runtime(default, "GET", "/jobs")
    assert answer.status == 200, answer.body
    return len(answer.body)


def test_retrain_patches_the_endpoint_and_proves_it_serves_the_new_model(classic, world, training_data, rows):
    endpoint = world.add_endpoint("rentalloc201")
    storage_env = {"AZURE_STORAGE_CONNECTION_STRING": world.azurite.connection_string}

    done = classic(*retrain_args(world, "rentalloc201", training_data, "--score", rows), env=storage_env)

    assert done.exit_code == 0, done.stderr
    assert "verified: the endpoint serves the new model" in done.stdout
    resource = world.endpoint("rentalloc201")["Resources"][0]
    assert (
        resource["Name"] == TRAINED_MODEL and resource["Location"]["RelativeLocation"] == "models/rentalloc201.ilearner"
    )
    assert world.score(endpoint) == pytest.approx(prices("v2"))  # the model trained on v2, fitted by the test
    assert world.score(world.endpoint("default")) == pytest.approx(prices("v1"))
    assert "sig=" not in done.stdout + done.stderr and world.azurite.account_key not in done.stdout + done.stderr
    assert jobs_of_training(world) == 0  # the job was deleted afterwards


def test_nothing_is_trained_for_an_endpoint_that_cannot_take_the_model(classic, world, training_data):
    storage_env = {"AZURE_STORAGE_CONNECTION_STRING": world.azurite.connection_string}
    before = jobs_of_training(world)

    default = classic(*retrain_args(world, "default", training_data, "--keep-job"), env=storage_env)
    missing = classic(*retrain_args(world, "nosuchendpoint", training_data, "--keep-job"), env=storage_env)

    assert default.exit_code == 2 and "default endpoint's trained model cannot be replaced" in default.stderr
    assert missing.exit_code == 1 and "EndpointNotFound" in missing.stderr
    assert jobs_of_training(world) == before  # no job was submitted (--keep-job would have kept it)


def test_retrain_can_write_the_model_into_the_endpoints_file_instead(classic, world, training_data, tmp_path):
    world.add_endpoint("rentalloc202")
    file = tmp_path / "definitions" / "dev" / "classic" / "rentalloc202.json"
    file.parent.mkdir(parents=True)
    assert classic("endpoint", "export", "-s", world.scoring, "-n", "rentalloc202", "-f", file).exit_code == 0
    live_before = world.endpoint("rentalloc202")["Resources"]
    storage_env = {"AZURE_STORAGE_CONNECTION_STRING": world.azurite.connection_string}

    done = classic(*retrain_args(world, "rentalloc202", training_data, "--update-definition", file), env=storage_env)

    assert done.exit_code == 0, done.stderr
    written = json.loads(file.read_text(encoding="utf-8"))["Resources"][0]["Location"]
    assert written["RelativeLocation"] == "models/rentalloc202.ilearner"
    assert "mlws classic diff" in done.stdout
    assert world.endpoint("rentalloc202")["Resources"] == live_before  # nothing patched: the file goes to review
    planned = classic("diff", file, "--exit-code")
    assert planned.exit_code == 3 and "models/rentalloc202.ilearner" in planned.stdout
