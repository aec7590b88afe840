"""Updates that never lie: what an update says it did is what the live service now holds.

Each test reproduces a defect found by trying the New web-service loop as an ops engineer would (issue 8):
a key rotation reported as failed, removals that could never be deployed, a silent key rotation through a file,
secrets demanded for requests that never send them, a SAS placeholder that never verified.
"""

from __future__ import annotations

import json

import pytest

from tests.service.conftest import SECRETS, STORAGE_KEY

NEW_KEY = "rotated-primary-key-0123456789abcdef"
NEW_STORAGE_KEY = "rotated-storage-key-ZmVkY2Jh"
SAS = "sv=2021-08-06&sr=b&sp=r&sig=updatesNeverLieSig0123456789%3D"


def no_secret_in(*texts: str) -> bool:
    return not any(secret in text for secret in (*SECRETS, NEW_KEY, NEW_STORAGE_KEY, SAS) for text in texts)


def keys_of(workspace) -> dict:
    return workspace.emulator.call("GET", workspace.service_path.replace("?", "/listKeys?")).body


def edit_definition(workspace, change) -> None:
    document = workspace.document()
    change(document["properties"], document)
    workspace.definition.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# --- 1, 13: a write-only field is sent, and said to be unverifiable, never "did not take" ----------------------


def test_rotating_the_storage_key_exits_0_and_says_it_cannot_be_read_back(mlws, workspace):
    """The key sent is the account's (Azurite has one key): the models are read with it first, then it is sent."""
    workspace.deploy()
    rotate = ("update", "-n", workspace.name, "--storage-account-key-env", "NEW_STORAGE")

    rotated = mlws(*rotate, env={"NEW_STORAGE": STORAGE_KEY})
    as_json = mlws(*rotate, "-o", "json", env={"NEW_STORAGE": STORAGE_KEY})

    assert rotated.exit_code == 0, rotated.stderr
    assert 'sent properties.storageAccount: {"key": "***"}' in rotated.stdout
    assert f"trained model found before sending: {workspace.model('housing-v0')}" in rotated.stdout
    assert "not verifiable: properties.storageAccount.key (sent, but write-only" in rotated.stdout
    assert "verified: the live service now matches" not in rotated.stdout  # nothing sent could be read back
    result = as_json.json()["result"]
    assert (as_json.exit_code, result["verified"]) == (0, False)
    assert result["notVerifiable"][0].startswith("properties.storageAccount.key")
    assert no_secret_in(rotated.stdout, rotated.stderr, as_json.stdout)


# --- 3: key rotation through a file ------------------------------------------------------------------------------


def with_key_placeholders(workspace) -> None:
    def add_keys(properties, _document):
        properties["keys"] = {"primary": "${MLWS_PRIMARY_KEY}", "secondary": "${MLWS_SECONDARY_KEY}"}

    edit_definition(workspace, add_keys)


def test_a_file_whose_keys_resolve_to_new_values_rotates_them(mlws, workspace, monkeypatch):
    workspace.deploy()
    old = keys_of(workspace)
    with_key_placeholders(workspace)
    monkeypatch.setenv("MLWS_PRIMARY_KEY", NEW_KEY)

    planned = mlws("diff", workspace.definition, "--exit-code")
    updated = mlws("update", "-f", workspace.definition)

    assert planned.exit_code == 3, planned.stdout
    assert "~ properties.keys.primary: (secret changed)" in planned.stdout
    assert "properties.keys.secondary" not in planned.stdout  # unset: keeps whatever is live
    assert updated.exit_code == 0, updated.stderr
    assert "the service keys with listKeys" in updated.stdout
    assert keys_of(workspace) == {"primary": NEW_KEY, "secondary": old["secondary"]}
    assert mlws("diff", workspace.definition, "--exit-code").exit_code == 0
    assert no_secret_in(planned.stdout, updated.stdout, updated.stderr, workspace.definition.read_text())


def test_unset_key_placeholders_keep_the_live_keys(mlws, workspace, monkeypatch):
    workspace.deploy()
    old = keys_of(workspace)
    with_key_placeholders(workspace)
    monkeypatch.delenv("MLWS_PRIMARY_KEY", raising=False)

    planned = mlws("diff", workspace.definition, "--exit-code")

    assert planned.exit_code == 0, planned.stdout
    assert keys_of(workspace) == old


