"""`mlws classic retrain` takes the same gates as `mlws retrain`: a failing gate leaves the predictive endpoint
unpatched (read back) and its file and metrics record byte-identical, exit 4; a passing one patches and records the
metrics in --metrics-file. Expected metrics come from numpy on the same rows (tests/retrain/least_squares.py)."""

from __future__ import annotations

import json
import re

import pytest

from tests.classic.test_retrain import jobs_of_training, retrain_args
from tests.retrain import housing_data
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics

V2 = expected_metrics(housing_data.csv_text("v2"), HOUSING_SPLIT)


@pytest.fixture
def storage_env(world):
    return {"AZURE_STORAGE_CONNECTION_STRING": world.azurite.connection_string}


def test_a_failing_gate_leaves_the_endpoint_unpatched(classic, world, training_data, storage_env, tmp_path):
    world.add_endpoint("rentalloc301")
    before = world.endpoint("rentalloc301")["Resources"]
    record = tmp_path / "rentalloc301.metrics.json"

    refused = classic(*retrain_args(world, "rentalloc301", training_data, "--metrics-file", record,
                                    "--promote-if", "Coefficient of Determination > 1"), env=storage_env)  # fmt: skip

    assert refused.exit_code == 4, refused.stdout + refused.stderr
    assert world.endpoint("rentalloc301")["Resources"] == before  # read back: not patched
    assert not record.exists()
    said = re.search(r"not promoted: Coefficient of Determination \S+ fails > 1 by (\S+);", refused.stdout)
    assert said, refused.stdout
    assert float(said.group(1)) == pytest.approx(1 - V2["Coefficient of Determination"], abs=1e-5)
    assert "models/rentalloc301.ilearner for inspection" in refused.stdout


def test_a_passing_gate_patches_the_endpoint_and_records_its_metrics(
    classic, world, training_data, storage_env, tmp_path
):
    world.add_endpoint("rentalloc302")
    record = tmp_path / "rentalloc302.metrics.json"

    done = classic(*retrain_args(world, "rentalloc302", training_data, "--metrics-file", record,
                                 "--promote-if", "relative squared error <= 0.01"), env=storage_env)  # fmt: skip

    assert done.exit_code == 0, done.stdout + done.stderr
    location = world.endpoint("rentalloc302")["Resources"][0]["Location"]
    assert location["RelativeLocation"] == "models/rentalloc302.ilearner"
    written = json.loads(record.read_text(encoding="utf-8"))
    assert written["model"] == location["BaseLocation"].rstrip("/") + "/" + location["RelativeLocation"]
    assert written["metrics"] == pytest.approx({name: V2[name] for name in written["metrics"]}, rel=1e-5)
    assert written["rows"] == 40 and "sig=" not in record.read_text()


def test_promote_if_better_on_a_live_patch_needs_a_metrics_file(classic, world, training_data, storage_env):
    world.add_endpoint("rentalloc303")
    before = jobs_of_training(world)

    refused = classic(*retrain_args(world, "rentalloc303", training_data, "--keep-job",
                                    "--promote-if-better", "Root Mean Squared Error"), env=storage_env)  # fmt: skip

    assert refused.exit_code == 2 and "--metrics-file" in refused.stderr
    assert jobs_of_training(world) == before  # no job submitted (--keep-job would have kept it)


def test_a_better_live_model_keeps_the_endpoint_file_and_its_record(
    classic, world, training_data, storage_env, tmp_path
):
    world.add_endpoint("rentalloc304")
    file = tmp_path / "rentalloc304.json"
    assert classic("endpoint", "export", "-s", world.scoring, "-n", "rentalloc304", "-f", file).exit_code == 0
    location = json.loads(file.read_text())["Resources"][0]["Location"]
    live_model = location["BaseLocation"].rstrip("/") + "/" + location["RelativeLocation"]
    record = tmp_path / "rentalloc304.metrics.json"
    record.write_text(json.dumps({
        "format": "mlws-metrics", "version": 1, "model": live_model, "job": "0" * 32, "rows": 40,
        "evaluatedOn": "held-out rows", "metrics": {"Root Mean Squared Error": V2["Root Mean Squared Error"] / 2},
    }, indent=2) + "\n")  # fmt: skip
    before = file.read_bytes(), record.read_bytes(), world.endpoint("rentalloc304")["Resources"]

    refused = classic(*retrain_args(world, "rentalloc304", training_data, "--update-definition", file,
                                    "--promote-if-better", "Root Mean Squared Error"), env=storage_env)  # fmt: skip

    assert refused.exit_code == 4, refused.stdout + refused.stderr
    assert (file.read_bytes(), record.read_bytes(), world.endpoint("rentalloc304")["Resources"]) == before
    said = re.search(r"Root Mean Squared Error \S+ is worse by (\S+) than the live model's", refused.stdout)
    assert said, refused.stdout
    assert float(said.group(1)) == pytest.approx(V2["Root Mean Squared Error"] / 2, rel=1e-4)
