"""Bad inputs to the retraining loop: a clear error, the right exit code, and the definition file untouched."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.retrain import housing_data
from tests.retrain.conftest import TRAINING_ASSET
from toolkit.errors import ServiceError
from toolkit.runtime import RuntimeClient


@pytest.fixture
def guarded(world):
    """The world, checking afterwards that the predictive definition is byte-identical."""
    before = world.predict_file.read_bytes()
    yield world
    assert world.predict_file.read_bytes() == before


def retrain_into_definition(world, *extra: str, env=None):
    return world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, *extra, env=env)


def test_a_model_output_that_is_not_ilearner_is_refused(guarded):
    result = guarded.run(
        "retrain", "-n", guarded.training, "-g", guarded.group,
        "--input", "trainingData=anything/data.csv", "--output-blob", "model=models/model.csv",
        "--update-definition", str(guarded.predict_file), "--asset", TRAINING_ASSET,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "InvalidBlobExtension" in result.stderr and "models/model.csv" in result.stderr


def test_a_missing_input_blob_is_refused(guarded):
    result = guarded.run(
        "retrain", "-n", guarded.training, "-g", guarded.group, "--input", "trainingData=data/missing.csv",
        "--update-definition", str(guarded.predict_file), "--asset", TRAINING_ASSET,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "BlobNotFound" in result.stderr and "data/missing.csv" in result.stderr


def test_a_failed_job_reports_its_details(guarded):
    bad = guarded.workdir / "bad.csv"
    bad.write_text("rooms,area_sqm,age_years,price\n3,70,10,cheap\n4,90,20,pricey\n")
    result = guarded.run(
        "retrain", "-n", guarded.training, "-g", guarded.group, "--upload", f"trainingData={bad}",
        "--update-definition", str(guarded.predict_file), "--asset", TRAINING_ASSET,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "ended Failed" in result.stderr and "'price'" in result.stderr


def test_an_unknown_asset_is_refused_before_any_job(guarded):
    result = guarded.run(
        "retrain", "-n", guarded.training, "-g", guarded.group, "--input", "trainingData=data/v1.csv",
        "--update-definition", str(guarded.predict_file), "--asset", "No Such Model [trained model]",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "No Such Model" in result.stderr and TRAINING_ASSET in result.stderr  # lists the assets there are
    listed = guarded.run("job", "list", "-n", guarded.training, "-g", guarded.group, "-o", "json")
    assert listed.json()["result"]["jobs"] == []


def test_the_connection_string_comes_from_the_environment(guarded):
    result = retrain_into_definition(guarded, env={"AZURE_STORAGE_CONNECTION_STRING": ""})
    assert result.exit_code == 2
    assert "AZURE_STORAGE_CONNECTION_STRING is not set" in result.stderr


def sas_connection_string(azurite, *, key: str, expiry: datetime) -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    token = generate_account_sas(
        azurite.account_name, key, ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, create=True, list=True), expiry=expiry,
    )  # fmt: skip
    return f"BlobEndpoint={azurite.blob_endpoint};SharedAccessSignature={token}"


def test_an_expired_sas_is_refused_without_showing_it(guarded, azurite):
    guarded.upload("data/v1.csv", housing_data.csv_text("v1").encode())
    expired = sas_connection_string(azurite, key=azurite.account_key, expiry=datetime.now(UTC) - timedelta(hours=1))
    result = guarded.run(
        "retrain", "-n", guarded.training, "-g", guarded.group, "--input", "trainingData=data/v1.csv",
        "--update-definition", str(guarded.predict_file), "--asset", TRAINING_ASSET,
        env={"AZURE_STORAGE_CONNECTION_STRING": expired},
    )  # fmt: skip
    assert result.exit_code == 2
    assert "BlobNotFound" in result.stderr and "refused access" in result.stderr
    signature = expired.split("sig=")[1].split("&")[0]
    assert signature not in result.stdout + result.stderr


def test_a_wrong_sas_is_refused_before_uploading(guarded, azurite):
    wrong_key = "d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleSwgNjQgYnl0ZXMgbG9uZyBmb3IgdGVzdGluZyBvbmx5IQ=="
    forged = sas_connection_string(azurite, key=wrong_key, expiry=datetime.now(UTC) + timedelta(hours=1))
    result = retrain_into_definition(guarded, env={"AZURE_STORAGE_CONNECTION_STRING": forged})
    assert result.exit_code == 2
    assert "refused access" in result.stderr and "mlws-uploads/" in result.stderr
    assert forged.split("sig=")[1].split("&")[0] not in result.stdout + result.stderr


def test_a_cancelled_job_is_reported(guarded, emulator, monkeypatch):
    for name, value in guarded.env.items():
        monkeypatch.setenv(name, value)
    from toolkit.providers.new_webservice.retrain import connect

    client = connect(guarded.training, guarded.group, None).client
    previous = emulator.call("GET", "/_emulator/faults").body["jobSeconds"]
    assert emulator.call("PUT", "/_emulator/faults", {"jobSeconds": 5}).status == 200
    cancelled: list[str] = []

    def cancel_the_running_job() -> None:
        deadline = time.monotonic() + 20
        while not cancelled and time.monotonic() < deadline:
            for job in client.list_jobs():
                if job.status == "Running":
                    client.delete(job.job_id)
                    cancelled.append(job.job_id)
            time.sleep(0.1)

    canceller = threading.Thread(target=cancel_the_running_job)
    canceller.start()
    try:
        result = retrain_into_definition(guarded)
    finally:
        canceller.join()
        emulator.call("PUT", "/_emulator/faults", {"jobSeconds": previous})
    assert cancelled, "no running job was seen"
    assert result.exit_code == 1
    assert f"BES job {cancelled[0]}" in result.stderr and "ended Cancelled" in result.stderr


def test_a_wrong_service_key_is_refused(world, monkeypatch):
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    from toolkit.providers.new_webservice.retrain import connect

    real = connect(world.training, world.group, None).client
    wrong = RuntimeClient(real.base_url, "not-the-key", service=f"'{world.training}'")
    with pytest.raises(ServiceError) as raised:
        wrong.list_jobs()
    assert raised.value.info.status == 401
    assert "ScoreRequestUnauthorized" in raised.value.message and "mlws keys" in raised.value.message
    assert "not-the-key" not in raised.value.message


def test_scoring_without_the_model_blob_names_the_model(world):
    missing = world.connection_string.split("BlobEndpoint=")[1].rstrip(";") + "/models/never-trained.ilearner"
    edited = world.run("edit", str(world.predict_file), "-i", "--asset", TRAINING_ASSET, "--uri", missing)
    assert edited.exit_code == 0, edited.stderr
    # update itself refuses a missing model; past that check, the service fails only when it scores:
    update = ("update", "-f", str(world.predict_file), "-n", world.predict, "-g", world.group)
    assert world.run(*update).exit_code == 2
    assert world.run(*update, "--skip-model-check").exit_code == 0
    rows = world.workdir / "rows.json"
    rows.write_text('[{"rooms": 3, "area_sqm": 70, "age_years": 5}]')
    scored = world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows))
    assert scored.exit_code == 1
    assert "ModelPackageNotFound" in scored.stderr and missing in scored.stderr


def test_rows_that_are_not_rows_are_refused(world):
    rows = world.workdir / "rows.json"
    rows.write_text('{"rooms": 3}')
    scored = world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows))
    assert scored.exit_code == 2 and str(rows) in scored.stderr