def test_a_plan_made_before_a_key_was_exported_is_stale(mlws, workspace, monkeypatch):
    """The plan said "no key change"; applying it with a new key in the environment would rotate unreviewed."""
    workspace.deploy()
    with_key_placeholders(workspace)
    edit_definition(workspace, lambda properties, _d: properties.update(title="retitled"))
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--out", plan).exit_code == 0
    monkeypatch.setenv("MLWS_PRIMARY_KEY", NEW_KEY)
    before = keys_of(workspace)

    applied = mlws("update", "--plan", plan)

    assert applied.exit_code == 4 and "differ from when the plan" in applied.stderr, applied.stderr
    assert keys_of(workspace) == before and workspace.live()["properties"]["title"] != "retitled"


def test_a_plan_applied_with_another_key_than_reviewed_is_stale(mlws, workspace, monkeypatch):
    """The plan said "rotate the primary key"; a different key in the environment at apply time was never reviewed."""
    workspace.deploy()
    with_key_placeholders(workspace)
    plan = workspace.root / "plan.json"
    monkeypatch.setenv("MLWS_PRIMARY_KEY", NEW_KEY)
    assert mlws("diff", workspace.definition, "--out", plan, "--exit-code").exit_code == 3
    before = keys_of(workspace)

    monkeypatch.setenv("MLWS_PRIMARY_KEY", NEW_KEY + "-not-the-reviewed-one")
    other = mlws("update", "--plan", plan)
    monkeypatch.setenv("MLWS_PRIMARY_KEY", NEW_KEY)
    reviewed = mlws("update", "--plan", plan)

    assert other.exit_code == 4 and "differ from when the plan" in other.stderr, other.stderr
    assert reviewed.exit_code == 0, reviewed.stderr
    assert keys_of(workspace) == {"primary": NEW_KEY, "secondary": before["secondary"]}
    assert NEW_KEY not in plan.read_text() and no_secret_in(other.stderr, reviewed.stdout)


def test_a_plan_whose_write_only_placeholder_was_edited_is_stale(mlws, workspace, monkeypatch):
    deploy_with(workspace, _extra_asset)  # a replacement: it sends the storage key
    plan = workspace.root / "plan.json"
    assert mlws("diff", workspace.definition, "--out", plan).exit_code == 0
    text = workspace.definition.read_text(encoding="utf-8").replace("${MLWS_STORAGE_KEY}", "${ANOTHER_KEY}")
    workspace.definition.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ANOTHER_KEY", NEW_STORAGE_KEY)

    applied = mlws("update", "--plan", plan)

    assert applied.exit_code == 4 and "changed since the plan" in applied.stderr, applied.stderr
    assert "asset3" in workspace.live()["properties"]["assets"]  # nothing was sent


# --- 4: secrets the request never sends are not demanded ---------------------------------------------------------


def test_a_model_swap_needs_no_storage_key(mlws, workspace, monkeypatch):
    workspace.deploy()
    model, sas = workspace.model("housing-v9"), workspace.model_sas("housing-v9")
    monkeypatch.delenv("MLWS_STORAGE_KEY")
    # The model is looked for through its SAS (the URI's own credential): the storage key is not needed at all.
    uri = f"{model}?${{MLWS_MODEL_SAS}}"
    edit_definition(workspace, lambda properties, _d: properties["assets"]["asset2"]["locationInfo"].update(uri=uri))

    updated = mlws("update", "-f", workspace.definition, "-o", "json", env={"MLWS_MODEL_SAS": sas})

    assert updated.exit_code == 0, updated.stdout
    assert updated.json()["result"]["verified"] is True
    assert updated.json()["result"]["modelsChecked"] == [model]
    uris = [a["locationInfo"]["uri"] for a in workspace.live()["properties"]["assets"].values()]
    assert f"{model}?{sas}" in uris and sas not in updated.stdout


def test_import_reports_the_variables_and_resolve_demands_them(mlws, workspace, monkeypatch):
    monkeypatch.delenv("MLWS_STORAGE_KEY")

    reported = mlws("import", workspace.definition, "-o", "json")
    demanded = mlws("import", workspace.definition, "--resolve")

    assert reported.exit_code == 0, reported.stdout
    assert reported.json()["result"]["unset"] == ["MLWS_STORAGE_KEY"]
    assert demanded.exit_code == 2 and "MLWS_STORAGE_KEY" in demanded.stderr


