"""`mlws fleet retrain --promote-if`: each instance's model is judged by the gates on its own held-out metrics. One
instance trained on noisy data is refused (its row says by how much, exit 4, its file and metrics record byte for
byte as they were) while the others are promoted, their records rewritten. Expected metrics come from numpy on the
same rows (tests/retrain/least_squares.py), not from the emulator's code."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.fleet.conftest import jobs_started, linear_csv, model_of, noisy_csv, write_fleet
from tests.retrain.least_squares import HOUSING_SPLIT, expected_metrics

NAMES = ["rental-001", "rental-002", "rental-003", "rental-004"]
R2 = "Coefficient of Determination"
GATE = f"{R2} >= 0.99"


def fleet_with_outputs(repo, data: dict[str, str]) -> str:
    """The fleet of `data`, each instance's model and evaluation in blobs of this call's own; the call's id."""
    run = uuid.uuid4().hex[:8]
    outputs = {name: {"outputs": {"model": f"models/{run}/{name}.ilearner",
                                  "evaluation": f"models/{run}/{name}-evaluation.csv"}} for name in data}  # fmt: skip
    write_fleet(repo, data, training=outputs)
    return run


def record_of(repo, name: str):
    return repo.folder / f"{name}.metrics.json"


def test_a_gate_refuses_only_the_instance_trained_on_noisy_data(trainable):
    repo, proxy = trainable
    data = {name: linear_csv(index) for index, name in enumerate(NAMES)}
    data["rental-001"] = noisy_csv(seed=3, spread=2e4)
    noisy = expected_metrics(data["rental-001"], HOUSING_SPLIT)
    assert noisy[R2] < 0.99  # the data is as noisy as the test needs
    fleet_with_outputs(repo, data)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0
    first = repo.run("fleet", "retrain", repo.fleet_file)  # no gate: every model promoted and recorded
    assert first.exit_code == 0, first.stdout + first.stderr
    refused_before = {
        path: path.read_bytes() for path in (repo.folder / "rental-001.json", record_of(repo, "rental-001"))
    }
    run = fleet_with_outputs(repo, data)  # new blobs: a promotion shows in the file
    started = jobs_started(proxy)

    gated = repo.run("fleet", "retrain", repo.fleet_file, "--promote-if", GATE, "--parallel", "1", "-o", "json")

    assert gated.exit_code == 4, gated.stdout + gated.stderr
    rows = {row["service"]: row for row in gated.json()["result"]["services"]}
    assert list(rows) == NAMES and jobs_started(proxy) - started == 4  # the refusal stopped no job
    refused = rows["rental-001"]
    assert refused["action"] == "retrain" and refused["exitCode"] == 4 and refused["model"] is None
    said = re.fullmatch(rf"refused: {R2} (\S+) fails >= 0\.99 by (\S+)", refused["result"])
    assert said, refused["result"]
    assert float(said.group(1)) == pytest.approx(noisy[R2], abs=1e-5)
    assert float(said.group(2)) == pytest.approx(0.99 - noisy[R2], abs=1e-5)
    assert refused["metricsFile"] is None and not refused["gates"][0]["passed"]
    assert {path: path.read_bytes() for path in refused_before} == refused_before
    for name in NAMES[1:]:
        row, record = rows[name], json.loads(record_of(repo, name).read_text(encoding="utf-8"))
        expected = expected_metrics(data[name], HOUSING_SPLIT)
        assert row["exitCode"] == 0 and row["gates"][0]["passed"], row
        assert model_of(repo.definition(name)) == row["model"] == record["model"]
        assert row["model"].endswith(f"/models/{run}/{name}.ilearner")
        assert row["metricsFile"] == str(record_of(repo, name)) and record["job"] == row["jobId"]
        assert record["rows"] == expected["Rows"] == 8
        assert record["metrics"] == pytest.approx({metric: expected[metric] for metric in record["metrics"]}, abs=1e-3)
        assert len(record["metrics"]) == 5 and expected[R2] == pytest.approx(1.0)  # exactly linear: a perfect fit


def test_the_batch_exits_with_its_worst_row_an_error_over_a_refusal(trainable):
    repo, _proxy = trainable
    data = {"rental-001": noisy_csv(seed=3, spread=2e4), "rental-002": linear_csv(1).replace("price", "cost"),
            "rental-003": linear_csv(2)}  # refused, failed (no label column), promoted  # fmt: skip
    fleet_with_outputs(repo, data)
    assert repo.run("fleet", "render", repo.fleet_file).exit_code == 0

    retrained = repo.run("fleet", "retrain", repo.fleet_file, "--promote-if", GATE, "--keep-going", "-o", "json")

    assert retrained.exit_code == 1, retrained.stdout + retrained.stderr
    codes = {row["service"]: row["exitCode"] for row in retrained.json()["result"]["services"]}
    assert codes == {"rental-001": 4, "rental-002": 1, "rental-003": 0}
    assert not record_of(repo, "rental-001").exists() and record_of(repo, "rental-003").is_file()
