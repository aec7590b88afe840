"""A 400 from the service for a value the user gave is the user's bad input: exit 2 with the service's message."""

from __future__ import annotations

import re
import uuid

import pytest

from toolkit.errors import ExitCode

REQUEST_ID = re.compile(r"\(HTTP 400, request id [0-9a-f-]{36}\)$")


@pytest.fixture
def group(emulator, monkeypatch, tmp_path) -> str:
    for variable in ("MLWS_RESOURCE_GROUP", "MLWS_LOCATION", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in emulator.env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    return f"rg-bad-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("sku", "said"),
    [
        (["--sku-name", "S9", "--sku-tier", "Standard"], "The SKU 'S9' is not supported; known SKUs: S1, S2."),
        (["--sku-name", "S1", "--sku-tier", "Standard", "--sku-capacity", "500"], "from 1 to 10, got 500."),
    ],
    ids=["unknown SKU", "capacity out of range"],
)
def test_a_value_the_service_refuses_is_exit_2_with_its_message(mlws, emulator, group, sku, said):
    plan = f"plan-{uuid.uuid4().hex[:6]}"

    refused = mlws("commitment-plan", "new", "-n", plan, "-g", group, "-l", "South Central US", *sku)

    assert refused.exit_code == ExitCode.BAD_INPUT, refused.stderr
    line = refused.stderr.strip()
    assert len(line.splitlines()) == 1 and said in line and REQUEST_ID.search(line), line
    assert mlws("commitment-plan", "get", "-n", plan, "-g", group).exit_code == 1  # nothing was created


def test_a_change_the_service_refuses_is_exit_2_and_changes_nothing(mlws, emulator, group):
    plan = f"plan-{uuid.uuid4().hex[:6]}"
    created = mlws("commitment-plan", "new", "-n", plan, "-g", group, "-l", "South Central US",
                   "--sku-name", "S1", "--sku-tier", "Standard", "-o", "json")  # fmt: skip
    assert created.exit_code == 0, created.stdout

    refused = mlws("commitment-plan", "update", "-n", plan, "-g", group, "--sku-capacity", "500", "-o", "json")

    assert refused.exit_code == ExitCode.BAD_INPUT, refused.stdout
    error = refused.json()["error"]
    assert error["type"] == "RequestRejected" and error["status"] == 400 and error["requestId"]
    assert "from 1 to 10, got 500." in error["message"]
    shown = mlws("commitment-plan", "get", "-n", plan, "-g", group, "-o", "json")
    assert shown.json()["result"]["sku"] == created.json()["result"]["sku"]