# --- 2: removals are planned, shown, and deployed by replacing the service ----------------------------------------


def _extra_asset(properties, _document):
    properties["assets"]["asset3"] = {
        "name": "Lookup table",
        "type": "Resource",
        "locationInfo": {"uri": "http://127.0.0.1:10000/devstoreaccount1/data/lookup.csv"},
    }


def _extra_node_parameter(properties, _document):
    properties["package"]["nodes"]["node3"]["parameters"]["Extra"] = {"value": "1", "certificateThumbprint": ""}


def _extra_input_column(properties, _document):
    properties["input"]["properties"]["input1"]["properties"]["garage"] = {"type": "Boolean"}


REMOVALS = {
    "an asset": (_extra_asset, "properties.assets.asset3"),
    "a graph-node parameter": (_extra_node_parameter, "properties.package.nodes.node3.parameters.Extra"),
    "an input column": (_extra_input_column, "properties.input.properties.input1.properties.garage"),
}


def deploy_with(workspace, extra) -> None:
    """Deploy the definition with one more entry; the committed file then lacks it (a removal to deploy)."""
    committed = workspace.definition.read_bytes()
    edit_definition(workspace, extra)
    workspace.deploy()
    workspace.definition.write_bytes(committed)


@pytest.mark.parametrize("removed", REMOVALS, ids=list(REMOVALS))
def test_a_removed_entry_is_planned_as_a_replacement_and_deployed(mlws, workspace, removed):
    extra, path = REMOVALS[removed]
    deploy_with(workspace, extra)
    plan = workspace.root / "plan.json"

    planned = mlws("diff", workspace.definition, "--exit-code", "--out", plan)
    applied = mlws("update", "--plan", plan)

    assert planned.exit_code == 3, planned.stdout
    assert f"- {path}:" in planned.stdout
    assert "must be REPLACED" in planned.stdout and f"cannot remove {path}" in planned.stdout
    saved = json.loads(plan.read_text())
    assert (saved["action"], saved["replaceBecause"], saved["patch"]) == ("replace", [path], [])
    assert applied.exit_code == 0, applied.stderr
    assert applied.stdout.startswith("replace: done")
    assert mlws("diff", workspace.definition, "--exit-code").exit_code == 0  # the entry is gone from the service
    assert no_secret_in(planned.stdout, applied.stdout, plan.read_text())


def test_a_replacement_asks_first_and_keeps_the_keys(mlws, workspace):
    deploy_with(workspace, _extra_asset)
    keys = keys_of(workspace)
    modified = workspace.live()["properties"]["modifiedOn"]

    refused = mlws("update", "-f", workspace.definition)  # no terminal, no --yes
    assert refused.exit_code == 2 and "--yes" in refused.stderr and "REPLACE" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified  # nothing was sent

    replaced = mlws("update", "-f", workspace.definition, "--yes")

    assert replaced.exit_code == 0, replaced.stderr
    assert "asset3" not in workspace.live()["properties"]["assets"]
    assert keys_of(workspace) == keys  # a PUT without keys would have had the service make new ones
    assert "the service keys with listKeys" in replaced.stdout


def test_a_replacement_needs_the_storage_key_and_says_so_before_sending(mlws, workspace, monkeypatch):
    deploy_with(workspace, _extra_asset)
    monkeypatch.delenv("MLWS_STORAGE_KEY")
    modified = workspace.live()["properties"]["modifiedOn"]

    planned = mlws("diff", workspace.definition)
    refused = mlws("update", "-f", workspace.definition, "--yes")

    assert "applying needs (not set now): MLWS_STORAGE_KEY" in planned.stdout
    assert refused.exit_code == 2 and "MLWS_STORAGE_KEY" in refused.stderr and "replaces" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified


def test_a_removed_tag_is_a_plain_update(mlws, workspace):
    """Tags are replaced whole by a PATCH, so removing one needs no replacement."""
    deploy_with(workspace, lambda _p, document: document["tags"].update(owner="someone"))

    updated = mlws("update", "-f", workspace.definition)

    assert updated.exit_code == 0, updated.stderr
    assert updated.stdout.startswith("update: done")
    assert "owner" not in workspace.live()["tags"]


