"""A throwaway repository per test: definitions/dev/<service>.json and an mlws.yaml pointing at the emulator."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from toolkit.definition import resolve_placeholders

# Known secret values: every test that shows output greps for them.
STORAGE_KEY = "e2e-storage-key-Zm9vYmFyYmF6cXV1eA=="
PRIMARY_KEY = "e2e-primary-key-4f1c2d3e"
SAS_SIGNATURE = "e2eSASsignature0123456789abcdef%3D"
SECRETS = (STORAGE_KEY, PRIMARY_KEY, SAS_SIGNATURE)


@dataclass
class Workspace:
    root: Path
    name: str
    resource_group: str
    env: dict[str, str]
    emulator: Any

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


@pytest.fixture
def workspace(tmp_path, emulator, monkeypatch) -> Workspace:
    """The project's example predictive service, to be deployed under a unique name in its own resource group."""
    return make_workspace(tmp_path, emulator, monkeypatch)


@pytest.fixture
def faulty_workspace(tmp_path, start_emulator, monkeypatch):
    """A workspace on an emulator of its own, started with EmulatorConfig fields (faults, throttling)."""
    return lambda **config: make_workspace(tmp_path, start_emulator(**config), monkeypatch)


def make_workspace(tmp_path: Path, emulator, monkeypatch) -> Workspace:
    name = f"housing-{uuid.uuid4().hex[:8]}"
    group = f"rg-{uuid.uuid4().hex[:8]}"
    source = REPO / "definitions" / "dev" / "housing-predict.json"
    target = tmp_path / "definitions" / "dev" / f"{name}.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())
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
    return Workspace(tmp_path, name, group, env, emulator)
