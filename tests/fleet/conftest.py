"""A repository of one's own per test (mlws.yaml, definitions/ENV/ with the sample's training service and a template
made from its predictive service), fleet files written into it, and training data that differs per instance.

The data is exactly linear (no noise), each instance with its own coefficients: any subset of its rows fits to the
same model, so the expected scores (numpy least squares here, not the emulator's code) hold whether or not the
training honours the definition's Split Data step.
"""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.conftest import REPO
from tests.fixtures.classic_world import SAMPLE_STORAGE, TRAINED_MODEL
from tests.fixtures.fault_proxy import FaultProxy

ENVIRONMENT = "fleet"
FEATURES = ("rooms", "area_sqm", "age_years")
QUERY_ROWS = [{"rooms": 3, "area_sqm": 72.5, "age_years": 12}, {"rooms": 5, "area_sqm": 140.0, "age_years": 40}]
LOCATIONS = ("South Central US", "West Europe", "Southeast Asia", "Japan East", "East US 2", "West Central US")


def linear_csv(seed: int, rows: int = 40) -> str:
    """Housing rows whose price is exactly linear in the features, with coefficients of this seed's own."""
    generator = random.Random(seed)
    intercept, per_room, per_sqm, per_year = (generator.uniform(1e4, 9e4), generator.uniform(1e3, 2e4),
                                              generator.uniform(5e2, 5e3), -generator.uniform(1e2, 3e3))  # fmt: skip
    lines = [",".join((*FEATURES, "price"))]
    for _ in range(rows):
        rooms, area, age = generator.randint(1, 6), round(generator.uniform(30, 200), 1), generator.randint(0, 80)
        lines.append(f"{rooms},{area},{age},{intercept + per_room * rooms + per_sqm * area + per_year * age!r}")
    return "\n".join(lines) + "\n"


def noisy_csv(seed: int, spread: float, rows: int = 40) -> str:
    """linear_csv's rows with noise of standard deviation `spread` (seeded) added to each price: data no linear
    model explains, so its held-out metrics are far from perfect."""
    generator = random.Random(seed + 1000)
    header, *lines = linear_csv(seed, rows).splitlines()
    noisy = [line.rsplit(",", 1)[0] + f",{float(line.rsplit(',', 1)[1]) + generator.gauss(0, spread)!r}"
             for line in lines]  # fmt: skip
    return "\n".join([header, *noisy]) + "\n"


def expected_scores(csv_text: str, rows: list[dict[str, float]] = QUERY_ROWS) -> list[float]:
    """What least squares with an intercept, fitted here on `csv_text`, predicts for `rows`."""
    table = np.array(
        [[float(row[name]) for name in (*FEATURES, "price")] for row in csv.DictReader(io.StringIO(csv_text))]
    )
    design = np.column_stack([table[:, :3], np.ones(len(table))])
    solution, *_ = np.linalg.lstsq(design, table[:, 3], rcond=None)
    return [float(value) for value in np.array([[*(row[n] for n in FEATURES), 1.0] for row in rows]) @ solution]