# --- 11: a SAS placeholder in an asset URI (what `mlws normalize` writes) -----------------------------------------


def test_a_sas_placeholder_verifies_and_then_keeps_the_live_sas(mlws, workspace, monkeypatch):
    workspace.deploy()
    model, sas = workspace.model("housing-sas"), workspace.model_sas("housing-sas")
    edit_definition(
        workspace,
        lambda properties, _d: properties["assets"]["asset2"]["locationInfo"].update(uri=model + "?${MLWS_MODEL_SAS}"),
    )
    monkeypatch.setenv("MLWS_MODEL_SAS", sas)

    updated = mlws("update", "-f", workspace.definition)
    monkeypatch.delenv("MLWS_MODEL_SAS")
    unset = mlws("diff", workspace.definition, "-o", "json")

    assert updated.exit_code == 0, updated.stderr
    assert workspace.live()["properties"]["assets"]["asset2"]["locationInfo"]["uri"] == f"{model}?{sas}"
    assert unset.exit_code == 0 and unset.json()["result"]["hasChanges"] is False
    assert unset.json()["result"]["keptFromLive"] == ["MLWS_MODEL_SAS"]
    assert no_secret_in(updated.stdout, updated.stderr, unset.stdout) and sas not in updated.stdout + unset.stdout


# --- 8: property updates are validated as the service will hold them ---------------------------------------------


def test_update_package_alone_is_checked_against_the_live_assets(mlws, workspace, tmp_path):
    workspace.deploy()
    package = workspace.document()["properties"]["package"]
    package["nodes"]["node3"]["parameters"]["Append score columns to output"]["value"] = "False"
    good = tmp_path / "package.json"
    good.write_text(json.dumps(package), encoding="utf-8")
    package["nodes"]["node2"]["assetId"] = "asset9"
    bad = tmp_path / "bad-package.json"
    bad.write_text(json.dumps(package), encoding="utf-8")

    accepted = mlws("update", "-n", workspace.name, "--package", good)
    refused = mlws("update", "-n", workspace.name, "--package", bad)

    assert accepted.exit_code == 0, accepted.stderr
    node3 = workspace.live()["properties"]["package"]["nodes"]["node3"]
    assert node3["parameters"]["Append score columns to output"]["value"] == "False"
    assert refused.exit_code == 2 and "asset9" in refused.stderr


def test_diagnostics_expiry_goes_with_the_level(mlws, workspace):
    workspace.deploy()

    alone = mlws("update", "-n", workspace.name, "--diagnostics-expiry", "2027-01-31T00:00:00Z")
    bad = mlws("update", "-n", workspace.name, "--diagnostics-level", "All", "--diagnostics-expiry", "soon")
    expiry = "2027-01-31T00:00:00Z"
    both = mlws("update", "-n", workspace.name, "--diagnostics-level", "All", "--diagnostics-expiry", expiry)

    assert alone.exit_code == 2 and "--diagnostics-level" in alone.stderr
    assert bad.exit_code == 2 and "ISO 8601" in bad.stderr
    assert both.exit_code == 0, both.stderr
    assert workspace.live()["properties"]["diagnostics"] == {"level": "All", "expiry": "2027-01-31T00:00:00Z"}


def test_update_of_a_missing_service_says_how_to_create_it(mlws, workspace):
    result = mlws("update", "-f", workspace.definition)

    assert result.exit_code == 4 and "mlws new -f" in result.stderr and "--plan" in result.stderr


# --- 6: a service is pointed only at a trained model that is there ------------------------------------------------


def test_a_model_that_does_not_exist_is_refused_before_anything_is_sent(mlws, workspace):
    workspace.deploy()
    modified = workspace.live()["properties"]["modifiedOn"]
    missing = f"{workspace.azurite.blob_endpoint}/models/does-not-exist.ilearner"
    workspace.point_at(mlws, missing)

    refused = mlws("update", "-f", workspace.definition)

    assert refused.exit_code == 2, refused.stdout
    assert f"{missing} does not exist" in refused.stderr and "nothing was sent" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified


