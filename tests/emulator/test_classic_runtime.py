"""Classic endpoints' runtime (RRS and BES at each ApiLocation) and the documented retraining flow: BES on the training
service writes an .ilearner, a PATCH points an added endpoint of the predictive service at it, and after the patch
delay that endpoint scores with the new model while the default endpoint keeps the web service's."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.fixtures.classic_world import ROWS, TRAINED_MODEL, model_patch, prices, seed
from tests.retrain import housing_data
from tests.retrain.test_runtime_http import eventually
from toolkit import storage


@pytest.fixture
def world(emulator, azurite):
    return seed(emulator, azurite)


def run_job(world, endpoint, request) -> dict:
    """Submit, start and wait for a BES job at `endpoint`; its last status."""
    submitted = world.runtime(endpoint, "POST", "/jobs", request)
    assert submitted.status == 200 and isinstance(submitted.body, str), submitted.body
    job = f"/jobs/{submitted.body}"
    assert world.runtime(endpoint, "POST", job + "/start").status == 200
    status = eventually(lambda: world.runtime(endpoint, "GET", job).body,
                        lambda body: body["StatusCode"] not in ("NotStarted", "Running"), "the job's end")  # fmt: skip
    assert status["StatusCode"] == "Finished", status["Details"]
    return status


def retrain(world, version: str) -> dict:
    """BES on the training service's default endpoint (as the many-models doc runs it): the model's Results entry."""
    data = f"data/classic-{uuid.uuid4().hex[:8]}-{version}.csv"
    storage.upload(world.account, data, housing_data.csv_text(version).encode())
    connection = world.azurite.connection_string
    request = {
        "Inputs": {"trainingData": {"ConnectionString": connection, "RelativeLocation": data}},
        "Outputs": {"model": {"ConnectionString": connection, "RelativeLocation": data.replace(".csv", ".ilearner")}},
        "GlobalParameters": {},
    }
    return run_job(world, world.endpoint("default", world.training), request)["Results"]["model"]


def test_the_default_endpoint_scores_with_its_web_services_model(world):
    default = world.endpoint("default")
    swagger_rows = {"Inputs": {"input1": ROWS}, "GlobalParameters": {}}

    table = world.score(default)
    rows = world.runtime(default, "POST", "/execute?format=swagger", swagger_rows, key=default["SecondaryKey"])
    with_details = world.runtime(default, "POST", "/execute?details=true", swagger_rows)

    assert table == pytest.approx(prices("v1"))
    assert rows.status == 200
    assert [row["Scored Labels"] for row in rows.body["Results"]["output1"]] == pytest.approx(prices("v1"))
    assert with_details.status == 200  # as AzureMLPS's Invoke-AmlWebServiceRRSEndpoint sends it


def test_an_endpoints_runtime_takes_only_its_own_keys(world):
    default, added = world.endpoint("default"), world.add_endpoint()
    body = {"Inputs": {"input1": ROWS}}
    for key in (default["PrimaryKey"], world.tokens[0], "wrong"):
        answer = world.runtime(added, "POST", "/execute", body, key=key)
        assert answer.status == 401 and answer.body["error"]["details"][0]["code"] == "ScoreRequestUnauthorized"
    elsewhere = world.emulator.call(
        "POST", added["ApiLocation"].replace(world.workspace, uuid.uuid4().hex) + "/execute", body,
        token=added["PrimaryKey"],
    )  # fmt: skip
    assert elsewhere.status == 404
    assert world.score(added) == pytest.approx(prices("v1"))  # a new endpoint starts on its web service's model


def test_retraining_then_patching_an_endpoint_changes_its_scores_after_the_delay(start_emulator, azurite):
    world = seed(start_emulator(patch_seconds=5), azurite)
    added = world.add_endpoint("rentalloc001")
    model = retrain(world, "v2")  # BaseLocation, RelativeLocation and SasBlobToken, passed through as the docs do

    patched = world.patch(added["Name"], model_patch(model), token=added["PrimaryKey"])
    right_after = world.score(added)
    later = eventually(lambda: world.score(added), lambda scores: scores != right_after, "the switch to the new model")

    assert patched.status == 200
    assert patched.body["Resources"][0]["Location"]["RelativeLocation"] == model["RelativeLocation"]
    assert right_after == pytest.approx(prices("v1"))  # the old model until the delay is over
    assert later == pytest.approx(prices("v2"))
    assert world.score(world.endpoint("default")) == pytest.approx(prices("v1"))  # the default endpoint keeps its own
    faults = world.emulator.call("GET", "/_emulator/faults", token=None).body
    assert faults["patchSeconds"] == 5


def test_a_patched_endpoint_keeps_its_copy_of_the_model(world):
    added = world.add_endpoint()
    location = world.put_model("v2")
    world.patch(added["Name"], model_patch(location))
    eventually(lambda: world.score(added), lambda scores: scores == pytest.approx(prices("v2")), "the new model")

    storage.upload(world.account, location["RelativeLocation"], b"overwritten after the patch\n")

    assert world.score(added) == pytest.approx(prices("v2"))  # read when patched, as the service copies it


def test_batch_scoring_on_a_patched_endpoint_uses_its_model(world):
    added = world.add_endpoint()
    world.patch(added["Name"], model_patch(world.put_model("v2")))
    eventually(lambda: world.score(added), lambda scores: scores == pytest.approx(prices("v2")), "the new model")
    rows = f"data/classic-{uuid.uuid4().hex[:8]}-rows.csv"
    storage.upload(world.account, rows, ("rooms,area_sqm,age_years\n" + "".join(
        f"{row['rooms']},{row['area_sqm']},{row['age_years']}\n" for row in ROWS)).encode())  # fmt: skip
    connection = world.azurite.connection_string
    output = rows.replace("-rows", "-scored")
    request = {"Inputs": {"input1": {"ConnectionString": connection, "RelativeLocation": rows}},
               "Outputs": {"output1": {"ConnectionString": connection, "RelativeLocation": output}}}  # fmt: skip

    result = run_job(world, added, request)["Results"]["output1"]

    scored = storage.download_url(result["BaseLocation"] + result["RelativeLocation"] + result["SasBlobToken"])
    table = list(csv.DictReader(io.StringIO(scored.decode())))
    assert [float(row["Scored Labels"]) for row in table] == pytest.approx(prices("v2"))


def test_jobs_belong_to_their_endpoint(world):
    default = world.endpoint("default", world.training)
    other = world.management("PUT", world.endpoint_path("other", world.training), {}).body
    data = f"data/classic-{uuid.uuid4().hex[:8]}-v1.csv"
    storage.upload(world.account, data, housing_data.csv_text("v1").encode())
    reference = {"ConnectionString": world.azurite.connection_string, "RelativeLocation": data}
    job = world.runtime(default, "POST", "/jobs", {"Inputs": {"trainingData": reference}})

    seen_there = world.runtime(other, "GET", f"/jobs/{job.body}")

    assert world.runtime(default, "GET", f"/jobs/{job.body}").body["StatusCode"] == "NotStarted"
    assert seen_there.status == 404 and seen_there.body["error"]["details"][0]["code"] == "JobNotFound"
    assert world.runtime(other, "GET", "/jobs").body == []


def test_the_state_survives_a_restart_on_the_same_database(start_emulator, azurite, tmp_path):
    db = tmp_path / "classic.db"
    first = seed(start_emulator(db=db), azurite)
    added = first.add_endpoint("survivor", {"Description": "kept", "ThrottleLevel": "High"})
    model = retrain(first, "v2")
    first.patch(added["Name"], model_patch(model))
    before = first.endpoint(added["Name"])
    listed = first.management("GET").body
    first.emulator.stop()

    second = start_emulator(db=db)
    world = type(first)(second, azurite, first.workspace, first.tokens, first.scoring, first.training)
    after = world.endpoint(added["Name"])

    moved = {"ApiLocation", "HelpLocation"}  # under the new emulator's URL (another free port)
    assert {k: v for k, v in after.items() if k not in moved} == {k: v for k, v in before.items() if k not in moved}
    assert after["ApiLocation"].startswith(second.url)
    assert world.management("GET").body == listed
    assert eventually(lambda: world.score(after), lambda s: s == pytest.approx(prices("v2")), "the patched model")
    assert world.score(world.endpoint("default")) == pytest.approx(prices("v1"))
    training_jobs = world.runtime(world.endpoint("default", world.training), "GET", "/jobs").body
    assert [job["StatusCode"] for job in training_jobs] == ["Finished"]
    assert world.refresh(added["Name"], {"OverwriteResources": "False"}).status == 304
    assert world.endpoint(added["Name"])["Resources"][0]["Name"] == TRAINED_MODEL
