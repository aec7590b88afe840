"""`mlws validate` and `mlws import` on hand-broken definitions: exit 2 and a message naming the JSON path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.definition.conftest import PREDICT, TRAINING, read_json, write_json

BASE = read_json(PREDICT)


def broken(mutate) -> dict:
    document = copy.deepcopy(BASE)
    mutate(document)
    return document


CASES = {
    "missing packageType": (lambda d: d["properties"].pop("packageType"), "properties.packageType", "required"),
    "dangling edge": (
        lambda d: d["properties"]["package"]["edges"][2].update(targetNodeId="node9"),
        "properties.package.edges[2].targetNodeId",
        "'node9'",
    ),
    "node with two kinds": (
        lambda d: d["properties"]["package"]["nodes"]["node1"].update(assetId="asset1"),
        "properties.package.nodes.node1",
        "exactly one of assetId, inputId, outputId (has: assetId, inputId)",
    ),
    "node with no kind": (
        lambda d: d["properties"]["package"]["nodes"]["node4"].pop("outputId"),
        "properties.package.nodes.node4",
        "(has: none)",
    ),
    "unknown asset": (
        lambda d: d["properties"]["package"]["nodes"]["node2"].update(assetId="asset7"),
        "properties.package.nodes.node2.assetId",
        "asset 'asset7'",
    ),
    "unknown output": (
        lambda d: d["properties"]["package"]["nodes"]["node4"].update(outputId="output2"),
        "properties.package.nodes.node4.outputId",
        "output 'output2'",
    ),
    "bad diagnostics level": (
        lambda d: d["properties"]["diagnostics"].update(level="Verbose"),
        "properties.diagnostics.level",
        "'Verbose' is not one of",
    ),
    "bad column type": (
        lambda d: d["properties"]["input"]["properties"]["input1"]["properties"]["rooms"].update(type="Float"),
        "properties.input.properties.input1.properties.rooms.type",
        "'Float'",
    ),
    "bad asset type": (
        lambda d: d["properties"]["assets"]["asset2"].update(type="Model"),
        "properties.assets.asset2.type",
        "'Model'",
    ),
    "concurrency too high": (
        lambda d: d["properties"]["realtimeConfiguration"].update(maxConcurrentCalls=201),
        "properties.realtimeConfiguration.maxConcurrentCalls",
        "201 is out of range",
    ),
    "concurrency too low": (
        lambda d: d["properties"]["realtimeConfiguration"].update(maxConcurrentCalls=3),
        "properties.realtimeConfiguration.maxConcurrentCalls",
        "from 4 to 200",
    ),
    "concurrency not a number": (
        lambda d: d["properties"]["realtimeConfiguration"].update(maxConcurrentCalls="many"),
        "properties.realtimeConfiguration.maxConcurrentCalls",
        "expected a whole number",
    ),
    "asset without uri": (
        lambda d: d["properties"]["assets"]["asset2"]["locationInfo"].pop("uri"),
        "properties.assets.asset2.locationInfo.uri",
        "required",
    ),
    "service key present": (
        lambda d: d["properties"].update(keys={"primary": "c2VjcmV0LWtleS0x"}),
        "properties.keys.primary",
        "service key",
    ),
    "SAS in the model uri": (
        lambda d: d["properties"]["assets"]["asset2"]["locationInfo"].update(
            uri="https://acct.blob.core.windows.net/models/m.ilearner?sv=2019-02-02&sr=b&sig=c2lnbmF0dXJl"
        ),
        "properties.assets.asset2.locationInfo.uri",
        "SAS signature",
    ),
    "account key in a module parameter": (
        lambda d: d["properties"]["package"]["nodes"]["node3"]["parameters"].update(
            conn={"value": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5a2V5"}
        ),
        "properties.package.nodes.node3.parameters.conn.value",
        "account key",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_broken_definition_exits_2_naming_the_path(mlws, tmp_path, case):
    mutate, path, words = CASES[case]
    file = write_json(tmp_path / "broken.json", broken(mutate))

    run = mlws("validate", file)

    assert run.exit_code == 2
    lines = [line for line in run.stdout.splitlines() if line.startswith("  - ")]
    assert lines == [line for line in lines if line.startswith(f"  - {path}: ")], run.stdout
    assert any(words in line for line in lines), run.stdout
    assert "c2VjcmV0LWtleS0x" not in run.stdout and "c2lnbmF0dXJl" not in run.stdout and "a2V5a2V5" not in run.stdout


def test_invalid_json_names_file_line_and_column(mlws, tmp_path):
    file = tmp_path / "bad.json"
    file.write_text('{\n  "properties": {\n    "packageType": "Graph",\n  }\n}\n', encoding="utf-8")

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert f"{file}: 1 problem" in run.stdout
    assert "invalid JSON at line 4 column 3" in run.stdout


def test_empty_definition_is_the_cmdlet_message(mlws):
    run = mlws("import", "--json-string", "  ")

    assert run.exit_code == 2
    assert "The Azure ML web service definition is not specified." in run.stderr


def test_missing_file_is_bad_input(mlws, tmp_path):
    run = mlws("import", tmp_path / "nope.json")

    assert run.exit_code == 2
    assert "nope.json" in run.stderr and "does not exist" in run.stderr


def test_every_file_is_reported_and_one_bad_file_fails_the_run(mlws, tmp_path):
    bad = write_json(tmp_path / "bad.json", broken(lambda d: d["properties"].pop("packageType")))

    run = mlws("validate", PREDICT, bad, TRAINING, "-o", "json")

    assert run.exit_code == 2
    files = run.json()["result"]["files"]
    assert [f["ok"] for f in files] == [True, False, True]


def test_graph_parameter_value_without_declaration(mlws, tmp_path):
    document = read_json(TRAINING)
    document["properties"]["parameters"]["Learning rate"] = {"value": "0.1"}
    file = write_json(tmp_path / "training.json", document)

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert 'properties.parameters["Learning rate"]: a value for' in run.stdout


def test_graph_parameter_link_to_missing_node(mlws, tmp_path):
    document = read_json(TRAINING)
    document["properties"]["package"]["graphParameters"]["Label column"]["links"][0]["nodeId"] = "node42"
    file = write_json(tmp_path / "training.json", document)

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert "graphParameters[\"Label column\"].links[0].nodeId: names node 'node42'" in run.stdout


def test_placeholders_and_test_filler_strings_are_not_errors(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["storageAccount"]["name"] = "THIS IS FILLED IN DYNAMICALLY BY THE TEST"
    document["properties"]["keys"] = {"primary": "${MLWS_PRIMARY_KEY}", "secondary": "${MLWS_SECONDARY_KEY}"}
    document["properties"]["input"]["properties"]["input1"]["properties"]["rooms"]["format"] = ""
    file = write_json(tmp_path / "ok.json", document)

    assert mlws("validate", file).exit_code == 0


def test_import_with_unset_variable_names_it_and_resolve_demands_it(mlws, tmp_path, monkeypatch):
    monkeypatch.delenv("MLWS_STORAGE_KEY", raising=False)

    reported = mlws("import", PREDICT)
    run = mlws("import", PREDICT, "--resolve")

    assert reported.exit_code == 0, reported.stderr
    assert reported.stdout.splitlines()[-1].startswith("not set now: MLWS_STORAGE_KEY")
    assert run.exit_code == 2
    assert "MLWS_STORAGE_KEY" in run.stderr
    assert "properties.storageAccount.key: environment variable MLWS_STORAGE_KEY is not set" in run.stderr


def test_import_resolves_but_never_prints_the_secret(mlws):
    secret = "ZGV2LXN0b3JhZ2Uta2V5LWZvci10ZXN0cw=="
    run = mlws("import", PREDICT, "-o", "json", env={"MLWS_STORAGE_KEY": secret})

    assert run.exit_code == 0
    result = run.json()["result"]
    assert result["body"]["properties"]["storageAccount"] == {"name": "devstoreaccount1", "key": "***"}
    assert result["variables"] == ["MLWS_STORAGE_KEY"]
    assert secret not in run.stdout + run.stderr


def test_import_of_invalid_definition_lists_problems(mlws, tmp_path):
    file = write_json(tmp_path / "broken.json", broken(lambda d: d["properties"].update(packageType="Code")))

    run = mlws("import", file, env={"MLWS_STORAGE_KEY": "x"})

    assert run.exit_code == 2
    assert "properties.packageType: 'Code' is not one of the allowed values" in run.stderr


def test_duplicate_spellings_of_one_property_are_bad_input(mlws, tmp_path: Path):
    file = tmp_path / "twice.json"
    file.write_text('{"properties": {"packageType": "Graph", "title": "a", "Title": "b"}}', encoding="utf-8")

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert "properties.title: given twice" in run.stdout