def test_a_wrong_storage_key_and_unreachable_storage_are_refused_and_can_be_skipped(mlws, workspace, monkeypatch):
    workspace.deploy()
    workspace.point_at(mlws, workspace.model("housing-keyed"))
    monkeypatch.setenv("MLWS_STORAGE_KEY", "d3Jvbmcta2V5LWZvci1henVyaXRl")

    wrong_key = mlws("update", "-f", workspace.definition)
    workspace.point_at(mlws, "http://127.0.0.1:9/devstoreaccount1/models/elsewhere.ilearner")  # nothing listens
    unreachable = mlws("update", "-f", workspace.definition)
    skipped = mlws("update", "-f", workspace.definition, "--skip-model-check")

    assert wrong_key.exit_code == 2 and "storage refused" in wrong_key.stderr, wrong_key.stderr
    assert unreachable.exit_code == 2 and "cannot reach blob storage" in unreachable.stderr
    assert "--skip-model-check" in unreachable.stderr
    assert skipped.exit_code == 0, skipped.stderr
    assert "d3Jvbmcta2V5LWZvci1henVyaXRl" not in wrong_key.stderr + unreachable.stderr


def test_new_with_a_missing_model_creates_nothing(mlws, workspace):
    workspace.point_at(mlws, f"{workspace.azurite.blob_endpoint}/models/never-trained.ilearner")

    refused = mlws("new", "-f", workspace.definition)

    assert refused.exit_code == 2 and "never-trained.ilearner does not exist" in refused.stderr
    assert workspace.emulator.call("GET", workspace.service_path).status == 404


def test_a_trained_model_asset_must_name_an_ilearner(mlws, workspace, tmp_path):
    workspace.deploy()
    assets = workspace.document()["properties"]["assets"]
    assets["asset2"]["locationInfo"]["uri"] = f"{workspace.azurite.blob_endpoint}/models/housing.csv"
    file = tmp_path / "assets.json"
    file.write_text(json.dumps(assets), encoding="utf-8")

    refused = mlws("update", "-n", workspace.name, "--assets", file)

    assert refused.exit_code == 2 and "is not an .ilearner blob" in refused.stderr


# --- property flags: what the merge keeps is said; what would change nothing is refused ----------------------------


def test_an_assets_file_without_a_live_asset_says_the_merge_kept_it(mlws, workspace, tmp_path):
    deploy_with(workspace, _extra_asset)
    assets = workspace.document()["properties"]["assets"]  # the committed file: no asset3
    file = tmp_path / "assets.json"
    file.write_text(json.dumps(assets), encoding="utf-8")

    updated = mlws("update", "-n", workspace.name, "--assets", file, "-o", "json")

    assert updated.exit_code == 0, updated.stdout
    assert updated.json()["result"]["keptByTheMerge"] == ["properties.assets.asset3"]
    assert "asset3" in workspace.live()["properties"]["assets"]  # as the service merges


@pytest.mark.parametrize("content", ['{"asset1": null}', '{"asset2": {"name": null}}'])
def test_a_null_in_a_flag_file_is_refused_as_it_would_change_nothing(mlws, workspace, tmp_path, content):
    workspace.deploy()
    modified = workspace.live()["properties"]["modifiedOn"]
    file = tmp_path / "assets.json"
    file.write_text(content, encoding="utf-8")

    refused = mlws("update", "-n", workspace.name, "--assets", file)

    assert refused.exit_code == 2 and "is null, which the service ignores" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified


def test_an_empty_assets_file_is_checked_as_removing_them_all(mlws, workspace, tmp_path):
    """A property sent as {} is removed by the service: the package then names assets that do not exist."""
    workspace.deploy()
    file = tmp_path / "assets.json"
    file.write_text("{}", encoding="utf-8")

    refused = mlws("update", "-n", workspace.name, "--assets", file)

    assert refused.exit_code == 2 and "which properties.assets does not define" in refused.stderr
    assert len(workspace.live()["properties"]["assets"]) == 2


def test_an_empty_variable_is_not_a_value(mlws, workspace, monkeypatch):
    workspace.deploy()
    before = keys_of(workspace)
    monkeypatch.setenv("EMPTY_KEY", "")

    flag = mlws("update", "-n", workspace.name, "--secondary-key-env", "EMPTY_KEY")
    with_key_placeholders(workspace)
    monkeypatch.setenv("MLWS_PRIMARY_KEY", "")
    planned = mlws("diff", workspace.definition, "--exit-code")

    assert flag.exit_code == 2 and "is not set (or is empty)" in flag.stderr
    assert planned.exit_code == 0, planned.stdout  # an empty key variable keeps the live key, as an unset one
    assert keys_of(workspace) == before


