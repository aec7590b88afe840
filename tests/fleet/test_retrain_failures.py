"""`mlws fleet retrain` when something is wrong: checked before the first job (exit 2, no job, no file changed; a
bad gate or a broken metrics record too), a job that fails (its row, the worst exit code, the others' models written
with --keep-going; without it no more jobs start). On the shared emulator, behind a proxy that records every
request; only the training service exists (retraining writes files, it deploys nothing)."""

from __future__ import annotations

import pytest

from tests.fleet.conftest import jobs_started, linear_csv, model_of, template_model, write_fleet

NAMES = ["rental-001", "rental-002", "rental-003"]


def test_a_failed_job_is_its_rows_error_and_with_keep_going_the_others_get_their_models(trainable):
    repo, proxy = trainable
    data = {name: linear_csv(index) for index, name in enumerate(NAMES)}
    data["rental-002"] = data["rental-002"].replace("price", "cost")  # no label column: the job fails
    write_fleet(repo, data)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    failed_file = (repo.folder / "rental-002.json").read_bytes()

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--keep-going", "-o", "json")

    assert retrained.exit_code == 1, retrained.stdout
    rows = {row["service"]: row for row in retrained.json()["result"]["services"]}
    assert rows["rental-002"]["statusCode"] == "Failed" and rows["rental-002"]["jobId"]
    assert "ended Failed" in rows["rental-002"]["result"] and "price" in rows["rental-002"]["result"]
    assert (repo.folder / "rental-002.json").read_bytes() == failed_file
    for name in ("rental-001", "rental-003"):
        assert rows[name]["statusCode"] == "Finished" and rows[name]["exitCode"] == 0
        assert model_of(repo.definition(name)) == rows[name]["model"] != template_model(repo)
    assert jobs_started(proxy) == 3


def test_without_keep_going_a_failure_starts_no_more_jobs(trainable):
    repo, proxy = trainable
    data = {name: linear_csv(index) for index, name in enumerate(NAMES)}
    data["rental-001"] = data["rental-001"].replace("price", "cost")
    write_fleet(repo, data)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    before = {name: (repo.folder / f"{name}.json").read_bytes() for name in NAMES}

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--parallel", "1")

    assert retrained.exit_code == 1
    assert "stopped at the first failure; not retrained: rental-002, rental-003 (--keep-going)" in retrained.stdout
    assert jobs_started(proxy) == 1
    assert {name: (repo.folder / f"{name}.json").read_bytes() for name in NAMES} == before


REFUSALS = {
    "--parallel 0": (["--parallel", "0"], {}, "--parallel 0: give how many services at once, 1 (one at a time) to 64"),
    "an unknown --only": (["--only", "rental-009"], {}, "no instance 'rental-009'"),
    "a missing upload": ([], {"unlink": "rental-003.csv"}, "rental-003: upload trainingData: no file"),
    "a rendered file edited since": ([], {"stale": "rental-002"}, "rental-002.json is missing or out of date"),
    "a model the fleet states": ([], {"model": "rental-001"}, "states its model in the fleet file"),
    "no storage connection string": ([], {"no_storage": True}, "AZURE_STORAGE_CONNECTION_STRING is not set"),
    "an unset placeholder": ([], {"placeholder": "rental-002"}, "FLEET_TEST_UNSET"),
    "an unknown metric": (["--promote-if", "Accuracy >= 0.9"], {}, "--promote-if 'Accuracy >= 0.9': unknown metric"),
    "a gate without a number": (["--promote-if", "Mean Absolute Error < lots"], {}, "'lots' is not a finite number"),
    "a better gate of no metric": (["--promote-if-better", "speed"], {}, "unknown metric 'speed'"),
    "a metrics record that does not read": (
        [],
        {"record": "rental-003"},
        "rental-003.metrics.json: not an mlws-metrics",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_what_would_fail_a_job_is_refused_before_the_first_one_starts(trainable, case):
    repo, proxy = trainable
    args, how, message = REFUSALS[case]
    pinned = "http://127.0.0.1:10000/devstoreaccount1/models/pinned.ilearner"
    stated = {how["model"]: {"model": pinned}} if "model" in how else {}
    training = (
        {how["placeholder"]: {"globalParameters": {"Label column": "${FLEET_TEST_UNSET}"}}}
        if "placeholder" in how
        else {}
    )
    write_fleet(repo, {name: linear_csv(index) for index, name in enumerate(NAMES)}, stated, training)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    if "unlink" in how:
        (repo.folder / how["unlink"]).unlink()
    if "stale" in how:
        assert (
            repo.run("edit", repo.folder / f"{how['stale']}.json", "-i", "--set", 'properties.title="x"').exit_code == 0
        )
    if "record" in how:
        (repo.folder / f"{how['record']}.metrics.json").write_text('{"format": "other"}\n', encoding="utf-8")
    env = {"AZURE_STORAGE_CONNECTION_STRING": ""} if "no_storage" in how else {}
    before = repo.files()

    refused = repo.run("fleet", "retrain", repo.fleet_file, *args, env=env)

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert message in refused.stderr, refused.stderr
    assert jobs_started(proxy) == 0 and proxy.count("POST", r"/jobs$") == 0
    assert repo.files() == before
