"""`mlws edit`: the trained-model swap, --set, --patch; all or nothing; -i vs -f OUT."""

from __future__ import annotations

import json

import pytest

from tests.definition.conftest import PREDICT, read_json, write_json

V0 = "http://127.0.0.1:10000/devstoreaccount1/models/housing-v0.ilearner"  # the sample's trained model
V1 = "http://127.0.0.1:10000/devstoreaccount1/models/housing-v1.ilearner"
MODEL = "Housing Price [trained model]"


@pytest.mark.parametrize("wanted", [MODEL, "asset2", "HOUSING PRICE [TRAINED MODEL]"])
def test_asset_swap_by_name_id_or_any_case_changes_exactly_one_path(mlws, predict_copy, wanted):
    expected = read_json(predict_copy)
    expected["properties"]["assets"]["asset2"]["locationInfo"]["uri"] = V1

    run = mlws("edit", predict_copy, "--asset", wanted, "--uri", V1, "-i", "-o", "json")

    assert run.exit_code == 0, run.stderr
    assert [c["path"] for c in run.json()["result"]["changes"]] == ["properties.assets.asset2.locationInfo.uri"]
    assert read_json(predict_copy) == expected  # that URI, and nothing else, changed


def test_edit_to_out_leaves_the_source_alone(mlws, predict_copy, tmp_path):
    original = predict_copy.read_bytes()
    out = tmp_path / "edited.json"

    run = mlws("edit", predict_copy, "--asset", MODEL, "--uri", V1, "-f", out)

    assert run.exit_code == 0
    assert predict_copy.read_bytes() == original
    assert read_json(out)["properties"]["assets"]["asset2"]["locationInfo"]["uri"] == V1
    assert "1 change: 1 changed" in run.stdout and f"written: {out}" in run.stdout


def test_in_place_or_out_must_be_chosen_once(mlws, predict_copy, tmp_path):
    assert mlws("edit", predict_copy, "--asset", MODEL, "--uri", V1).exit_code == 2
    assert mlws("edit", predict_copy, "--asset", MODEL, "--uri", V1, "-i", "-f", tmp_path / "x.json").exit_code == 2


def test_unknown_asset_lists_the_assets(mlws, predict_copy):
    original = predict_copy.read_bytes()

    run = mlws("edit", predict_copy, "--asset", "Housing Price", "--uri", V1, "-i")

    assert run.exit_code == 2
    assert "asset1: Score Model" in run.stderr and f"asset2: {MODEL}" in run.stderr
    assert predict_copy.read_bytes() == original


