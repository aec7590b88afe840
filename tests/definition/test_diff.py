"""`mlws diff` of two files and the diff library: paths, kinds, masking, exit codes, JSON."""

from __future__ import annotations

import pytest

from tests.definition.conftest import PREDICT, TRAINING, read_json, write_json
from toolkit.providers.new_webservice.definition import diff


def test_identical_files_exit_0_even_with_exit_code(mlws):
    run = mlws("diff", PREDICT, PREDICT, "--exit-code")

    assert run.exit_code == 0
    assert "No changes." in run.stdout


def test_changes_exit_3_with_exit_code_and_0_without(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["title"] = "Housing Price v2"
    document["tags"]["owner"] = "ops"
    del document["properties"]["exampleRequest"]
    other = write_json(tmp_path / "other.json", document)

    with_flag = mlws("diff", PREDICT, other, "--exit-code")
    without = mlws("diff", PREDICT, other)

    assert with_flag.exit_code == 3 and without.exit_code == 0
    lines = with_flag.stdout.splitlines()
    assert "3 changes: 1 changed, 1 added, 1 removed" in lines
    assert '  ~ properties.title: "Housing Price" -> "Housing Price v2"' in lines
    assert '  + tags.owner: "ops"' in lines
    assert any(line.startswith("  - properties.exampleRequest: {") for line in lines)


def test_secrets_are_masked_but_shown_as_changed(mlws, tmp_path):
    left, right = read_json(PREDICT), read_json(PREDICT)
    left["properties"]["storageAccount"]["key"] = "b2xkLXN0b3JhZ2Uta2V5"
    right["properties"]["storageAccount"]["key"] = "bmV3LXN0b3JhZ2Uta2V5"
    right["properties"]["keys"] = {"primary": "bmV3LXByaW1hcnk="}
    a, b = write_json(tmp_path / "a.json", left), write_json(tmp_path / "b.json", right)

    text = mlws("diff", a, b)
    as_json = mlws("diff", a, b, "-o", "json")

    assert "  ~ properties.storageAccount.key: (secret changed)" in text.stdout.splitlines()
    assert "  + properties.keys: (secret added)" in text.stdout.splitlines()
    changes = as_json.json()["result"]["changes"]
    assert {
        "path": "properties.storageAccount.key",
        "kind": "changed",
        "before": "***",
        "after": "***",
        "secret": True,
    } in changes
    for secret in ("b2xkLXN0b3JhZ2Uta2V5", "bmV3LXN0b3JhZ2Uta2V5", "bmV3LXByaW1hcnk="):
        assert secret not in text.stdout + as_json.stdout


def test_json_output_lists_changes_in_document_order(mlws, tmp_path):
    document = read_json(PREDICT)
    document["properties"]["package"]["edges"][1]["targetPortId"] = "Dataset2"
    document["location"] = "West Europe"
    other = write_json(tmp_path / "other.json", document)

    result = mlws("diff", PREDICT, other, "-o", "json").json()["result"]

    assert result["hasChanges"] is True
    assert [c["path"] for c in result["changes"]] == ["location", "properties.package.edges[1].targetPortId"]
    assert result["changes"][0] == {
        "path": "location",
        "kind": "changed",
        "before": "South Central US",
        "after": "West Europe",
    }


def test_read_only_fields_and_key_order_are_ignored(tmp_path):
    document = read_json(PREDICT)
    shuffled = dict(reversed(list(document.items())))
    shuffled["id"] = "/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearning/webServices/z"
    shuffled["properties"] = dict(reversed(list(document["properties"].items())))
    shuffled["properties"].update(provisioningState="Succeeded", createdOn="2017-04-26T17:08:47.9139511Z")
    assert list(shuffled["properties"]) != list(document["properties"])

    assert diff(document, shuffled).changes == []


def test_keys_with_dots_spaces_or_brackets_are_quoted_in_paths():
    before = read_json(TRAINING)
    after = read_json(TRAINING)
    after["properties"]["parameters"]["Label column"]["value"] = "area_sqm"
    after["properties"]["output"]["properties"]["evaluation"]["properties"]["R.squared [adj]"] = {"type": "Number"}

    paths = [c.path for c in diff(before, after).changes]

    assert paths == [
        'properties.output.properties.evaluation.properties["R.squared [adj]"]',
        'properties.parameters["Label column"].value',
    ]


def test_long_values_are_shown_compactly_keeping_both_ends():
    before, after = read_json(PREDICT), read_json(PREDICT)
    after["properties"]["description"] = "x" * 300 + " the end"

    line = diff(before, after).to_text().splitlines()[-1]

    assert len(line) < 250 and "…" in line and line.endswith('the end"')


@pytest.mark.parametrize("flag", [["-n", "svc"], ["-g", "rg"], ["--subscription", "s"], ["--out", "plan.json"]])
def test_live_only_options_are_refused_with_two_files(mlws, flag):
    run = mlws("diff", PREDICT, TRAINING, *flag)

    assert run.exit_code == 2
    assert flag[0] in run.stderr and "ONE file" in run.stderr
