"""What `new`, `update` and `get` print for a person: what changed, that it was verified, a short summary."""

from __future__ import annotations

from tests.service.conftest import PRIMARY_KEY, TRAINED_MODEL

NEW_MODEL = "housing-v4"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def test_update_prints_the_changed_paths_and_the_verification(mlws, workspace):
    workspace.deploy()
    old_model, new_model = workspace.model("housing-v0"), workspace.model(NEW_MODEL)  # the sample's, the new one
    workspace.point_at(mlws, new_model)
    planned = mlws("diff", workspace.definition, "-o", "json").json()["result"]["changes"]

    updated = mlws("update", "-f", workspace.definition)

    assert updated.exit_code == 0, updated.stderr
    # The one path the edit changed, as diff planned it and as update says it sent it.
    assert [change["path"] for change in planned] == ["properties.assets.asset2.locationInfo.uri"]
    lines = updated.stdout.splitlines()
    assert lines[1:-2] == [f'  ~ properties.assets.asset2.locationInfo.uri: "{old_model}" -> "{new_model}"']
    assert lines[-2] == f"trained model found before sending: {new_model}"
    assert lines[-1] == f"verified: the live service now matches (read back from '{workspace.name}')"


def test_update_by_properties_prints_what_was_sent_with_secrets_masked(mlws, workspace):
    workspace.deploy()

    updated = mlws(
        "update", "-n", workspace.name, "--title", "v3", "--primary-key-env", "NEW_KEY", env={"NEW_KEY": PRIMARY_KEY}
    )

    assert updated.exit_code == 0, updated.stderr
    assert PRIMARY_KEY not in updated.stdout
    sent = [line.strip() for line in updated.stdout.splitlines()[1:-1]]
    assert sent == ['sent properties.title: "v3"', 'sent properties.keys: {"primary": "***"}']
    assert updated.stdout.splitlines()[-1].startswith("verified: the live service now matches")


def test_new_prints_the_definition_created_and_the_verification(mlws, workspace):
    created = mlws("new", "-f", workspace.definition)

    assert created.exit_code == 0, created.stderr
    lines = created.stdout.splitlines()
    added = [line.strip().split(":")[0] for line in lines[1:-3]]
    assert added == [f"+ {part}" for part in workspace.document()]
    assert lines[-3] == f"trained model found before sending: {workspace.model('housing-v0')}"
    assert lines[-2].startswith("verified: the live service now matches")
    # The storage key was sent but no read returns it: the result says so instead of claiming it was verified.
    assert lines[-1] == (
        "not verifiable: properties.storageAccount.key (sent, but write-only: the service never returns it)"
    )


def test_get_text_is_a_short_summary_and_json_the_whole_service(mlws, workspace):
    workspace.deploy()
    live = workspace.live()
    properties = live["properties"]
    model = next(a for a in properties["assets"].values() if a["name"] == TRAINED_MODEL)["locationInfo"]["uri"]

    summary = mlws("get", "-n", workspace.name)
    whole = mlws("get", "-n", workspace.name, "-o", "json")

    assert summary.exit_code == whole.exit_code == 0, summary.stderr
    fields = dict(line.split(":", 1) for line in summary.stdout.splitlines())
    fields = {label: value.strip() for label, value in fields.items()}
    assert fields["title"] == properties["title"] and fields["state"] == properties["provisioningState"]
    assert fields["location"] == live["location"] and fields["modified"] == properties["modifiedOn"]
    assert fields["swagger"] == properties["swaggerLocation"]
    assert fields["runtime"] == properties["swaggerLocation"].removesuffix("/swagger.json")
    assert fields["trained model"] == model
    assert int(fields["assets"]) == len(properties["assets"])
    assert int(fields["graph nodes"]) == len(properties["package"]["nodes"])
    assert whole.json()["result"] == live
