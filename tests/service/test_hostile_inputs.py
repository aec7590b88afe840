"""Against the emulator: a flag file of the wrong kind, a bad --timeout or a plan of the wrong shape is refused before
anything is sent; exports and request bodies carry no nulls; -o json stays JSON when the service answers NaN."""

from __future__ import annotations

import json

import pytest

from tests.service.helpers import differing_paths

FLAG_FILES = {
    "--assets": "null",  # issue 8 item 12: deleted every asset, then printed "verified"
    "--input-spec": "[]",
    "--output-spec": '"text"',
    "--parameters": "5",
    "--package": "true",
}
KINDS = {"null": "null", "[]": "a JSON array", '"text"': "a string", "5": "a number", "true": "a boolean"}


def strict_json(text: str):
    """Parse as JSON proper: NaN and Infinity are not JSON."""

    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("flag", list(FLAG_FILES))
def test_a_flag_file_must_hold_an_object_and_nothing_is_sent(mlws, workspace, flag):
    workspace.deploy()
    before = workspace.live()
    file = workspace.root / "value.json"
    file.write_text(FLAG_FILES[flag], encoding="utf-8")

    run = mlws("update", "-n", workspace.name, "-g", workspace.resource_group, flag, file)

    assert run.exit_code == 2, run.stdout + run.stderr
    assert f"{flag} {file}: expected a JSON object, got {KINDS[FLAG_FILES[flag]]}" in run.stderr
    assert "verified" not in run.stdout
    after = workspace.live()
    assert after["properties"]["assets"] == before["properties"]["assets"]
    assert differing_paths(before, after) == []  # modifiedOn included: no request changed it


def test_assets_from_a_file_holding_an_object_still_update(mlws, workspace):
    workspace.deploy()
    assets = workspace.live()["properties"]["assets"]
    assets["asset1"]["name"] = "Score Model v2"
    file = workspace.root / "assets.json"
    file.write_text(json.dumps(assets), encoding="utf-8")

    run = mlws("update", "-n", workspace.name, "-g", workspace.resource_group, "--assets", file, "--yes")

    assert run.exit_code == 0, run.stderr
    assert workspace.live()["properties"]["assets"]["asset1"]["name"] == "Score Model v2"


@pytest.mark.parametrize("timeout", ["-1", "0", "nan"])
def test_a_timeout_that_is_not_positive_is_refused_before_new_sends_anything(mlws, workspace, timeout):
    run = mlws(
        "new", "-f", workspace.definition, "-n", workspace.name, "-g", workspace.resource_group, "--timeout", timeout
    )

    assert run.exit_code == 2, run.stdout + run.stderr
    assert "--timeout" in run.stderr and "greater than 0" in run.stderr
    missing = workspace.emulator.call("GET", workspace.service_path)
    assert missing.status == 404  # `--timeout -1` used to create the service, then fail


@pytest.mark.parametrize(
    "command",
    [
        ["update", "--title", "Not sent"],
        ["remove", "--yes"],
        ["add-region", "--region", "West Europe"],
    ],
)
def test_every_timeout_is_checked_before_anything_is_sent(mlws, workspace, command):
    workspace.deploy()
    before = workspace.live()

    run = mlws(*command, "-n", workspace.name, "-g", workspace.resource_group, "--timeout", "-5")

    assert run.exit_code == 2, run.stdout + run.stderr
    assert "Invalid value for '--timeout'" in run.stderr
    assert differing_paths(before, workspace.live()) == []


def test_a_plan_of_the_wrong_shape_is_refused_before_anything_is_sent(mlws, workspace):
    workspace.deploy()
    before = workspace.live()
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--out", plan).exit_code == 0
    saved = json.loads(plan.read_text(encoding="utf-8"))
    saved["file"] = 7
    saved["target"]["name"] = ["not", "a", "name"]
    plan.write_text(json.dumps(saved), encoding="utf-8")

    run = mlws("update", "--plan", plan)

    assert run.exit_code == 2, run.stdout + run.stderr
    assert f"--plan {plan}: not a plan written by `mlws diff --out`" in run.stderr
    assert "file, target.name" in run.stderr
    assert differing_paths(before, workspace.live()) == []


def test_export_writes_no_nulls_and_update_sends_none(mlws, workspace):
    body = workspace.document()
    body["properties"]["exampleRequest"]["globalParameters"] = None  # as a service answer may carry it
    body["properties"]["exampleRequest"]["inputs"]["input1"][0][2] = None  # a null cell of a row is data
    body["properties"]["storageAccount"]["key"] = workspace.env["MLWS_STORAGE_KEY"]
    assert workspace.emulator.call("PUT", workspace.service_path, body).status in (200, 201)
    exported = workspace.root / "exported.json"

    run = mlws("export", "-n", workspace.name, "-g", workspace.resource_group, "-f", exported)

    assert run.exit_code == 0, run.stderr
    written = json.loads(exported.read_text(encoding="utf-8"))["properties"]["exampleRequest"]
    assert "globalParameters" not in written
    assert written["inputs"]["input1"][0][2] is None
    # a file that holds the null anyway: the body update would send has none
    file = workspace.definition
    document = workspace.document()
    document["properties"]["exampleRequest"]["globalParameters"] = None
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    preview = mlws("update", "-f", file, "--whole", "--what-if", "-o", "json")
    assert preview.exit_code == 0, preview.stderr
    sent = preview.json()["result"]["body"]["properties"]["exampleRequest"]
    assert "globalParameters" not in sent


def test_json_output_stays_json_when_the_service_answers_nan(mlws, workspace):
    body = workspace.document()
    body["properties"]["storageAccount"]["key"] = workspace.env["MLWS_STORAGE_KEY"]
    body["properties"]["zzScore"] = float("nan")  # an unknown property: the emulator keeps it, as JSON it is NaN
    assert workspace.emulator.call("PUT", workspace.service_path, body).status in (200, 201)
    exported = workspace.root / "exported.json"

    shown = mlws("get", "-n", workspace.name, "-g", workspace.resource_group, "-o", "json")
    export = mlws("export", "-n", workspace.name, "-g", workspace.resource_group, "-f", exported)

    assert shown.exit_code == 0, shown.stderr
    assert strict_json(shown.stdout)["result"]["properties"]["zzScore"] is None
    assert export.exit_code == 2
    assert "properties.zzScore: NaN cannot be written" in export.stderr
    assert not exported.exists()
