"""The seam, proved by a second kind of service (tests/example_provider.py: "gadgets" on a fake Resource
Manager over HTTP) registered with one line in each registry table and nothing else: export, edit, diff, plan,
update and the read-back all work for it as for web services, and a removal is planned as a replacement."""

from __future__ import annotations

import json

import pytest

from tests import example_provider
from tests.example_provider import KIND, PROVIDER, FakeGadgets
from toolkit import providers
from toolkit.deploy import flow
from toolkit.deploy.send import Sending
from toolkit.errors import Refused
from toolkit.operation import WaitOptions

SUBSCRIPTION = "6b5c6a02-1c4e-4a3f-9d7e-0a1b2c3d4e5f"
GADGET = {
    "location": "westeurope",
    "tags": {"team": "ml"},
    "properties": {"colour": "red", "size": 3, "labels": {"a": "1", "b": "2"}, "secret": "${GADGET_SECRET}"},
}


@pytest.fixture
def gadgets(tmp_path, monkeypatch):
    """The fake service, the example kind registered (the registry lines), and a repository with one gadget."""
    monkeypatch.setattr(providers, "KINDS", (*providers.KINDS, KIND))
    monkeypatch.setitem(providers.PROVIDERS, "gadget", example_provider.__name__)
    (tmp_path / "mlws.yaml").write_text(
        f"environments:\n  dev: {{subscription: {SUBSCRIPTION}, resourceGroup: rg-gadgets}}\n", encoding="utf-8"
    )
    file = tmp_path / "definitions" / "dev" / "g1.json"
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps(GADGET, indent=2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GADGET_SECRET", "gadget-secret-value-0123")
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    with FakeGadgets() as fake:
        monkeypatch.setenv("MLWS_ARM_ENDPOINT", fake.url)
        yield fake, file


def sending(**overrides) -> Sending:
    import os

    return Sending(confirm=lambda *_a, **_k: None, what_if=False, wait=WaitOptions(), env=dict(os.environ), **overrides)


def target(file):
    return PROVIDER.target(file=file)


def test_a_second_kind_is_planned_created_exported_edited_and_updated(gadgets, mlws, tmp_path):
    fake, file = gadgets
    how = sending()
    plan_file = tmp_path / "plan.json"

    created_plan = flow.plan_against_live(PROVIDER, file, where={},
                                          env=how.env, out=plan_file)  # fmt: skip
    created = flow.update_from_plan(plan_file, how, providers.provider_named)
    exported = flow.export(PROVIDER, PROVIDER.connect(target(file)), file, confirm=lambda *_a, **_k: None)
    again = flow.export(PROVIDER, PROVIDER.connect(target(file)), file, confirm=lambda *_a, **_k: None)
    edited = mlws("edit", file, "--set", "properties.colour=blue", "-i")  # an offline command, the kind chosen
    planned = flow.plan_against_live(PROVIDER, file, where={},
                                     env=how.env, out=plan_file)  # fmt: skip
    updated = flow.update_from_plan(plan_file, how, providers.provider_named)
    after = flow.plan_against_live(PROVIDER, file, where={}, env=how.env)

    assert created_plan.action == "create" and created.verified
    assert "PUT /subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg-gadgets/providers/Example.Gadgets/gadgets/g1" in (
        fake.requests
    )
    stored = next(iter(fake.gadgets.values()))
    assert stored["properties"]["secret"] == "gadget-secret-value-0123"  # the placeholder was resolved
    assert not again.written  # byte-stable export
    assert json.loads(exported.text)["properties"]["secret"] == "${GADGET_SECRET}"  # the secret is a placeholder
    assert edited.exit_code == 0, edited.stderr
    assert planned.action == "update" and [c.path for c in planned.changes] == ["properties.colour"]
    assert updated.verified  # read back and compared with the whole file
    assert next(iter(fake.gadgets.values()))["properties"]["colour"] == "blue"
    assert not after.has_changes
    assert json.loads(plan_file.read_text())["provider"] == "gadget"


def test_a_removed_label_replaces_the_gadget_and_a_stale_plan_is_refused(gadgets, mlws, tmp_path):
    fake, file = gadgets
    how = sending()
    flow.create(PROVIDER, PROVIDER.connect(target(file)), PROVIDER.load_desired(file), how, action="new")
    document = json.loads(file.read_text())
    del document["properties"]["labels"]["b"]
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    plan_file = tmp_path / "plan.json"

    planned = flow.plan_against_live(PROVIDER, file, where={},
                                     env=how.env, out=plan_file)  # fmt: skip
    path = next(iter(fake.gadgets))
    fake.gadgets[path]["properties"]["size"] = 9  # changed behind the plan's back
    with pytest.raises(Refused, match="changed since the plan"):
        flow.update_from_plan(plan_file, how, providers.provider_named)
    fake.gadgets[path]["properties"]["size"] = 3
    replaced = flow.update_from_plan(plan_file, how, providers.provider_named)

    assert planned.action == "replace" and planned.replace_because == ["properties.labels.b"]
    assert replaced.action == "replace" and replaced.verified
    assert fake.gadgets[path]["properties"]["labels"] == {"a": "1"}
    assert fake.requests.count(f"PUT {path}") == 2  # the creation and the replacement; no PATCH could remove it


def test_the_shared_core_imports_no_provider():
    """The definition core and the deploy flow know no kind of service: importing them loads no provider."""
    import subprocess
    import sys

    code = (
        "import sys, toolkit.definition, toolkit.definition.files, toolkit.deploy.flow; "
        "print(sorted(m for m in sys.modules if m.startswith(('toolkit.providers', 'toolkit.emulator'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    assert loaded == "[]"