def test_ambiguous_asset_lists_the_matches(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["assets"]["asset3"] = dict(document["properties"]["assets"]["asset2"], name=MODEL.upper())
    document["properties"]["assets"]["asset4"] = dict(document["properties"]["assets"]["asset2"], name=MODEL.lower())
    file = write_json(tmp_path / "p.json", document)

    exact = mlws("edit", file, "--asset", MODEL, "--uri", V1, "-f", tmp_path / "exact.json")
    ambiguous = mlws("edit", file, "--asset", "housing PRICE [trained model]", "--uri", V1, "-i")

    assert exact.exit_code == 0  # an exact name match wins over case-insensitive ones
    assert ambiguous.exit_code == 2
    assert (
        "matches 3 assets" in ambiguous.stderr and "asset3:" in ambiguous.stderr and "asset1:" not in ambiguous.stderr
    )


def test_uri_with_sas_signature_is_refused(mlws, predict_copy):
    original = predict_copy.read_bytes()
    sas_uri = V1 + "?sv=2021-08-06&sr=b&sig=Zm9vYmFyYmF6"

    run = mlws("edit", predict_copy, "--asset", MODEL, "--uri", sas_uri, "-i")

    assert run.exit_code == 2
    assert "SAS signature" in run.stderr and "Zm9vYmFyYmF6" not in run.stderr
    assert predict_copy.read_bytes() == original


def test_set_parses_json_values_and_falls_back_to_strings(mlws, predict_copy):
    run = mlws(
        "edit",
        predict_copy,
        "--set",
        "properties.realtimeConfiguration.maxConcurrentCalls=8",
        "--set",
        "properties.title=Housing Price v2",
        "--set",
        'properties.package.nodes.node3.parameters["Append score columns to output"].value=False',
        "-i",
    )

    assert run.exit_code == 0, run.stderr
    properties = read_json(predict_copy)["properties"]
    assert properties["realtimeConfiguration"]["maxConcurrentCalls"] == 8
    assert properties["title"] == "Housing Price v2"
    assert properties["package"]["nodes"]["node3"]["parameters"]["Append score columns to output"]["value"] == "False"
    assert "3 changes: 3 changed" in run.stdout


def test_set_that_breaks_validation_writes_nothing(mlws, predict_copy):
    original = predict_copy.read_bytes()

    run = mlws("edit", predict_copy, "--set", "properties.diagnostics.level=Verbose", "-i")

    assert run.exit_code == 2
    assert "properties.diagnostics.level" in run.stderr and "nothing was written" in run.stderr
    assert predict_copy.read_bytes() == original


def test_set_with_a_bad_path_is_bad_input(mlws, predict_copy):
    run = mlws("edit", predict_copy, "--set", "properties.package.edges[7].targetNodeId=node1", "-i")

    assert run.exit_code == 2
    assert "properties.package.edges[7]" in run.stderr


def test_patch_applies_rfc6902_operations(mlws, predict_copy, tmp_path):
    patch = write_json(
        tmp_path / "patch.json",
        [
            {"op": "replace", "path": "/properties/assets/asset2/locationInfo/uri", "value": V1},
            {"op": "add", "path": "/tags/owner", "value": "ops"},
        ],
    )

    run = mlws("edit", predict_copy, "--patch", patch, "-i", "-o", "json")

    assert run.exit_code == 0, run.stderr
    assert {(c["path"], c["kind"]) for c in run.json()["result"]["changes"]} == {
        ("properties.assets.asset2.locationInfo.uri", "changed"),
        ("tags.owner", "added"),
    }


def test_failing_patch_names_its_index_and_path_and_changes_nothing(mlws, predict_copy, tmp_path):
    original = predict_copy.read_bytes()
    patch = write_json(
        tmp_path / "patch.json",
        [
            {"op": "replace", "path": "/properties/title", "value": "changed"},
            {"op": "test", "path": "/properties/title", "value": "something else"},
        ],
    )

    run = mlws("edit", predict_copy, "--patch", patch, "-i")

    assert run.exit_code == 2
    assert "patch operation [1] (/properties/title)" in run.stderr
    assert predict_copy.read_bytes() == original


def test_only_one_kind_of_edit_per_run(mlws, predict_copy):
    run = mlws("edit", predict_copy, "--asset", MODEL, "--uri", V1, "--set", "properties.title=x", "-i")

    assert run.exit_code == 2
    assert "exactly one kind of edit" in run.stderr


def test_edited_file_is_canonical(mlws, tmp_path):
    # The sample as another tool may write it: same content, 4-space indent, no final newline.
    source = tmp_path / "housing-predict.json"
    source.write_text(json.dumps(read_json(PREDICT), indent=4), encoding="utf-8")
    out = tmp_path / "out.json"

    edited = mlws("edit", source, "--asset", MODEL, "--uri", V1, "-f", out)

    assert edited.exit_code == 0, edited.stderr
    assert mlws("normalize", "--check", out).exit_code == 0
    # The sample is kept canonical (2-space indent, final newline): the edit writes it back, one URI changed.
    assert out.read_text(encoding="utf-8") == PREDICT.read_text(encoding="utf-8").replace(V0, V1)


def test_output_that_is_a_directory_is_bad_input(mlws, predict_copy, tmp_path):
    before = predict_copy.read_bytes()
    run = mlws("edit", predict_copy, "--set", "properties.title=X", "-f", tmp_path)
    assert run.exit_code == 2
    assert "is a directory" in run.stderr
    assert predict_copy.read_bytes() == before


def test_output_where_nothing_can_be_written_is_bad_input(mlws, predict_copy):
    # /proc refuses new files even to root, so this holds whoever runs the tests
    run = mlws("edit", predict_copy, "--set", "properties.title=X", "-f", "/proc/mlws-edit.json")
    assert run.exit_code == 2
    assert "cannot write" in run.stderr and "/proc/mlws-edit.json" in run.stderr
