"""Export keeps the write-only fields GET never returns (keys, storageAccount.key, commitmentPlan) as placeholders,
so `make export` of an unchanged service leaves the committed file as it is, and an export deploys as it stands."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import REPO
from tests.retrain import housing_data as housing
from tests.retrain.least_squares import expected_prices
from tests.service.conftest import PRIMARY_KEY, SAMPLE_STORAGE, STORAGE_KEY, TRAINED_MODEL

COMMITTED = REPO / "definitions" / "dev" / "housing-predict.json"


def test_export_of_an_unchanged_service_gives_the_committed_file_byte_for_byte(mlws, workspace):
    workspace.deploy()  # created from a copy of definitions/dev/housing-predict.json

    exported = mlws("export", "-n", workspace.name, "-f", workspace.definition, "--yes", "-o", "json")

    assert exported.exit_code == 0, exported.stderr
    assert exported.json()["result"]["written"] is False
    committed = COMMITTED.read_text(encoding="utf-8").replace(SAMPLE_STORAGE, workspace.azurite.blob_endpoint)
    assert workspace.definition.read_text(encoding="utf-8") == committed  # only the storage endpoint re-pointed


def test_export_to_a_new_file_has_the_storage_key_placeholder(mlws, workspace):
    workspace.deploy()
    target = workspace.root / "new.json"

    exported = mlws("export", "-n", workspace.name, "-f", target)

    assert exported.exit_code == 0, exported.stderr
    storage = json.loads(target.read_text())["properties"]["storageAccount"]
    # The storage key's documented placeholder (README, "Placeholder names"), with the account the sample names.
    assert storage == {"name": "devstoreaccount1", "key": "${MLWS_STORAGE_KEY}"}
    assert "MLWS_STORAGE_KEY" in exported.stdout  # the user is told what to set before deploying
    assert STORAGE_KEY not in target.read_text() + exported.stdout


def test_write_only_fields_are_carried_over_as_written_and_literal_secrets_never(mlws, workspace):
    workspace.deploy()
    document = workspace.document()
    document["properties"]["keys"] = {"primary": PRIMARY_KEY, "secondary": "${PROD_SECONDARY_KEY}"}
    document["properties"]["storageAccount"]["key"] = STORAGE_KEY
    document["properties"]["commitmentPlan"] = {"id": "/subscriptions/s/resourceGroups/g/commitmentPlans/p"}
    workspace.definition.write_text(json.dumps(document, indent=2), encoding="utf-8")

    exported = mlws("export", "-n", workspace.name, "-f", workspace.definition, "--yes")

    assert exported.exit_code == 0, exported.stderr
    text = workspace.definition.read_text()
    assert PRIMARY_KEY not in text and STORAGE_KEY not in text
    written = json.loads(text)["properties"]
    # Literal secrets become their documented placeholders (README, "Placeholder names"); a placeholder is kept as
    # written, and the commitment plan (no secret) as it is.
    assert written["keys"] == {"primary": "${MLWS_PRIMARY_KEY}", "secondary": "${PROD_SECONDARY_KEY}"}
    assert written["storageAccount"] == {"name": "devstoreaccount1", "key": "${MLWS_STORAGE_KEY}"}
    assert written["commitmentPlan"] == {"id": "/subscriptions/s/resourceGroups/g/commitmentPlans/p"}


def test_a_service_created_from_an_export_can_read_its_model(mlws, workspace, azurite, monkeypatch, tmp_path):
    """The storage key is what lets the service read its trained model: score through both services."""
    from toolkit import storage
    from toolkit.emulator import training

    model_location = f"models/{uuid.uuid4().hex[:8]}.ilearner"
    model, _ = training.train(housing.csv_text("v1").encode(), "v1.csv", "price")
    storage.upload(storage.parse_connection_string(azurite.connection_string), model_location, model.to_bytes())
    model_uri = f"{azurite.blob_endpoint}/{model_location}"
    assert mlws("edit", workspace.definition, "--asset", TRAINED_MODEL, "--uri", model_uri, "-i").exit_code == 0
    monkeypatch.setenv("MLWS_STORAGE_KEY", azurite.account_key)
    workspace.env["MLWS_STORAGE_KEY"] = azurite.account_key
    workspace.deploy()
    copy_name = f"{workspace.name}-copy"
    exported_file = workspace.definition.parent / f"{copy_name}.json"
    query = [dict(zip(housing.COLUMNS[:3], row[:3], strict=True)) for row in housing.rows("v2", 3)]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(query))

    exported = mlws("export", "-n", workspace.name, "-f", exported_file)
    created = mlws("new", "-f", exported_file)
    original = mlws("score", "-n", workspace.name, "--input", rows, "-o", "json")
    copied = mlws("score", "-n", copy_name, "--input", rows, "-o", "json")

    assert exported.exit_code == 0 and created.exit_code == 0, exported.stderr + created.stderr
    assert original.exit_code == 0, original.stdout
    assert copied.exit_code == 0, copied.stdout
    assert copied.json()["result"]["rows"] == original.json()["result"]["rows"]
    scored = [row["Scored Labels"] for row in copied.json()["result"]["rows"]]
    assert scored == pytest.approx(expected_prices("v1", query), rel=1e-6)  # the v1 model's answers
