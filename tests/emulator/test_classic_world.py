"""What the Classic tests share (no tests here): a seeded Classic workspace on the emulator and Azurite.

`seed(emulator, azurite)` makes, through the emulator's seeding routes, a workspace with two web services built
from the sample definitions: "Housing Price [predictive exp.]" (its trained model, models/housing-v0.ilearner in
Azurite, trained on housing data v1) and "Housing Price [training]" (BES trains on a CSV and writes an .ilearner).
`ClassicWorld` then speaks the management API and each endpoint's runtime over real HTTP.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import REFERENCE, REPO
from tests.fixtures.azurite import Azurite
from tests.fixtures.emulator import Reply, RunningEmulator
from tests.retrain import housing_data
from tests.retrain.least_squares import expected_prices
from toolkit import storage
from toolkit.emulator.training import train

CLASSIC_REFERENCE = REFERENCE / "classic-endpoints"
SAMPLE_STORAGE = "http://127.0.0.1:10000/devstoreaccount1"  # what definitions/dev/ names
STARTING_MODEL = "models/housing-v0.ilearner"
TRAINED_MODEL = "Housing Price [trained model]"
ROWS = [{"rooms": 3, "area_sqm": 72.5, "age_years": 12}, {"rooms": 5, "area_sqm": 140.0, "age_years": 40}]


@functools.cache
def model_bytes(version: str) -> bytes:
    """A real .ilearner trained on housing data `version` (v1 and v2 predict differently)."""
    return train(housing_data.csv_text(version).encode(), f"housing-{version}.csv", "price")[0].to_bytes()


def definition(name: str, azurite: Azurite) -> dict[str, Any]:
    """A sample definition (definitions/dev/NAME.json) with its storage on this Azurite and the key resolved."""
    text = (REPO / "definitions" / "dev" / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(
        text.replace(SAMPLE_STORAGE, azurite.blob_endpoint).replace("${MLWS_STORAGE_KEY}", azurite.account_key)
    )


def reference(name: str) -> dict[str, Any]:
    return json.loads((CLASSIC_REFERENCE / name).read_text(encoding="utf-8-sig"))


def seed_workspace(emulator: RunningEmulator, tier: str = "Standard") -> tuple[str, list[str]]:
    workspace = uuid.uuid4().hex
    answer = emulator.call(
        "PUT", f"/_emulator/classic/workspaces/{workspace}", {"Name": "housing", "Tier": tier}, token=None
    )
    assert answer.status == 201, answer.body
    tokens = answer.body["AuthorizationToken"]
    return workspace, [tokens["PrimaryToken"], tokens["SecondaryToken"]]


def seed_service(
    emulator: RunningEmulator, workspace: str, name: str, document: dict[str, Any], service: str | None = None
) -> str:
    """Publish (or, with the id of one, republish) a web service; its id."""
    service = service or uuid.uuid4().hex
    answer = emulator.call(
        "PUT",
        f"/_emulator/classic/workspaces/{workspace}/webservices/{service}",
        {"Name": name, "Definition": document},
        token=None,
    )
    assert answer.status in (200, 201), answer.body
    return service


@dataclass
class ClassicWorld:
    emulator: RunningEmulator
    azurite: Azurite
    workspace: str
    tokens: list[str]  # the workspace's authorization tokens: primary, secondary
    scoring: str  # the predictive web service's id
    training: str

    @property
    def account(self) -> storage.Account:
        return storage.parse_connection_string(self.azurite.connection_string)

    def management(self, method: str, path: str = "", body: Any = None, *, token: str | None = None, **kw) -> Reply:
        """A management call under /workspaces/{ws}/webservices, with the primary workspace token by default."""
        target = f"/workspaces/{self.workspace}/webservices{path}"
        return self.emulator.call(method, target, body, token=token or self.tokens[0], **kw)

    def endpoint_path(self, name: str = "", service: str | None = None) -> str:
        return f"/{service or self.scoring}/endpoints" + (f"/{name}" if name else "")

    def endpoint(self, name: str, service: str | None = None) -> dict[str, Any]:
        answer = self.management("GET", self.endpoint_path(name, service))
        assert answer.status == 200, answer.body
        return answer.body

    def add_endpoint(self, name: str | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new endpoint of the predictive service (a unique name by default); its Endpoint."""
        name = name or f"ep-{uuid.uuid4().hex[:8]}"
        answer = self.management("PUT", self.endpoint_path(name), body or {"Description": name})
        assert answer.status == 200, answer.body
        return answer.body

    def patch(self, name: str, body: dict[str, Any], *, token: str | None = None, service: str | None = None) -> Reply:
        return self.management("PATCH", self.endpoint_path(name, service), body, token=token)

    def refresh(self, name: str, body: Any = None) -> Reply:
        return self.management("POST", self.endpoint_path(name) + "/refresh", body)

    def put_model(self, version: str, data: bytes | None = None) -> dict[str, str]:
        """Put a model trained on `version` (or `data`) at a new blob; its Location, with a read SAS as a portal
        would give it."""
        relative = f"models/classic-{uuid.uuid4().hex[:8]}-{version}.ilearner"
        storage.upload(self.account, relative, data if data is not None else model_bytes(version))
        sas = storage.read_sas(self.account, relative, timedelta(hours=1))
        return {"BaseLocation": self.account.base_location, "RelativeLocation": relative, "SasBlobToken": sas}

    def runtime(
        self, endpoint: dict[str, Any], method: str, suffix: str, body: Any = None, *, key: str | None = None
    ) -> Reply:
        """A call to an endpoint's runtime: `{ApiLocation}{suffix}?api-version=2.0`, with its primary key by default."""
        separator = "&" if "?" in suffix else "?"
        path = urlsplit(endpoint["ApiLocation"]).path + suffix + f"{separator}api-version=2.0"
        return self.emulator.call(method, path, body, token=key or endpoint["PrimaryKey"])

    def score(self, endpoint: dict[str, Any], rows: list[dict[str, float]] = ROWS) -> list[float]:
        """RRS (table format) on `rows`: the Scored Labels."""
        columns = list(rows[0])
        body = {"Inputs": {"input1": {"ColumnNames": columns, "Values": [[row[c] for c in columns] for row in rows]}},
                "GlobalParameters": {}}  # fmt: skip
        answer = self.runtime(endpoint, "POST", "/execute", body)
        assert answer.status == 200, answer.body
        value = answer.body["Results"]["output1"]["value"]
        return [float(row[value["ColumnNames"].index("Scored Labels")]) for row in value["Values"]]


def prices(version: str) -> list[float]:
    """What a model trained on housing data `version` must predict for ROWS (fitted by the tests, not the emulator)."""
    return expected_prices(version, ROWS)


def model_patch(location: dict[str, Any], name: str = TRAINED_MODEL) -> dict[str, Any]:
    """The Update Resource body AzureMLPS's Patch-AmlWebServiceEndpoint sends."""
    return {"Resources": [{"Name": name, "Location": location}]}


def seed(emulator: RunningEmulator, azurite: Azurite, tier: str = "Standard") -> ClassicWorld:
    storage.upload(storage.parse_connection_string(azurite.connection_string), STARTING_MODEL, model_bytes("v1"))
    workspace, tokens = seed_workspace(emulator, tier)
    scoring = seed_service(
        emulator, workspace, "Housing Price [predictive exp.]", definition("housing-predict", azurite)
    )
    training = seed_service(emulator, workspace, "Housing Price [training]", definition("housing-training", azurite))
    return ClassicWorld(emulator, azurite, workspace, tokens, scoring, training)
