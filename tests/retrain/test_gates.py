"""`mlws retrain --promote-if / --promote-if-better`: the job's held-out metrics are judged before the model is
promoted. A passing gate changes the definition and records the metrics beside it (X.metrics.json); a failing one
changes nothing, says which metric failed by how much and exits 4; a bad gate is refused before any request.
Expected metrics come from numpy on the same rows (tests/retrain/least_squares.py)."""

from __future__ import annotations

import json
import re

import pytest

from tests.retrain import housing_data
from tests.retrain.conftest import TRAINING_ASSET
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics
from toolkit import storage

V2 = expected_metrics(housing_data.csv_text("v2"), HOUSING_SPLIT)
RECORD_KEYS = ["format", "version", "model", "job", "rows", "evaluatedOn", "metrics"]
REQUEST = re.compile(r"^mlws: http: +\d+ms -> (\S+) (\S+)", re.MULTILINE)


def record_file(world):
    return world.predict_file.with_name("housing-predict.metrics.json")


def model_uri(world) -> str:
    assets = json.loads(world.predict_file.read_text())["properties"]["assets"]
    return next(a["locationInfo"]["uri"] for a in assets.values() if a["name"] == TRAINING_ASSET)


def promote(world, *gates: str, version: str = "v2"):
    return world.retrain("--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET, *gates,
                         version=version)  # fmt: skip


def write_record(world, model: str, **metrics: float) -> bytes:
    """A record beside the definition, as a previous promotion would have written it."""
    names = {"rmse": "Root Mean Squared Error", "r2": "Coefficient of Determination"}
    document = {"format": "mlws-metrics", "version": 1, "model": model, "job": "0" * 32, "rows": 40,
                "evaluatedOn": "held-out rows", "metrics": {names[k]: v for k, v in metrics.items()}}  # fmt: skip
    record_file(world).write_text(json.dumps(document, indent=2) + "\n")
    return record_file(world).read_bytes()


def test_a_passing_gate_changes_the_definition_and_records_the_metrics(world):
    done = promote(world, "--promote-if", "coefficient of determination >= 0.9",
                   "--promote-if", "Root Mean Squared Error < 10000", "-o", "json")  # fmt: skip

    assert done.exit_code == 0, done.stdout + done.stderr
    result = done.json()["result"]
    assert model_uri(world) == result["outputs"]["model"] and result["promoted"] is True
    gates = {gate["gate"]: gate for gate in result["gates"]}
    r2, rmse = gates["Coefficient of Determination >= 0.9"], gates["Root Mean Squared Error < 10000"]
    assert r2["passed"] and r2["margin"] == pytest.approx(V2["Coefficient of Determination"] - 0.9, abs=1e-5)
    assert rmse["passed"] and rmse["margin"] == pytest.approx(10000 - V2["Root Mean Squared Error"], rel=1e-5)

    text = record_file(world).read_text(encoding="utf-8")
    record = json.loads(text)
    assert list(record) == RECORD_KEYS
    assert text == json.dumps(record, indent=2, ensure_ascii=False) + "\n"  # canonical: what git review sees
    assert record["model"] == result["outputs"]["model"] and "sig=" not in text
    assert record["job"] == result["jobId"] and record["rows"] == 40 and record["evaluatedOn"] == "held-out rows"
    assert record["metrics"] == pytest.approx({name: V2[name] for name in record["metrics"]}, rel=1e-5)
    assert len(record["metrics"]) == 5


def test_a_failing_gate_changes_nothing_and_says_by_how_much(world, azurite):
    assert promote(world, version="v1").exit_code == 0  # the live model and its record
    before = {path: path.read_bytes() for path in (world.predict_file, record_file(world))}

    refused = promote(world, "--promote-if", "Coefficient of Determination >= 0.9999")

    assert refused.exit_code == 4, refused.stdout + refused.stderr
    assert {path: path.read_bytes() for path in before} == before
    said = re.search(r"not promoted: Coefficient of Determination \S+ fails >= 0\.9999 by (\S+);", refused.stdout)
    assert said, refused.stdout
    assert float(said.group(1)) == pytest.approx(0.9999 - V2["Coefficient of Determination"], abs=1e-5)
    assert "nothing was changed" in refused.stdout
    kept = re.search(r"the new model stays at (\S+) for inspection", refused.stdout).group(1)
    account = storage.parse_connection_string(azurite.connection_string)
    location = kept.removeprefix(account.blob_endpoint.rstrip("/") + "/")
    assert json.loads(storage.download(account, location)[0])["format"] == "mlws-linear-regression"


def test_promote_if_better_promotes_over_a_worse_recorded_model(world):
    write_record(world, model_uri(world), rmse=V2["Root Mean Squared Error"] * 2)

    done = promote(world, "--promote-if-better", "Root Mean Squared Error", "-o", "json")

    assert done.exit_code == 0, done.stdout + done.stderr
    (gate,) = done.json()["result"]["gates"]
    assert gate["live"] == pytest.approx(V2["Root Mean Squared Error"] * 2, rel=1e-5)
    assert gate["margin"] == pytest.approx(V2["Root Mean Squared Error"], rel=1e-5) and gate["passed"]
    record = json.loads(record_file(world).read_text())
    assert record["model"] == model_uri(world) == done.json()["result"]["outputs"]["model"]  # rewritten for it


