"""The documented Get -> Export -> edit -> Import -> Update loop as mlws commands, against the emulator."""

from __future__ import annotations

import json

from tests.service.conftest import SECRETS, TRAINED_MODEL

NEW_MODEL = "housing-v1"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


def no_secrets_in(*texts: str) -> bool:
    return not any(secret in text for text in texts for secret in SECRETS)


def test_new_export_edit_diff_update_roundtrip(mlws, workspace):
    definition = workspace.definition
    committed = definition.read_bytes()
    outputs = []

    created = mlws("new", "-f", definition, "-o", "json")
    outputs += [created.stdout, created.stderr]
    assert created.exit_code == 0, created.stdout
    assert created.json()["result"]["resource"]["name"] == workspace.name

    exported = mlws("export", "-n", workspace.name, "-g", workspace.resource_group, "-f", definition, "--yes")
    outputs += [exported.stdout, exported.stderr]
    assert exported.exit_code == 0, exported.stderr
    assert definition.read_bytes() == committed  # the write-only storage key's placeholder is kept

    edited = mlws("edit", definition, "--asset", TRAINED_MODEL, "--uri", workspace.model(NEW_MODEL), "-i")
    assert edited.exit_code == 0, edited.stderr
    edited_bytes = definition.read_bytes()

    planned = mlws("diff", definition, "--exit-code", "-o", "json")
    outputs += [planned.stdout, planned.stderr]
    assert planned.exit_code == 3, planned.stdout
    changes = planned.json()["result"]["changes"]
    asset_id = next(k for k, a in workspace.document()["properties"]["assets"].items() if a["name"] == TRAINED_MODEL)
    assert [(c["path"], c["after"]) for c in changes] == [
        (f"properties.assets.{asset_id}.locationInfo.uri", workspace.model(NEW_MODEL))
    ]

    preview = mlws("update", "-f", definition, "--what-if", "-o", "json")
    assert preview.exit_code == 0, preview.stdout
    sent = preview.json()["result"]["body"]
    assert sent == {"properties": {"packageType": "Graph", "assets": workspace.document()["properties"]["assets"]}}

    updated = mlws("update", "-f", definition, "-o", "json")
    outputs += [updated.stdout, updated.stderr]
    assert updated.exit_code == 0, updated.stdout
    live_assets = updated.json()["result"]["resource"]["properties"]["assets"]
    assert live_assets[asset_id]["locationInfo"]["uri"] == workspace.model(NEW_MODEL)

    assert mlws("diff", definition, "--exit-code").exit_code == 0
    again = workspace.root / "again.json"
    assert mlws("export", "-n", workspace.name, "-f", again).exit_code == 0
    assert again.read_bytes() == edited_bytes
    assert no_secrets_in(*outputs, definition.read_text(), again.read_text())


def test_export_to_stdout_is_the_file_and_unchanged_export_keeps_the_file(mlws, workspace):
    workspace.deploy()
    target = workspace.root / "exported.json"

    first = mlws("export", "-n", workspace.name, "-g", workspace.resource_group, "-f", target)
    before = target.stat().st_mtime_ns
    second = mlws("export", "-n", workspace.name, "-g", workspace.resource_group, "-f", target, "-o", "json")
    printed = mlws("export", "-n", workspace.name, "-g", workspace.resource_group)

    assert first.exit_code == second.exit_code == printed.exit_code == 0
    assert second.json()["result"]["written"] is False
    assert target.stat().st_mtime_ns == before
    assert printed.stdout == target.read_text(encoding="utf-8")


def test_export_refuses_to_overwrite_a_different_file_without_a_terminal(mlws, workspace):
    workspace.deploy()
    target = workspace.definition.parent / "mine.json"
    target.write_text('{"hand": "written"}\n', encoding="utf-8")

    refused = mlws("export", "-n", workspace.name, "-f", target)

    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    assert target.read_text(encoding="utf-8") == '{"hand": "written"}\n'


def test_new_refuses_to_replace_an_existing_service(mlws, workspace):
    workspace.deploy()

    again = mlws("new", "-f", workspace.definition)
    forced_without_terminal = mlws("new", "-f", workspace.definition, "--force")
    forced = mlws("new", "-f", workspace.definition, "--force", "--yes")

    assert again.exit_code == 4 and "already exists" in again.stderr and "--force" in again.stderr
    assert forced_without_terminal.exit_code == 2 and "--yes" in forced_without_terminal.stderr
    assert forced.exit_code == 0, forced.stderr


