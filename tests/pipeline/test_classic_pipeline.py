"""`mlws pipeline run` for a Classic endpoint in live mode: the training web service's BES job, the gate, the
endpoint's file rewritten and the endpoint patched; it then scores as a least-squares fit (numpy) of the data."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.fleet.conftest import QUERY_ROWS, expected_scores, linear_csv, model_of
from tests.fleet.test_classic import classic_repo, scores_once_switched  # noqa: F401 (a fixture)

NAME = "rentalloc401"


def test_a_live_classic_pipeline_patches_the_endpoint_with_the_promoted_model(classic_repo):  # noqa: F811
    repo, world = classic_repo
    data = linear_csv(seed=401)
    (repo.folder / "rentals.csv").write_text(data, encoding="utf-8")
    repo.write_fleet({"version": 1, "template": "rentals.template.json", "instances": [{"name": NAME}]})
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    assert repo.run("plan", "fleet").exit_code == 3 and repo.run("deploy", "fleet").exit_code == 0
    pipeline = repo.folder / "rentals.pipeline.yaml"
    pipeline.write_text(yaml.safe_dump({
        "version": 1,
        "training": {"service": world.training, "endpoint": "default", "uploads": {"trainingData": "rentals.csv"},
                     "outputs": {"model": "models/pipeline/rentals.ilearner"}},
        "update": {"definition": f"classic/{NAME}.json", "mode": "live"},
    }), encoding="utf-8")  # fmt: skip

    ran = repo.run("pipeline", "run", pipeline, "--run", "r1", "-o", "json")

    assert ran.exit_code == 0, ran.stdout + ran.stderr
    [row] = ran.json()["result"]["services"]
    assert row["service"] == f"classic/{NAME}" and row["action"] == "promoted" and "deployed" in row["result"]
    model = model_of(repo.definition(f"classic/{NAME}"))
    assert model.endswith("models/pipeline/rentals.r1.ilearner") and row["model"] == model
    live = world.endpoint(NAME)["Resources"][0]["Location"]
    assert live["RelativeLocation"].endswith("rentals.r1.ilearner")  # the endpoint itself was patched
    assert repo.definition(f"classic/{NAME}")["Resources"][0]["Location"]["SasBlobToken"] == "${MODEL_SAS}"
    rows_file = repo.root / "rows.json"
    rows_file.write_text(json.dumps(QUERY_ROWS), encoding="utf-8")
    expected = expected_scores(data)
    assert scores_once_switched(repo, world, NAME, rows_file, expected) == pytest.approx(expected, rel=1e-6)
    assert "sig=" not in ran.stdout and world.azurite.account_key not in ran.stdout
    state = (repo.root / ".mlws" / "pipelines" / "fleet" / "rentals" / "r1.json").read_text(encoding="utf-8")
    assert "sig=" not in state and world.azurite.account_key not in state  # no secret in the run's state