def test_promote_if_better_refuses_a_model_worse_than_the_recorded_one(world):
    live_r2 = V2["Coefficient of Determination"] + 0.0005
    before = world.predict_file.read_bytes(), write_record(world, model_uri(world), r2=live_r2)

    refused = promote(world, "--promote-if-better", "coefficient of determination")

    assert refused.exit_code == 4, refused.stdout + refused.stderr
    assert (world.predict_file.read_bytes(), record_file(world).read_bytes()) == before
    said = re.search(r"Coefficient of Determination \S+ is worse by (\S+) than the live model's (\S+) \(higher is "
                     r"better\)", refused.stdout)  # fmt: skip
    assert said, refused.stdout
    assert float(said.group(1)) == pytest.approx(0.0005, abs=2e-6)
    assert float(said.group(2)) == pytest.approx(live_r2, rel=1e-5)


def test_promote_if_better_without_a_record_of_the_live_model_is_refused(world):
    before = world.predict_file.read_bytes()

    missing = promote(world, "--promote-if-better", "Root Mean Squared Error")
    write_record(world, "http://127.0.0.1:10000/devstoreaccount1/models/another.ilearner", rmse=1e9)
    other = promote(world, "--promote-if-better", "Root Mean Squared Error")

    assert missing.exit_code == 4 and "no recorded metrics for the live model" in missing.stdout
    assert other.exit_code == 4 and "records the metrics of" in other.stdout and "another.ilearner" in other.stdout
    assert world.predict_file.read_bytes() == before


def test_metrics_that_are_not_numbers_are_refused(world):
    data = world.workdir / "five.csv"
    data.write_text(housing_data.csv_text("v1", 5))  # one held-out row: the relative errors are undefined (NaN)
    before = world.predict_file.read_bytes()

    refused = world.run(
        "retrain", "-n", world.training, "-g", world.group, "--upload", f"trainingData={data}",
        "--update-definition", str(world.predict_file), "--asset", TRAINING_ASSET,
        "--promote-if", "Mean Absolute Error < 1e9",
    )  # fmt: skip

    assert refused.exit_code == 4, refused.stdout + refused.stderr
    assert "is 'NaN': not a finite number" in refused.stderr and "the job's model is at" in refused.stderr
    assert world.predict_file.read_bytes() == before and not record_file(world).exists()


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--promote-if", "R2 >= 0.9"], "unknown metric 'R2'; the metrics are: Mean Absolute Error"),
        (["--promote-if", "Coefficient of Determination == 0.9"], "expected METRIC OP NUMBER"),
        (["--promote-if", "Coefficient of Determination >= nan"], "'nan' is not a finite number"),
        (["--promote-if", "Root Mean Squared Error < 1e999"], "'1e999' is not a finite number"),
        (["--promote-if-better", "Accuracy"], "unknown metric 'Accuracy'"),
        (["--metrics-file", "live.json"], "ends with .metrics.json"),
    ],
)
def test_a_bad_gate_is_refused_before_any_request(world, options, says):
    before = world.predict_file.read_bytes()

    refused = promote(world, *options, "--debug")

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert says in refused.stderr
    assert REQUEST.findall(refused.stderr) == []  # nothing sent: no job submitted
    assert world.predict_file.read_bytes() == before and not record_file(world).exists()


def test_promote_if_better_needs_a_place_for_the_live_models_metrics(world):
    refused = world.retrain("--promote-if-better", "Root Mean Squared Error", "--debug")
    counted = promote(world, "--promote-if-better", "Root Mean Squared Error", "--debug")

    assert (
        refused.exit_code == 2 and "--update-definition FILE" in refused.stderr and "--metrics-file" in refused.stderr
    )
    assert REQUEST.findall(refused.stderr) == []
    submitted = [path for method, path in REQUEST.findall(counted.stderr) if method == "POST" and "/jobs?" in path]
    assert len(submitted) == 1  # the same command with a place for them submits its one job


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"format": "mlws-metrics", "version": 1, "model": "m", "job": "j", "metrics": {"Root Mean Squared Error": '
         "NaN}}", "NaN"),
        ('{"format": "something else", "version": 1}', "not an mlws-metrics v1 record"),
        ('{"format": "mlws-metrics", "version": 1, "model": "m", "job": "j", "metrics": {"Accuracy": 0.9}}',
         "unknown metrics 'Accuracy'"),
    ],
)  # fmt: skip
def test_a_record_that_does_not_read_is_refused_before_any_request(world, text, says):
    record_file(world).write_text(text)
    before = world.predict_file.read_bytes()

    refused = promote(world, "--promote-if-better", "Root Mean Squared Error", "--debug")

    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert str(record_file(world)) in refused.stderr and says in refused.stderr
    assert REQUEST.findall(refused.stderr) == []
    assert world.predict_file.read_bytes() == before and record_file(world).read_text() == text


def test_the_environment_verbs_do_not_take_a_metrics_record_for_a_definition(tmp_path):
    from toolkit.environments import definitions_of

    folder = tmp_path / "definitions" / "dev"
    folder.mkdir(parents=True)
    for name in ("housing-predict.json", "housing-predict.metrics.json", "classic/rentalloc001.metrics.json"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("{}\n")

    assert definitions_of("dev", tmp_path) == [folder / "housing-predict.json"]
