"""The real definitions (PowerShell test data) and the spec examples, read in place from the reference folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.definition.conftest import POWERSHELL_DEFINITIONS
from toolkit.providers.new_webservice.definition import (
    canonical,
    dumps,
    find_secrets,
    load_file,
    load_text,
    normalise,
    validate,
)


def example_bodies(reference: Path) -> list[tuple[str, dict]]:
    """Every web-service body in the spec examples: request payloads and response bodies (list items too)."""
    bodies = []
    for path in sorted((reference / "rest-api" / "classic" / "examples").glob("*.json")):
        example = json.loads(path.read_text(encoding="utf-8"))
        for name, value in example["parameters"].items():
            if isinstance(value, dict) and "properties" in value:
                bodies.append((f"{path.name} parameters.{name}", value))
        for status, response in example["responses"].items():
            body = response.get("body")
            if isinstance(body, dict) and "properties" in body:
                bodies.append((f"{path.name} {status}", body))
            elif isinstance(body, dict) and isinstance(body.get("value"), list):
                bodies.extend((f"{path.name} {status} value[{i}]", item) for i, item in enumerate(body["value"]))
    return bodies


@pytest.mark.parametrize("name", POWERSHELL_DEFINITIONS)
def test_powershell_definition_fails_validation_naming_exactly_its_secrets(mlws, reference, name):
    run = mlws("validate", reference / "powershell" / name, "-o", "json")

    assert run.exit_code == 2
    problems = run.json()["result"]["files"][0]["problems"]
    assert [p["path"] for p in problems] == [
        "properties.keys.primary",
        "properties.keys.secondary",
        "properties.storageAccount.key",
    ]
    assert all("${MLWS_" in p["fix"] for p in problems)
    original = json.loads((reference / "powershell" / name).read_text(encoding="utf-8"))
    assert original["properties"]["keys"]["primary"] not in run.stdout


@pytest.mark.parametrize("name", POWERSHELL_DEFINITIONS)
def test_powershell_definition_validates_after_normalize(mlws, reference, tmp_path, name):
    copy = tmp_path / name
    shutil.copyfile(reference / "powershell" / name, copy)

    assert mlws("normalize", copy).exit_code == 0
    run = mlws("validate", copy)

    assert run.exit_code == 0, run.stdout
    assert "normalised" not in run.stdout  # the rewritten file is already canonical
    document = load_file(copy).document
    assert document["properties"]["keys"] == {"primary": "${MLWS_PRIMARY_KEY}", "secondary": "${MLWS_SECONDARY_KEY}"}


def test_prod_definition_pascal_case_is_read_and_user_keys_keep_their_spelling(reference):
    loaded = load_file(reference / "powershell" / "GraphWebServiceDefinition_Prod.json")
    properties = loaded.document["properties"]

    assert properties["assets"]["asset1"]["locationInfo"]["uri"].startswith("aml://module/")
    assert properties["package"]["nodes"]["node3"] == {"inputId": "input1"}
    assert properties["package"]["edges"][0]["targetPortId"] == "Dataset1"
    columns = properties["input"]["properties"]["input1"]["properties"]
    assert "State-gov" in columns and columns["State-gov"] == {"type": "String", "format": "", "x-ms-isnullable": False}
    node1 = properties["package"]["nodes"]["node1"]["parameters"]
    assert node1["Account Key"] == {
        "value": "ENCRYPTED_VALUE_1",
        "certificateThumbprint": "ENCRYPTED_CERTIFICATETHUMBPRINT_1",
    }
    renamed = {note.path for note in loaded.normalisations}
    assert "properties.Assets" in renamed and "properties.package.Nodes.node1.AssetId" not in renamed
    assert "properties.package.nodes.node1.AssetId" in renamed


def test_dogfood_old_style_parameters_are_wrapped_and_reported(reference):
    loaded = load_file(reference / "powershell" / "GraphWebServiceDefinition_Dogfood.json")
    properties = loaded.document["properties"]

    assert properties["parameters"]["category"] == {"value": "Trigonometric"}
    assert properties["package"]["nodes"]["node2"]["parameters"]["Category"] == {"value": "Trigonometric"}
    assert properties["readOnly"] is False and properties["exposeSampleData"] is True
    notes = {note.path: note.action for note in loaded.normalisations}
    assert "read as boolean" in notes["properties.readOnly"]
    assert "older api-version" in notes["properties.package.nodes.node2.parameters.Category"]


@pytest.mark.parametrize("name", POWERSHELL_DEFINITIONS)
def test_encrypted_parameter_values_round_trip_untouched(reference, tmp_path, name):
    loaded = load_file(reference / "powershell" / name)
    again = load_text(dumps(loaded.document)).document

    assert again == canonical(loaded.document)
    assert not any("ENCRYPTED" in json.dumps(s.to_json()) for s in find_secrets(loaded.document))


def test_every_spec_example_body_validates_and_round_trips(reference):
    bodies = example_bodies(reference)
    assert len(bodies) >= 8  # get, put (request + 200/201), patch (request + 200), two lists

    for name, body in bodies:
        document, _notes = normalise(body)
        # The put request carries a storage key (a secret, checked below); everything else must be clean.
        assert validate(document, secrets=False) == [], name
        assert load_text(dumps(document)).document == canonical(document), name
        assert dumps(load_text(dumps(document)).document) == dumps(document), name


def test_spec_examples_hold_no_secret_but_the_put_storage_key(reference):
    found = {
        name: [secret.path for secret in find_secrets(normalise(body)[0])] for name, body in example_bodies(reference)
    }

    assert {name: paths for name, paths in found.items() if paths} == {
        "putWebService.json parameters.createOrUpdatePayload": ["properties.storageAccount.key"]
    }


def test_read_only_fields_of_a_get_body_are_dropped_by_the_writer(reference):
    example = json.loads((reference / "rest-api/classic/examples/getWebService.json").read_text(encoding="utf-8"))
    body = example["responses"]["200"]["body"]

    written = json.loads(dumps(normalise(body)[0]))

    assert "id" not in written
    for field in ("createdOn", "modifiedOn", "provisioningState", "swaggerLocation"):
        assert field in body["properties"] and field not in written["properties"]
    assert next(iter(written["properties"])) == "packageType"


def test_validate_summarises_normalisations_by_kind_and_lists_them_all_in_json(mlws, reference):
    prod = reference / "powershell" / "GraphWebServiceDefinition_Prod.json"
    listed = mlws("validate", prod, "-o", "json").json()["result"]["files"][0]["normalised"]
    kinds = {note["kind"] for note in listed}
    assert len(listed) > 100 and "property name case" in kinds

    text = mlws("validate", prod).stdout
    assert f"{len(listed)} x property name case" in text
    assert len(text.splitlines()) < 20  # a summary, not one line per renamed property
