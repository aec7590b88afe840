"""Where a Classic command goes: the management host of the workspace's region (as AzureMLPS maps its -Location),
the workspace from a flag, the environment or mlws.yaml, and nothing sent when any of it is missing or wrong."""

from __future__ import annotations

import pytest

from toolkit.errors import BadInput
from toolkit.providers.classic_endpoint.target import resolve_classic_target

WORKSPACE = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def no_classic_environment(monkeypatch, tmp_path):
    for variable in ("MLWS_CLASSIC_ENDPOINT", "MLWS_WORKSPACE_ID", "MLWS_LOCATION", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("South Central US", "https://management.azureml.net"),
        ("West Europe", "https://europewest.management.azureml.net"),
        ("southeastasia", "https://asiasoutheast.management.azureml.net"),
        ("Japan East", "https://japaneast.management.azureml.net"),
        ("Germany Central", "https://germanycentral.management.azureml.de"),
        ("West Central US", "https://uswestcentral.management.azureml.net"),
    ],
)
def test_the_region_picks_the_management_host(location, host):
    target = resolve_classic_target(workspace=WORKSPACE, location=location, require=())
    assert target.endpoint == host


def test_a_region_studio_never_ran_in_and_a_missing_one_are_bad_input():
    with pytest.raises(BadInput, match="Studio \\(classic\\) ran in"):
        resolve_classic_target(workspace=WORKSPACE, location="East US 2", require=())
    with pytest.raises(BadInput, match="the management API is per region"):
        resolve_classic_target(workspace=WORKSPACE, require=())


def test_the_workspace_and_region_come_from_the_files_environment_in_mlws_yaml(tmp_path):
    (tmp_path / "mlws.yaml").write_text(
        f"environments:\n  prod:\n    workspace: {WORKSPACE}\n    location: West Europe\n", encoding="utf-8"
    )
    file = tmp_path / "definitions" / "prod" / "classic" / "rentalloc001.json"
    file.parent.mkdir(parents=True)
    file.write_text("{}", encoding="utf-8")

    target = resolve_classic_target(file=file, service=WORKSPACE, name="rentalloc001", require=("service", "name"))

    assert (target.workspace, target.environment) == (WORKSPACE, "prod")
    assert target.endpoint == "https://europewest.management.azureml.net"


def test_the_emulator_override_needs_no_region(monkeypatch):
    monkeypatch.setenv("MLWS_CLASSIC_ENDPOINT", "http://127.0.0.1:8123/")
    assert resolve_classic_target(workspace=WORKSPACE, require=()).endpoint == "http://127.0.0.1:8123"


def test_without_a_workspace_nothing_is_resolved():
    with pytest.raises(BadInput, match="no workspace: pass --workspace or set MLWS_WORKSPACE_ID"):
        resolve_classic_target(location="West Europe", require=())