def test_get_list_table_and_yaml(mlws, workspace):
    workspace.deploy()

    one = mlws("get", "-n", workspace.name, "-g", workspace.resource_group, "-o", "json")
    listed = mlws("list", "-g", workspace.resource_group, "-o", "json")
    table = mlws("list", "-g", workspace.resource_group, "-o", "table")
    text = mlws("list", "-g", workspace.resource_group)
    as_yaml = mlws("get", "-n", workspace.name, "-g", workspace.resource_group, "-o", "yaml")

    assert one.json()["result"]["properties"]["title"] == workspace.document()["properties"]["title"]
    assert [s["name"] for s in listed.json()["result"]] == [workspace.name]
    assert table.stdout.splitlines()[0].split() == ["NAME", "RESOURCE", "GROUP", "LOCATION", "STATE", "MODIFIED"]
    assert table.stdout.splitlines()[1].split()[:2] == [workspace.name, workspace.resource_group]
    assert text.stdout == table.stdout  # the text of a list is its table: a header, aligned columns
    assert f"name: {workspace.name}" in as_yaml.stdout


def test_list_follows_every_page(mlws, workspace, emulator):
    """The emulator pages by 10: 12 services need two pages."""
    body = json.loads(workspace.definition.read_text())
    body["properties"]["storageAccount"]["key"] = "k"
    body["location"] = "South Central US"
    for index in range(12):
        path = (
            f"/subscriptions/{emulator.subscription}/resourceGroups/{workspace.resource_group}"
            f"/providers/Microsoft.MachineLearning/webServices/page-{index:02d}?api-version=2017-01-01"
        )
        assert emulator.call("PUT", path, body).status in (200, 201)

    listed = mlws("list", "-g", workspace.resource_group, "-o", "json")

    assert listed.exit_code == 0
    assert sorted(s["name"] for s in listed.json()["result"]) == [f"page-{i:02d}" for i in range(12)]


def test_update_by_properties_reads_back_and_never_sends_read_only(mlws, workspace):
    workspace.deploy()

    preview = mlws(
        "update", "-n", workspace.name, "-g", workspace.resource_group, "--title", "v2", "--what-if", "-o", "json"
    )
    updated = mlws(
        "update",
        "-n",
        workspace.name,
        "-g",
        workspace.resource_group,
        "--title",
        "v2",
        "--max-concurrent-calls",
        "8",
        "-o",
        "json",
    )

    assert preview.json()["result"]["body"] == {"properties": {"packageType": "Graph", "title": "v2"}}
    assert updated.exit_code == 0, updated.stdout
    live = updated.json()["result"]["resource"]["properties"]
    assert (live["title"], live["realtimeConfiguration"]["maxConcurrentCalls"], live["readOnly"]) == ("v2", 8, False)


def test_read_only_needs_confirmation(mlws, workspace):
    workspace.deploy()

    refused = mlws("update", "-n", workspace.name, "-g", workspace.resource_group, "--read-only")
    live = mlws("get", "-n", workspace.name, "-g", workspace.resource_group, "-o", "json").json()["result"]

    assert refused.exit_code == 2 and "read-only" in refused.stderr
    assert live["properties"]["readOnly"] is False


def test_keys_masked_unless_shown(mlws, workspace):
    workspace.deploy()
    set_key = mlws(
        "update",
        "-n",
        workspace.name,
        "-g",
        workspace.resource_group,
        "--primary-key-env",
        "NEW_KEY",
        env={"NEW_KEY": SECRETS[1]},
    )
    assert set_key.exit_code == 0, set_key.stderr

    masked = mlws("keys", "-n", workspace.name, "-g", workspace.resource_group, "-o", "json")
    shown = mlws("keys", "-n", workspace.name, "-g", workspace.resource_group, "--show", "-o", "json")

    assert masked.json()["result"]["primary"] == "***" and SECRETS[1] not in masked.stdout
    assert shown.json()["result"]["primary"] == SECRETS[1]


def test_remove_then_get_is_a_clear_not_found(mlws, workspace):
    workspace.deploy()

    refused = mlws("remove", "-n", workspace.name, "-g", workspace.resource_group)
    still_there = mlws("get", "-n", workspace.name, "-g", workspace.resource_group)
    removed = mlws("remove", "-n", workspace.name, "-g", workspace.resource_group, "--yes")
    gone = mlws("get", "-n", workspace.name, "-g", workspace.resource_group)

    assert refused.exit_code == 2 and still_there.exit_code == 0
    assert removed.exit_code == 0, removed.stderr
    assert gone.exit_code == 1
    assert f"web service '{workspace.name}'" in gone.stderr and "not found" in gone.stderr


def test_add_region_makes_the_regional_copy_readable(mlws, workspace):
    workspace.deploy()
    target = ("-n", workspace.name, "-g", workspace.resource_group)

    before = mlws("get", *target, "--region", "westcentralus")
    added = mlws("add-region", *target, "--region", "westcentralus")
    after = mlws("get", *target, "--region", "westcentralus", "-o", "json")

    assert before.exit_code == 1 and "add-region" in before.stderr
    assert added.exit_code == 0, added.stderr
    assert after.exit_code == 0 and after.json()["result"]["name"] == workspace.name


def test_missing_target_names_the_flag(mlws, workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # no mlws.yaml above
    monkeypatch.delenv("MLWS_ENVIRONMENT")

    result = mlws("get", "-n", "x")

    assert result.exit_code == 2
    assert "--subscription" in result.stderr or "-g/--resource-group" in result.stderr
