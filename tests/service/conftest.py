"""A throwaway repository per test: definitions/dev/<service>.json and an mlws.yaml pointing at the emulator."""

from __future__ import annotations

import functools
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.fixtures.azurite import DEV_ACCOUNT_KEY
from toolkit.definition import resolve_placeholders

# Known secret values: every test that shows output greps for them. The storage key is the one the services'
# storage account (Azurite's development account) really has: mlws reads the trained models with it.
STORAGE_KEY = DEV_ACCOUNT_KEY
PRIMARY_KEY = "e2e-primary-key-4f1c2d3e"
SECRETS = (STORAGE_KEY, PRIMARY_KEY)


SAMPLE_STORAGE = "http://127.0.0.1:10000/devstoreaccount1"  # what definitions/dev/ names (make services-start)
TRAINED_MODEL = "Housing Price [trained model]"


@dataclass
class Workspace:
    root: Path
    name: str
    resource_group: str
    env: dict[str, str]
    emulator: Any
    azurite: Any

    uploaded: set[str] = field(default_factory=set)

    def model(self, name: str) -> str:
        """The URI of a trained model `models/<name>.ilearner`, put into the workspace's storage the first time."""
        from toolkit import storage

        if name not in self.uploaded:
            account = storage.parse_connection_string(self.azurite.connection_string)
            storage.upload(account, f"models/{name}.ilearner", trained_model())
            self.uploaded.add(name)
        return f"{self.azurite.blob_endpoint}/models/{name}.ilearner"

    def point_at(self, mlws, uri: str) -> str:
        """Point the definition's trained model at `uri` with `mlws edit -i`; returns `uri`."""
        edited = mlws("edit", self.definition, "--asset", TRAINED_MODEL, "--uri", uri, "-i")
        assert edited.exit_code == 0, edited.stderr
        return uri

    def swap_model(self, mlws, name: str) -> str:
        """Point the definition at models/<name>.ilearner, put into storage first; returns its URI."""
        return self.point_at(mlws, self.model(name))

    def live_model(self, document: dict | None = None) -> str:
        """The trained model's URI in `document` (default: the live service)."""
        assets = (document or self.live())["properties"]["assets"]
        return next(a["locationInfo"]["uri"] for a in assets.values() if a["name"] == TRAINED_MODEL)

    def model_sas(self, name: str) -> str:
        """A read SAS query string (no "?") for the model `name`, signed by storage: as a portal would give it."""
        from datetime import timedelta

        from toolkit import storage

        self.model(name)
        account = storage.parse_connection_string(self.azurite.connection_string)
        return storage.read_sas(account, f"models/{name}.ilearner", timedelta(hours=1)).lstrip("?")

    @property
    def service_path(self) -> str:
        return (
            f"/subscriptions/{self.emulator.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.MachineLearning/webServices/{self.name}?api-version=2017-01-01"
        )

    def deploy(self) -> None:
        """Create the service straight on the emulator (tests of other commands need not pay for `mlws new`)."""
        body = resolve_placeholders(self.document(), self.env)
        assert self.emulator.call("PUT", self.service_path, body).status in (200, 201)
        deadline = time.monotonic() + 5
        while self.live()["properties"]["provisioningState"] == "Provisioning" and time.monotonic() < deadline:
            time.sleep(0.02)

    def live(self) -> dict:
        return self.emulator.call("GET", self.service_path).body

    @property
    def definition(self) -> Path:
        return self.root / "definitions" / "dev" / f"{self.name}.json"

    def document(self) -> dict:
        return json.loads(self.definition.read_text(encoding="utf-8"))


@functools.cache
def trained_model() -> bytes:
    """A real .ilearner (the emulator's format), trained once on the v1 housing data."""
    from tests.retrain import housing_data
    from toolkit.emulator.training import train

    return train(housing_data.csv_text("v1").encode("utf-8"), "housing-v1.csv", "price")[0].to_bytes()


@pytest.fixture
def workspace(tmp_path, emulator, azurite, monkeypatch) -> Workspace:
    """The project's example predictive service, to be deployed under a unique name in its own resource group."""
    return make_workspace(tmp_path, emulator, azurite, monkeypatch)


@pytest.fixture
def faulty_workspace(tmp_path, start_emulator, azurite, monkeypatch):
    """A workspace on an emulator of its own, started with EmulatorConfig fields (faults, throttling)."""
    return lambda **config: make_workspace(tmp_path, start_emulator(**config), azurite, monkeypatch)


def make_workspace(tmp_path: Path, emulator, azurite, monkeypatch) -> Workspace:
    """The sample definition, its storage re-pointed at this session's Azurite, which holds its starting model."""
    name = f"housing-{uuid.uuid4().hex[:8]}"
    group = f"rg-{uuid.uuid4().hex[:8]}"
    source = REPO / "definitions" / "dev" / "housing-predict.json"
    target = tmp_path / "definitions" / "dev" / f"{name}.json"
    target.parent.mkdir(parents=True)
    target.write_text(
        source.read_text(encoding="utf-8").replace(SAMPLE_STORAGE, azurite.blob_endpoint), encoding="utf-8"
    )
    (tmp_path / "mlws.yaml").write_text(
        "environments:\n"
        f"  dev:\n    subscription: {emulator.subscription}\n    resourceGroup: {group}\n"
        "    location: South Central US\n",
        encoding="utf-8",
    )
    # MLWS_ENVIRONMENT selects the mlws.yaml entry for commands given only -n/-g (no file to take it from).
    env = {"MLWS_ARM_ENDPOINT": emulator.url, "MLWS_STORAGE_KEY": STORAGE_KEY, "MLWS_ENVIRONMENT": "dev"}
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(tmp_path, name, group, env, emulator, azurite)
    workspace.model("housing-v0")
    return workspace