@dataclass
class Repo:
    root: Path
    group: str
    mlws: Any
    env: dict[str, str]

    @property
    def folder(self) -> Path:
        return self.root / "definitions" / ENVIRONMENT

    @property
    def fleet_file(self) -> Path:
        return self.folder / "fleet.yaml"

    def run(self, *args: str, env: dict[str, str] | None = None):
        return self.mlws(*args, env={**self.env, **(env or {})}, cwd=self.root)

    def write_fleet(self, fleet: dict[str, Any] | str, name: str = "fleet.yaml") -> Path:
        path = self.folder / name
        path.write_text(fleet if isinstance(fleet, str) else yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
        return path

    def files(self) -> dict[str, bytes]:
        """Every file of the repository, by path: what a refused command must leave as it was."""
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*")) if p.is_file()}

    def definition(self, label: str) -> dict[str, Any]:
        return json.loads((self.folder / f"{label}.json").read_text(encoding="utf-8"))


def new_repo(
    root: Path, mlws, env: dict[str, str], storage: str = SAMPLE_STORAGE, samples: bool = True, **settings: str
) -> Repo:
    """A repository with environment `fleet` (mlws.yaml: its resource group and `settings`; no location, so each
    service is created where its file says) and, with `samples`, the sample training service's definition and a
    template made from the sample predictive one, their storage at `storage`."""
    group = f"rg-fleet-{uuid.uuid4().hex[:8]}"
    entry = {"subscription": env.get("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000"),
             "resourceGroup": group, **settings}  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    (root / "mlws.yaml").write_text(yaml.safe_dump({"environments": {ENVIRONMENT: entry}}), encoding="utf-8")
    folder = root / "definitions" / ENVIRONMENT
    folder.mkdir(parents=True)
    copied = (("housing-training", "housing-training.json"), ("housing-predict", "housing.template.json"))
    for source, target in copied if samples else ():
        text = (REPO / "definitions" / "dev" / f"{source}.json").read_text(encoding="utf-8")
        (folder / target).write_text(text.replace(SAMPLE_STORAGE, storage), encoding="utf-8")
    return Repo(root, group, mlws, env)


@pytest.fixture
def repo(tmp_path, mlws) -> Repo:
    """An offline repository (no services): for render."""
    return new_repo(tmp_path / "repo", mlws, {})


def template_model(repo: Repo) -> str:
    assets = json.loads((repo.folder / "housing.template.json").read_text())["properties"]["assets"]
    return next(asset["locationInfo"]["uri"] for asset in assets.values() if asset["name"] == TRAINED_MODEL)


def model_of(document: dict[str, Any]) -> str:
    """The trained model a rendered definition names (a New service's asset URI, a Classic endpoint's location)."""
    if "properties" in document:
        assets = document["properties"]["assets"].values()
        return next(asset["locationInfo"]["uri"] for asset in assets if asset["name"] == TRAINED_MODEL)
    location = next(r["Location"] for r in document["Resources"] if r["Name"] == TRAINED_MODEL)
    return location["BaseLocation"].rstrip("/") + "/" + location["RelativeLocation"]


@pytest.fixture
def trainable(tmp_path, mlws, emulator, azurite):
    """A repository on the shared emulator behind a proxy that records every request; only the training service
    exists (retraining writes files, it deploys nothing)."""
    with FaultProxy(emulator.url) as proxy:
        env = {**emulator.env(), "MLWS_ARM_ENDPOINT": proxy.url,
               "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string}  # fmt: skip
        repo = new_repo(tmp_path / "repo", mlws, env, storage=azurite.blob_endpoint)
        body = json.loads((repo.folder / "housing-training.json").read_text().replace("${MLWS_STORAGE_KEY}", "k"))
        path = (f"/subscriptions/{emulator.subscription}/resourceGroups/{repo.group}/providers/"
                "Microsoft.MachineLearning/webServices/housing-training?api-version=2017-01-01")  # fmt: skip
        assert emulator.call("PUT", path, body).status == 201
        yield repo, proxy


def write_fleet(
    repo, data: dict[str, str], stated: dict[str, dict] | None = None, training: dict[str, dict] | None = None
) -> None:
    """The fleet of `data`'s instances, each trained on its own CSV; `stated` and `training` add to an instance."""
    instances = []
    for name, text in data.items():
        (repo.folder / f"{name}.csv").write_text(text, encoding="utf-8")
        instances.append({"name": name, **(stated or {}).get(name, {}), "training": {
            "uploads": {"trainingData": f"{name}.csv"}, "outputs": {"model": f"models/{repo.group}/{name}.ilearner"},
            **(training or {}).get(name, {})}})  # fmt: skip
    repo.write_fleet({"version": 1, "template": "housing.template.json", "training": {"service": "housing-training"},
                      "instances": instances})  # fmt: skip


def jobs_started(proxy) -> int:
    return proxy.count("POST", r"/jobs/[0-9a-f]{32}/start$")
