"""The emulator's BES/RRS endpoints over raw HTTP: status codes, envelopes and shapes as the real runtime answers."""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from tests.retrain import housing_data
from tests.retrain.least_squares import expected_prices


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


def eventually(read, done, what: str):
    """`read()` every 0.05 s until `done` holds for its value, which is returned; a failure naming `what` after
    10 s or more (a guard against hanging, not a measure of speed)."""
    for _ in range(200):
        value = read()
        if done(value):
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} never happened")


def job_seconds(status: dict) -> float:
    """How long the job ran by the service's own record (StartTime to EndTime)."""
    started, ended = (datetime.fromisoformat(status[name]) for name in ("StartTime", "EndTime"))
    return (ended - started).total_seconds()


def test_job_lifecycle_and_cannot_start_twice(world, runtime):
    world.upload("data/http.csv", housing_data.csv_text("v1").encode())
    submitted = runtime(world.training, "POST", "/jobs", bes_request(world))
    assert submitted.status == 200 and isinstance(submitted.body, str)
    job = f"/jobs/{submitted.body}"
    assert runtime(world.training, "GET", job).body["StatusCode"] == "NotStarted"
    assert runtime(world.training, "POST", job + "/start").status == 200
    again = runtime(world.training, "POST", job + "/start")
    assert again.status == 400 and again.body["error"]["details"][0]["code"] == "CannotStartJob"
    status = eventually(
        lambda: runtime(world.training, "GET", job).body, lambda body: body["StatusCode"] != "Running", "the job's end"
    )
    assert status["StatusCode"] == "Finished", status["Details"]
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
        expected = expected_prices(version, [{"rooms": 3, "area_sqm": 70, "age_years": 10}])[0]
        assert float(value["Values"][0][-1]) == pytest.approx(expected, rel=1e-6)
        answers.append(value["Values"][0][-1])
    assert answers[0] != answers[1]


def test_a_job_trains_while_it_runs_and_ends_with_its_time(world, runtime, emulator):
    """The work is part of the job's time: the model is written while the job still reports Running, and the job
    ends when its time is up. Both read from what the services record, not from this test's clock."""
    from toolkit import storage

    world.upload("data/http.csv", housing_data.csv_text("v2").encode())
    account = storage.parse_connection_string(world.connection_string)

    def run_job(seconds: float, model: str) -> str:
        previous = emulator.call("GET", "/_emulator/faults").body["jobSeconds"]
        assert emulator.call("PUT", "/_emulator/faults", {"jobSeconds": seconds}).status == 200
        try:
            job = "/jobs/" + runtime(world.training, "POST", "/jobs", bes_request(world, model)).body
            assert runtime(world.training, "POST", job + "/start").status == 200
        finally:
            emulator.call("PUT", "/_emulator/faults", {"jobSeconds": previous})
        return job

    def model_written(model: str) -> bool:
        try:
            storage.etag(account, model)
        except storage.BlobNotFound:
            return False
        return True

    # A job with a minute to run: its model appears while it is Running (then it is cancelled: no waiting it out).
    long_job = run_job(60.0, "models/during.ilearner")
    eventually(lambda: model_written("models/during.ilearner"), bool, "the running job's model")
    assert runtime(world.training, "GET", long_job).body["StatusCode"] == "Running"
    assert runtime(world.training, "DELETE", long_job).status == 200
    assert runtime(world.training, "GET", long_job).body["StatusCode"] == "Cancelled"

    # A job with 1.5 s to run ends Finished with its model, no sooner than its time by its own record.
    short_job = run_job(1.5, "models/after.ilearner")
    status = eventually(
        lambda: runtime(world.training, "GET", short_job).body,
        lambda body: body["StatusCode"] != "Running",
        "the job's end",
    )
    assert status["StatusCode"] == "Finished" and "model" in status["Results"], status["Details"]
    assert job_seconds(status) >= 1.5