# --- a storage key that is sent must read the service's models -----------------------------------------------------


def test_a_wrong_storage_key_is_refused_before_it_is_sent(mlws, workspace):
    workspace.deploy()
    modified = workspace.live()["properties"]["modifiedOn"]

    refused = mlws("update", "-n", workspace.name, "--storage-account-key-env", "WRONG", env={"WRONG": NEW_STORAGE_KEY})

    assert refused.exit_code == 2 and "storage refused" in refused.stderr and "housing-v0.ilearner" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified
    assert NEW_STORAGE_KEY not in refused.stderr


# --- credentials: the service keeps them encrypted ------------------------------------------------------------------


def with_account_key(workspace) -> None:
    def add(properties, _document):
        parameters = properties["package"]["nodes"]["node3"]["parameters"]
        parameters["Account Key"] = {"value": "${MLWS_ACCOUNT_KEY}", "certificateThumbprint": ""}

    edit_definition(workspace, add)


def live_account_key(workspace) -> dict:
    return workspace.live()["properties"]["package"]["nodes"]["node3"]["parameters"]["Account Key"]


def test_a_credential_is_sent_in_clear_said_unverifiable_and_never_compared(mlws, workspace, monkeypatch):
    with_account_key(workspace)
    monkeypatch.setenv("MLWS_ACCOUNT_KEY", "account-key-v1")

    created = mlws("new", "-f", workspace.definition)
    monkeypatch.setenv("MLWS_ACCOUNT_KEY", "account-key-v2")
    planned = mlws("diff", workspace.definition)

    assert created.exit_code == 0, created.stderr
    path = 'properties.package.nodes.node3.parameters["Account Key"].value'
    assert f"not verifiable: {path} (sent; the service answers it encrypted)" in created.stdout
    assert live_account_key(workspace)["certificateThumbprint"]  # the service answers ciphertext
    assert "No changes." in planned.stdout and "not compared (the service answers them encrypted" in planned.stdout
    assert "--whole` sends them" in planned.stdout
    assert "account-key-v" not in created.stdout + planned.stdout


def test_an_unset_credential_keeps_the_live_ciphertext_when_its_package_is_sent(mlws, workspace, monkeypatch):
    with_account_key(workspace)
    monkeypatch.setenv("MLWS_ACCOUNT_KEY", "account-key-v1")
    assert mlws("new", "-f", workspace.definition).exit_code == 0
    encrypted = live_account_key(workspace)
    monkeypatch.delenv("MLWS_ACCOUNT_KEY")
    edit_definition(
        workspace,
        lambda p, _d: p["package"]["nodes"]["node3"]["parameters"]["Append score columns to output"].update(
            value="False"
        ),
    )

    updated = mlws("update", "-f", workspace.definition)

    assert updated.exit_code == 0, updated.stderr
    # The same ciphertext comes back: the service still holds the credential it was given, not its ciphertext.
    assert live_account_key(workspace) == encrypted


def test_whole_refuses_removals_it_cannot_make_before_sending(mlws, workspace):
    deploy_with(workspace, _extra_asset)
    modified = workspace.live()["properties"]["modifiedOn"]

    refused = mlws("update", "-f", workspace.definition, "--whole")

    assert refused.exit_code == 2, refused.stdout
    assert "cannot remove properties.assets.asset3" in refused.stderr and "nothing was sent" in refused.stderr
    assert workspace.live()["properties"]["modifiedOn"] == modified


def test_a_plan_is_never_saved_over_its_definition_and_says_where_it_went(mlws, workspace):
    workspace.deploy()
    before = workspace.definition.read_bytes()

    over = mlws("diff", workspace.definition, "--out", workspace.definition)
    saved = mlws("diff", workspace.definition, "--out", workspace.root / "plan.json")

    assert over.exit_code == 2 and "is the definition itself" in over.stderr
    assert workspace.definition.read_bytes() == before
    assert saved.exit_code == 0 and f"plan saved to {workspace.root / 'plan.json'}" in saved.stdout
