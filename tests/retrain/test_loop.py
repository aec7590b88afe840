"""The whole retraining loop through mlws: retrain -> swap the model into the definition -> update -> score."""

from __future__ import annotations

import json

import numpy as np

from tests.retrain.conftest import TRAINING_ASSET
from tests.retrain.least_squares import HOUSING_SPLIT, expected_prices

QUERY_ROWS = [
    {"rooms": 3, "area_sqm": 72.5, "age_years": 12},
    {"rooms": 5, "area_sqm": 140.0, "age_years": 40},
]


def model_uri(path) -> str:
    assets = json.loads(path.read_text())["properties"]["assets"]
    return next(a["locationInfo"]["uri"] for a in assets.values() if a["name"] == TRAINING_ASSET)


def retrain_update_score(world, version: str, rows_file) -> tuple[dict, list[float]]:
    trained = world.retrain(
        "--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, "-o", "json", version=version
    )
    assert trained.exit_code == 0, trained.stdout + trained.stderr
    updated = world.run("update", "-f", str(world.predict_file), "-n", world.predict, "-g", world.group)
    assert updated.exit_code == 0, updated.stdout + updated.stderr
    scored = world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows_file), "-o", "json")
    assert scored.exit_code == 0, scored.stdout + scored.stderr
    return trained.json()["result"], [row["Scored Labels"] for row in scored.json()["result"]["rows"]]


def test_second_update_scores_with_the_second_model(world, azurite):
    rows_file = world.workdir / "rows.json"
    rows_file.write_text(json.dumps(QUERY_ROWS))

    first, first_prices = retrain_update_score(world, "v1", rows_file)
    assert model_uri(world.predict_file) == first["outputs"]["model"]
    assert first["outputs"]["model"].startswith(azurite.blob_endpoint)
    assert np.allclose(first_prices, expected_prices("v1", QUERY_ROWS, HOUSING_SPLIT), rtol=1e-6)
    assert float(first["evaluation"]["evaluation"][0]["Coefficient of Determination"]) > 0.95

    second, second_prices = retrain_update_score(world, "v2", rows_file)
    assert second["definition"]["previousUri"] == first["outputs"]["model"]
    assert model_uri(world.predict_file) == second["outputs"]["model"] != first["outputs"]["model"]
    assert np.allclose(second_prices, expected_prices("v2", QUERY_ROWS, HOUSING_SPLIT), rtol=1e-6)
    assert not np.allclose(second_prices, first_prices, rtol=1e-3)
    # The definition names the model without a SAS, and no credential reached the file.
    text = world.predict_file.read_text()
    assert "sig=" not in text and azurite.account_key not in text


def test_retrain_text_output_shows_locations_and_metrics_but_no_secrets(world, azurite):
    trained = world.retrain()
    assert trained.exit_code == 0, trained.stderr
    assert "Finished" in trained.stdout
    assert f"{azurite.blob_endpoint}/models/" in trained.stdout
    assert "Root Mean Squared Error" in trained.stdout
    for secret in (azurite.account_key, "sig="):
        assert secret not in trained.stdout + trained.stderr


def test_score_accepts_csv_rows(world):
    assert world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET).exit_code == 0
    assert world.run("update", "-f", str(world.predict_file), "-n", world.predict, "-g", world.group).exit_code == 0
    rows_file = world.workdir / "rows.csv"
    lines = [f"{row['rooms']},{row['area_sqm']},{row['age_years']}" for row in QUERY_ROWS]
    rows_file.write_text("rooms,area_sqm,age_years\n" + "\n".join(lines) + "\n")
    scored = world.run("score", "-n", world.predict, "-g", world.group, "--input", str(rows_file))
    assert scored.exit_code == 0, scored.stderr
    assert "Scored Labels" in scored.stdout.splitlines()[0]
    shown = [float(line.split()[-1]) for line in scored.stdout.splitlines()[1:]]
    assert np.allclose(shown, expected_prices("v1", QUERY_ROWS, HOUSING_SPLIT), rtol=1e-5)


def test_kept_jobs_can_be_listed_shown_and_deleted(world):
    trained = world.retrain("--keep-job", "-o", "json")
    assert trained.exit_code == 0, trained.stderr
    job_id = trained.json()["result"]["jobId"]

    listed = world.run("job", "list", "-n", world.training, "-g", world.group, "-o", "json")
    assert [job["jobId"] for job in listed.json()["result"]["jobs"]] == [job_id]
    shown = world.run("job", "show", "-n", world.training, "-g", world.group, "--job", job_id, "-o", "json")
    assert shown.json()["result"]["statusCode"] == "Finished"
    assert shown.json()["result"]["results"]["model"] == trained.json()["result"]["outputs"]["model"]
    assert "sig=" not in shown.stdout

    deleted = world.run("job", "cancel", "-n", world.training, "-g", world.group, "--job", job_id)
    assert deleted.exit_code == 0 and "deleted" in deleted.stdout
    gone = world.run("job", "show", "-n", world.training, "-g", world.group, "--job", job_id)
    assert gone.exit_code == 1 and "JobNotFound" in gone.stderr
