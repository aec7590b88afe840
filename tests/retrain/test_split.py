"""The emulator's training honours the training graph's Split Data step: the model is fitted on the first output's
rows and evaluated on the held-out rows, by the node's parameters (each overridden by a global parameter linked to
it). The expected metrics are computed here with numpy, on the rows the emulator's documented rule picks
(tests/retrain/least_squares.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.retrain import housing_data
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics
from toolkit.evaluation import METRICS

FRACTION = "Fraction of rows in the first output dataset"


def training_document(azurite) -> dict:
    text = (REPO / "definitions" / "dev" / "housing-training.json").read_text()
    return json.loads(text.replace("${MLWS_STORAGE_KEY}", azurite.account_key))


def split_node(document: dict) -> tuple[str, dict]:
    """The Split Data node, found by its module's name."""
    properties = document["properties"]
    split_asset = next(key for key, asset in properties["assets"].items() if asset["name"] == "Split Data")
    return next(
        (key, node) for key, node in properties["package"]["nodes"].items() if node.get("assetId") == split_asset
    )


def replace_training_service(world, emulator, document: dict) -> None:
    path = (
        f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
        f"/providers/Microsoft.MachineLearning/webServices/{world.training}?api-version=2017-01-01"
    )
    answer = emulator.call("PUT", path, document)
    assert answer.status in (200, 201), answer.body


def evaluation_of(run) -> dict[str, str]:
    assert run.exit_code == 0, run.stdout + run.stderr
    (row,) = run.json()["result"]["evaluation"]["evaluation"]
    return row


def assert_metrics(row: dict[str, str], expected: dict[str, float]) -> None:
    assert list(row)[: len(METRICS)] == list(METRICS)  # Evaluate Model's names and order
    for name in METRICS:
        assert float(row[name]) == pytest.approx(expected[name], rel=1e-5), name
    assert int(row["Rows"]) == expected["Rows"]


def test_the_evaluation_is_measured_on_the_held_out_rows(world):
    first = evaluation_of(world.retrain("-o", "json", version="v2"))
    again = evaluation_of(world.retrain("-o", "json", version="v2"))

    assert_metrics(first, expected_metrics(housing_data.csv_text("v2"), HOUSING_SPLIT))
    assert first["Rows"] == "40" and first["Evaluated On"] == "held-out rows"  # 200 rows, 0.8 of them to train on
    assert again == first  # the same seed splits the same rows
    on_every_row = expected_metrics(housing_data.csv_text("v2"), None)
    assert float(first["Root Mean Squared Error"]) != pytest.approx(on_every_row["Root Mean Squared Error"], rel=1e-3)


def test_without_a_split_step_it_trains_and_evaluates_on_every_row(world, emulator, azurite):
    document = training_document(azurite)
    package = document["properties"]["package"]
    split_id, _ = split_node(document)
    source = next(edge["sourceNodeId"] for edge in package["edges"] if edge["targetNodeId"] == split_id)
    del package["nodes"][split_id]
    package["edges"] = [
        {**edge, "sourceNodeId": source} if edge["sourceNodeId"] == split_id else edge
        for edge in package["edges"]
        if edge["targetNodeId"] != split_id
    ]
    replace_training_service(world, emulator, document)

    row = evaluation_of(world.retrain("-o", "json", version="v2"))

    assert_metrics(row, expected_metrics(housing_data.csv_text("v2"), None))
    assert row["Rows"] == "200" and row["Evaluated On"] == "training rows"


def test_global_parameters_linked_to_the_split_override_its_node(world, emulator, azurite):
    document = training_document(azurite)
    split_id, _ = split_node(document)
    graph = document["properties"]["package"]["graphParameters"]
    graph["Training fraction"] = {"type": "String", "links": [{"nodeId": split_id, "parameterKey": FRACTION}]}
    graph["Split seed"] = {"type": "String", "links": [{"nodeId": split_id, "parameterKey": "Random seed"}]}
    document["properties"]["parameters"]["Split seed"] = {"value": "7"}  # the service's default for it
    replace_training_service(world, emulator, document)

    by_default = evaluation_of(world.retrain("-o", "json", version="v2"))
    given = evaluation_of(world.retrain("--global-param", "Training fraction=0.5", "-o", "json", version="v2"))

    text = housing_data.csv_text("v2")
    assert_metrics(by_default, expected_metrics(text, ("0.8", 7)))  # the node's fraction, the service's seed
    assert_metrics(given, expected_metrics(text, ("0.5", 7)))  # the request's fraction
    assert given["Rows"] == "100"


@pytest.mark.parametrize(
    ("parameter", "value", "says"),
    [
        (FRACTION, "1.5", "between 0 and 1"),
        (FRACTION, "0", "between 0 and 1"),
        (FRACTION, "NaN", "between 0 and 1"),
        ("Random seed", "-3", "whole number"),
        ("Splitting mode", "Regular Expression", "'Split Rows' only"),
        ("Randomized split", "perhaps", "True or False"),
    ],
)
def test_a_split_the_emulator_cannot_follow_fails_the_job(world, emulator, azurite, parameter, value, says):
    document = training_document(azurite)
    _, node = split_node(document)
    node["parameters"][parameter] = {"value": value, "certificateThumbprint": ""}
    replace_training_service(world, emulator, document)
    before = world.predict_file.read_bytes()

    failed = world.retrain("--update-definition", str(world.predict_file), "--asset", "Housing Price [trained model]")

    assert failed.exit_code == 1
    assert "ended Failed" in failed.stderr
    assert f"{parameter!r} is {value!r}" in failed.stderr and says in failed.stderr
    assert world.predict_file.read_bytes() == before


def test_a_split_leaving_too_few_rows_to_train_on_fails_the_job(world):
    data = world.workdir / "tiny.csv"
    data.write_text(housing_data.csv_text("v1", 4))  # floor(0.8 * 4) = 3 rows for 3 features and an intercept

    failed = world.run("retrain", "-n", world.training, "-g", world.group, "--upload", f"trainingData={data}")

    assert failed.exit_code == 1 and "ended Failed" in failed.stderr
    assert "leaves 3 of the 4 rows to train on, too few for 3 features and an intercept" in failed.stderr
