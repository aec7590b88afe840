"""`mlws fleet retrain` on the emulator and Azurite: twelve instances, each trained on data of its own, at most N
jobs at once, each model written into its own rendered definition; deployed with `mlws plan|deploy ENV`, each
service then scores as a least-squares fit (numpy, here) of its own data."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.fixtures.classic_world import STARTING_MODEL, model_bytes
from tests.fixtures.fault_proxy import FaultProxy
from tests.fleet.conftest import LOCATIONS, QUERY_ROWS, expected_scores, linear_csv, model_of, new_repo
from toolkit import storage

TWELVE = [f"rental-{number:03d}" for number in range(1, 13)]
STARTED = re.compile(r"/jobs/([0-9a-f]{32})/start$")
DELETED = re.compile(r"/jobs/([0-9a-f]{32})$")


@pytest.fixture
def live(tmp_path, mlws, start_emulator, azurite):
    """A repository on an emulator of its own (jobs run 0.3 s), every request recorded by a proxy in front."""
    emulator = start_emulator(job_seconds=0.3)
    account = storage.parse_connection_string(azurite.connection_string)
    storage.upload(account, STARTING_MODEL, model_bytes("v1"))  # the template's model, as services-start puts it
    with FaultProxy(emulator.url) as proxy:
        storage_env = {"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                       "MLWS_STORAGE_KEY": azurite.account_key}  # fmt: skip
        env = {**emulator.env(), "MLWS_ARM_ENDPOINT": proxy.url, **storage_env}
        yield new_repo(tmp_path / "repo", mlws, env, storage=azurite.blob_endpoint), proxy


def fleet_of(repo, names: list[str]) -> dict[str, str]:
    """A fleet file of `names`, each with linear training data of its own (../../data/NAME.csv); the data by name."""
    (repo.root / "data").mkdir(exist_ok=True)
    run = uuid.uuid4().hex[:8]
    data, instances = {}, []
    for index, name in enumerate(names):
        data[name] = linear_csv(seed=index)
        (repo.root / "data" / f"{name}.csv").write_text(data[name], encoding="utf-8")
        instances.append({
            "name": name, "location": LOCATIONS[index % len(LOCATIONS)], "tags": {"site": f"{index + 1:03d}"},
            "training": {"uploads": {"trainingData": f"../../data/{name}.csv"},
                         "outputs": {"model": f"models/{run}/{name}.ilearner",
                                     "evaluation": f"models/{run}/{name}-evaluation.csv"}},
        })  # fmt: skip
    repo.write_fleet({"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
                      "instances": instances})  # fmt: skip
    return data


def most_jobs_at_once(requests: list[tuple[str, str]]) -> int:
    """From the requests as the proxy received them: jobs started and not yet deleted, at their most."""
    running, most = set(), 0
    for method, path in requests:
        if method == "POST" and (started := STARTED.search(path)):
            running.add(started.group(1))
        elif method == "DELETE" and (deleted := DELETED.search(path)):
            running.discard(deleted.group(1))
        most = max(most, len(running))
    return most


def scores(repo, name: str, rows_file) -> list[float]:
    scored = repo.run("score", "-n", name, "-g", repo.group, "--input", rows_file, "-o", "json")
    assert scored.exit_code == 0, scored.stderr
    return [row["Scored Labels"] for row in scored.json()["result"]["rows"]]


def test_twelve_instances_retrain_in_parallel_and_each_scores_as_a_fit_of_its_own_data(live):
    repo, proxy = live
    data = fleet_of(repo, TWELVE)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    planned = repo.run("plan", "fleet", "-o", "json")
    assert planned.exit_code == 3, planned.stdout
    assert sorted(row["service"] for row in planned.json()["result"]["services"]) == ["housing-training", *TWELVE]
    deployed = repo.run("deploy", "fleet")
    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr
    requests_before = len(proxy.requests)

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--parallel", "4", "-o", "json")

    assert retrained.exit_code == 0, retrained.stdout + retrained.stderr
    rows = retrained.json()["result"]["services"]
    assert [row["service"] for row in rows] == TWELVE
    assert all(row["statusCode"] == "Finished" and row["exitCode"] == 0 for row in rows)
    for row in rows:  # each file names its own new model, the one its job wrote
        assert model_of(repo.definition(row["service"])) == row["model"]
        assert row["model"].startswith(
            repo.env["AZURE_STORAGE_CONNECTION_STRING"].split("BlobEndpoint=")[1].rstrip(";")
        )
        assert row["model"].endswith(f"/{row['service']}.ilearner")
        assert float(row["evaluation"]["evaluation"][0]["Coefficient of Determination"]) > 0.999999
    assert len({row["model"] for row in rows}) == 12 and len({row["jobId"] for row in rows}) == 12
    assert most_jobs_at_once(proxy.requests[requests_before:]) == 4  # in parallel, never more than --parallel
    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 0  # the fleet file stays up to date

    replanned = repo.run("plan", "fleet", "-o", "json")
    assert replanned.exit_code == 3
    actions = {row["service"]: row["action"] for row in replanned.json()["result"]["services"]}
    assert actions == {"housing-training": "no change", **{name: "update" for name in TWELVE}}
    assert repo.run("deploy", "fleet").exit_code == 0
    rows_file = repo.root / "rows.json"
    rows_file.write_text(json.dumps(QUERY_ROWS), encoding="utf-8")
    scored = {name: scores(repo, name, rows_file) for name in TWELVE}
    for name in TWELVE:
        assert scored[name] == pytest.approx(expected_scores(data[name]), rel=1e-6), name
    assert len({round(values[0], 2) for values in scored.values()}) == 12  # twelve different models


def test_one_at_a_time_runs_one_job_at_a_time(live):
    repo, proxy = live
    fleet_of(repo, TWELVE[:3])
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert repo.run("plan", "fleet").exit_code == 3 and repo.run("deploy", "fleet").exit_code == 0
    requests_before = len(proxy.requests)

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--parallel", "1", "--only", "rental-003",
                         "--only", "rental-001")  # fmt: skip

    assert retrained.exit_code == 0, retrained.stdout + retrained.stderr
    assert [line.split()[0] for line in retrained.stdout.splitlines()[1:]] == ["rental-001", "rental-003"]
    assert most_jobs_at_once(proxy.requests[requests_before:]) == 1
    assert sum(1 for method, path in proxy.requests[requests_before:] if STARTED.search(path)) == 2
    assert "Finished" in retrained.stdout and "housing.template" not in retrained.stdout


def test_a_second_retrain_needs_blobs_of_its_own_and_run_names_them(live):
    repo, proxy = live
    fleet_of(repo, TWELVE[:2])
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert repo.run("plan", "fleet").exit_code == 3 and repo.run("deploy", "fleet").exit_code == 0
    first = repo.run("fleet", "retrain", repo.fleet_file, "-o", "json")
    assert first.exit_code == 0, first.stdout + first.stderr
    models = {row["service"]: row["model"] for row in first.json()["result"]["services"]}
    files = {name: (repo.folder / f"{name}.json").read_bytes() for name in models}

    # The same outputs again would overwrite the models the files (and, once deployed, the services) name.
    again = repo.run("fleet", "retrain", repo.fleet_file)
    assert again.exit_code == 2, again.stdout + again.stderr
    assert "blob of the live model" in again.stdout + again.stderr
    assert {name: (repo.folder / f"{name}.json").read_bytes() for name in models} == files

    named = repo.run("fleet", "retrain", repo.fleet_file, "--run", "r2", "-o", "json")

    assert named.exit_code == 0, named.stdout + named.stderr
    for row in named.json()["result"]["services"]:
        assert row["model"] == models[row["service"]].removesuffix(".ilearner") + ".r2.ilearner"
        assert model_of(repo.definition(row["service"])) == row["model"]
    assert repo.run("fleet", "retrain", repo.fleet_file, "--run", "../x").exit_code == 2
