"""A retraining world per test: the shared emulator and Azurite, copies of the housing definitions in
a temp dir, and both services (training, predictive) created there under unique names."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.retrain import housing_data

TRAINING_ASSET = "Housing Price [trained model]"


@dataclass
class World:
    mlws: object
    env: dict[str, str]
    group: str
    training: str
    predict: str
    predict_file: Path
    workdir: Path
    connection_string: str

    def run(self, *args: str, env: dict[str, str] | None = None):
        return self.mlws(*args, env={**self.env, **(env or {})})

    def upload(self, location: str, data: bytes) -> None:
        from toolkit import storage

        storage.upload(storage.parse_connection_string(self.connection_string), location, data)

    def retrain(self, *extra: str, version: str = "v1", env: dict[str, str] | None = None):
        """Train on housing data `version` (uploaded first) into models/<unique>.ilearner."""
        data = self.workdir / f"{version}.csv"
        data.write_text(housing_data.csv_text(version))
        model = f"models/{uuid.uuid4().hex[:8]}-{version}.ilearner"
        return self.run(
            "retrain", "-n", self.training, "-g", self.group,
            "--upload", f"trainingData={data}", "--output-blob", f"model={model}",
            "--output-blob", f"evaluation=models/{uuid.uuid4().hex[:8]}-{version}-evaluation.csv",
            *extra, env=env,
        )  # fmt: skip


@pytest.fixture
def world(mlws, emulator, azurite, tmp_path) -> World:
    suffix = uuid.uuid4().hex[:8]
    env = {
        **emulator.env(),
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
        "MLWS_STORAGE_KEY": azurite.account_key,
    }
    world = World(
        mlws=mlws,
        env=env,
        group=f"rg-retrain-{suffix}",
        training=f"housing-training-{suffix}",
        predict=f"housing-predict-{suffix}",
        predict_file=tmp_path / "housing-predict.json",
        workdir=tmp_path,
        connection_string=azurite.connection_string,
    )
    training_file = tmp_path / "housing-training.json"
    shutil.copy(REPO / "definitions" / "dev" / "housing-training.json", training_file)
    shutil.copy(REPO / "definitions" / "dev" / "housing-predict.json", world.predict_file)
    # Created straight through the provider API (no waiting on the operation): `mlws new` has its own tests.
    for name, file in ((world.training, training_file), (world.predict, world.predict_file)):
        body = json.loads(file.read_text().replace("${MLWS_STORAGE_KEY}", azurite.account_key))
        path = (
            f"/subscriptions/{emulator.subscription}/resourceGroups/{world.group}"
            f"/providers/Microsoft.MachineLearning/webServices/{name}?api-version=2017-01-01"
        )
        assert emulator.call("PUT", path, body).status == 201
    return world
