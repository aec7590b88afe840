"""A fleet of Classic endpoints on the emulator and Azurite: endpoint files rendered under classic/, created with
`mlws plan|deploy ENV`, each retrained on data of its own through the training web service, its model written into
its file, deployed, and each endpoint then scoring as a least-squares fit (numpy, here) of its own data."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from tests.fixtures.classic_world import STARTING_MODEL, TRAINED_MODEL, seed
from tests.fleet.conftest import QUERY_ROWS, expected_scores, linear_csv, model_of, new_repo

NAMES = ["rentalloc301", "rentalloc302", "rentalloc303"]


@pytest.fixture
def classic_repo(tmp_path, mlws, emulator, azurite):
    world = seed(emulator, azurite)
    now = datetime.now(UTC)
    models_sas = generate_container_sas(
        azurite.account_name, "models", azurite.account_key, permission=ContainerSasPermissions(read=True),
        start=now - timedelta(minutes=5), expiry=now + timedelta(hours=1),
    )  # fmt: skip
    env = {"MLWS_CLASSIC_ENDPOINT": emulator.url, "MLWS_WORKSPACE_TOKEN": world.tokens[0],
           "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string, "MODEL_SAS": models_sas}  # fmt: skip
    repo = new_repo(tmp_path / "repo", mlws, env, samples=False, workspace=world.workspace)
    model = {"BaseLocation": world.account.base_location, "RelativeLocation": STARTING_MODEL,
             "SasBlobToken": "${MODEL_SAS}"}  # fmt: skip
    template = {"Name": "template", "WebServiceId": world.scoring, "Description": "Bike rentals",
                "Resources": [{"Name": TRAINED_MODEL, "Kind": "TrainedModel", "Location": model}]}  # fmt: skip
    (repo.folder / "rentals.template.json").write_text(json.dumps(template), encoding="utf-8")
    return repo, world


def scores_once_switched(repo, world, name: str, rows_file, expected: list[float]) -> list[float]:
    """The endpoint's scores, asked again while it still serves its old model (it switches after a patch)."""
    for _ in range(50):
        scored = repo.run("classic", "score", "-s", world.scoring, "-n", name, "--input", rows_file, "-o", "json",
                          env={"MLWS_WORKSPACE_ID": world.workspace})  # fmt: skip
        assert scored.exit_code == 0, scored.stderr
        found = [row["Scored Labels"] for row in scored.json()["result"]["rows"]]
        if found == pytest.approx(expected, rel=1e-6):
            break
        time.sleep(0.2)
    return found


def test_a_classic_fleet_is_created_retrained_and_each_endpoint_scores_with_its_own_model(classic_repo):
    repo, world = classic_repo
    run = uuid.uuid4().hex[:8]
    data = {name: linear_csv(seed=100 + index) for index, name in enumerate(NAMES)}
    for name, text in data.items():
        (repo.folder / f"{name}.csv").write_text(text, encoding="utf-8")
    repo.write_fleet({"version": 1, "template": "rentals.template.json",
                      "training": {"service": world.training, "endpoint": "default"},
                      "instances": [{"name": name, "description": f"Bike rentals, location {name[-3:]}",
                                     "training": {"uploads": {"trainingData": f"{name}.csv"},
                                                  "outputs": {"model": f"models/{run}/{name}.ilearner"}}}
                                    for name in NAMES]})  # fmt: skip
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert sorted(path.name for path in (repo.folder / "classic").iterdir()) == [f"{name}.json" for name in NAMES]
    planned = repo.run("plan", "fleet")
    assert planned.exit_code == 3, planned.stdout + planned.stderr
    deployed = repo.run("deploy", "fleet")
    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr
    assert [world.endpoint(name)["Description"] for name in NAMES] == [
        f"Bike rentals, location {n[-3:]}" for n in NAMES
    ]

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--parallel", "3", "-o", "json")

    assert retrained.exit_code == 0, retrained.stdout + retrained.stderr
    rows = retrained.json()["result"]["services"]
    assert [row["service"] for row in rows] == [f"classic/{name}" for name in NAMES]
    for name, row in zip(NAMES, rows, strict=True):
        assert row["statusCode"] == "Finished"
        assert model_of(repo.definition(f"classic/{name}")) == row["model"]
        assert row["model"].endswith(f"models/{run}/{name}.ilearner")
        assert repo.definition(f"classic/{name}")["Resources"][0]["Location"]["SasBlobToken"] == "${MODEL_SAS}"
    assert repo.run("fleet", "render", repo.fleet_file, "--check").exit_code == 0
    assert repo.run("plan", "fleet").exit_code == 3
    deployed = repo.run("deploy", "fleet")
    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr
    rows_file = repo.root / "rows.json"
    rows_file.write_text(json.dumps(QUERY_ROWS), encoding="utf-8")
    for name in NAMES:
        expected = expected_scores(data[name])
        assert scores_once_switched(repo, world, name, rows_file, expected) == pytest.approx(expected, rel=1e-6)
    text = retrained.stdout + retrained.stderr
    assert "sig=" not in text and world.azurite.account_key not in text
