"""The emulator's BES/RRS endpoints over raw HTTP: status codes, envelopes and shapes as the real runtime answers."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.retrain import housing_data


@pytest.fixture
def runtime(world, emulator):
    """(call, training base path, predict base path) with the services' real keys."""
    bases = {}
    for name in (world.training, world.predict):
        group = f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
        arm = f"{group}/providers/Microsoft.MachineLearning/webServices/{name}"
        swagger = emulator.call("GET", arm + "?api-version=2017-01-01").body["properties"]["swaggerLocation"]
        key = emulator.call("GET", arm + "/listKeys?api-version=2017-01-01").body["primary"]
        bases[name] = (urlsplit(swagger).path.removesuffix("/swagger.json"), key)

    def call(name, method, path, body=None, key=None):
        base, real_key = bases[name]
        return emulator.call(method, f"{base}{path}?api-version=2.0", body, token=key or real_key)

    return call


def bes_request(world, model="models/http.ilearner"):
    return {
        "Inputs": {"trainingData": {"ConnectionString": world.connection_string, "RelativeLocation": "data/http.csv"}},
        "Outputs": {"model": {"ConnectionString": world.connection_string, "RelativeLocation": model}},
        "GlobalParameters": {},
    }


def test_job_lifecycle_and_cannot_start_twice(world, runtime):
    world.upload("data/http.csv", housing_data.csv_text("v1").encode())
    submitted = runtime(world.training, "POST", "/jobs", bes_request(world))
    assert submitted.status == 200 and isinstance(submitted.body, str)
    job = f"/jobs/{submitted.body}"
    assert runtime(world.training, "GET", job).body["StatusCode"] == "NotStarted"
    assert runtime(world.training, "POST", job + "/start").status == 200
    again = runtime(world.training, "POST", job + "/start")
    assert again.status == 400 and again.body["error"]["details"][0]["code"] == "CannotStartJob"
    for _ in range(100):
        status = runtime(world.training, "GET", job).body
        if status["StatusCode"] == "Finished":
            break
        time.sleep(0.05)
    result = status["Results"]["model"]
    assert result["ConnectionString"] is None and result["RelativeLocation"] == "models/http.ilearner"
    assert "sig=" in result["SasBlobToken"] and "sp=r" in result["SasBlobToken"]  # a read-only SAS
    from toolkit import storage

    model = storage.download_url(result["BaseLocation"] + result["RelativeLocation"] + result["SasBlobToken"])
    assert b"mlws-linear-regression" in model


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Outputs": {"nope": {"ConnectionString": "x", "RelativeLocation": "a/b.csv"}}}, "InvalidOutputOverrideName"),
        ({"Inputs": {}}, "BatchJobInputsNotSpecified"),
        ({"Inputs": {"trainingData": {"RelativeLocation": "data/http.csv"}}}, "RequestBodyInvalid"),
    ],
)
def test_bad_requests_get_the_documented_codes(world, runtime, change, code):
    answer = runtime(world.training, "POST", "/jobs", {**bes_request(world), **change})
    assert answer.status == 400
    assert answer.body["error"]["code"] == "BadArgument" and answer.body["error"]["details"][0]["code"] == code


def test_a_wrong_key_is_401(world, runtime):
    answer = runtime(world.training, "GET", "/jobs", key="wrong")
    assert answer.status == 401 and answer.body["error"]["details"][0]["code"] == "ScoreRequestUnauthorized"


def test_table_format_scoring_follows_the_model_blob(world, runtime):
    from toolkit.emulator.training import train

    uri = world.connection_string.split("BlobEndpoint=")[1].rstrip(";") + "/models/table.ilearner"
    world.upload(
        "models/table.ilearner", train(housing_data.csv_text("v1").encode(), "data.csv", "price")[0].to_bytes()
    )
    assert (
        world.run(
            "edit", str(world.predict_file), "-i", "--asset", "Housing Price [trained model]", "--uri", uri
        ).exit_code
        == 0
    )
    assert world.run("update", "-f", str(world.predict_file), "-n", world.predict, "-g", world.group).exit_code == 0
    table = {"Inputs": {"input1": {"ColumnNames": ["rooms", "area_sqm", "age_years"], "Values": [[3, 70, 10]]}}}
    answers = []
    for version in ("v1", "v2"):  # same URI, new blob: the cache must notice the new etag
        model, _ = train(housing_data.csv_text(version).encode(), "data.csv", "price")
        world.upload("models/table.ilearner", model.to_bytes())
        answer = runtime(world.predict, "POST", "/execute", table)
        assert answer.status == 200
        value = answer.body["Results"]["output1"]["value"]
        assert answer.body["Results"]["output1"]["type"] == "table" and value["ColumnNames"][-1] == "Scored Labels"
        assert float(value["Values"][0][-1]) == pytest.approx(
            model.predict([{"rooms": 3, "area_sqm": 70, "age_years": 10}])[0]
        )
        answers.append(value["Values"][0][-1])
    assert answers[0] != answers[1]


def test_a_job_trains_while_it_runs_and_ends_with_its_time(world, runtime, emulator):
    """The work is part of the job's time: the model is written while the job still reports Running."""
    from toolkit import storage

    world.upload("data/http.csv", housing_data.csv_text("v2").encode())
    previous = emulator.call("GET", "/_emulator/faults").body["jobSeconds"]
    assert emulator.call("PUT", "/_emulator/faults", {"jobSeconds": 1.5}).status == 200
    try:
        job = "/jobs/" + runtime(world.training, "POST", "/jobs", bes_request(world, "models/during.ilearner")).body
        assert runtime(world.training, "POST", job + "/start").status == 200
    finally:
        emulator.call("PUT", "/_emulator/faults", {"jobSeconds": previous})
    account = storage.parse_connection_string(world.connection_string)
    for _ in range(100):  # until the model blob appears (the job's work is done)
        try:
            storage.etag(account, "models/during.ilearner")
            break
        except storage.BlobNotFound:
            time.sleep(0.05)
    else:
        pytest.fail("the job never wrote its model")
    assert runtime(world.training, "GET", job).body["StatusCode"] == "Running"
    for _ in range(100):
        status = runtime(world.training, "GET", job).body
        if status["StatusCode"] != "Running":
            break
        time.sleep(0.05)
    assert status["StatusCode"] == "Finished" and "model" in status["Results"]
