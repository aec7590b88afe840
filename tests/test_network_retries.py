"""Idempotent requests (GET, PUT, PATCH, DELETE) are sent again after a lost answer, and say so.

A proxy in front of the emulator forwards the request (the emulator does the work), then closes the
connection without an answer, once. mlws must send it again (the same desired state: the same
result), end 0, and show the retry in its --debug log.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures.fault_proxy import ANSWER_503, DROP_AFTER, FaultProxy
from tests.service.conftest import make_workspace

NEW_MODEL = "housing-retried"  # models/<NEW_MODEL>.ilearner, in the workspace's storage


@pytest.fixture
def workspace(tmp_path, emulator, azurite, monkeypatch):
    return make_workspace(tmp_path, emulator, azurite, monkeypatch)


def run_through(mlws, proxy, *args: str):
    """mlws through the proxy (the environment keeps pointing there: check the outcome on the emulator)."""
    return mlws(*args, "--debug", env={"MLWS_ARM_ENDPOINT": proxy.url})


@pytest.mark.parametrize("how", [DROP_AFTER, ANSWER_503], ids=["dropped", "503"])
def test_get_is_retried(mlws, emulator, workspace, how):
    workspace.deploy()
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("GET", rf"/webServices/{workspace.name}$", how, times=1)
        shown = run_through(mlws, proxy, "get", "-n", workspace.name, "-o", "json")
        sent = proxy.count("GET", rf"/webServices/{workspace.name}$")

    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["result"]["name"] == workspace.name
    assert sent == 2
    assert re.search(r"retry 1 of 4 in [\d.]+s \((HTTP 503|.*Connection aborted.*)\): GET ", shown.stderr)


def test_a_put_whose_answer_was_lost_is_sent_again(mlws, emulator, workspace):
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("PUT", rf"/webServices/{workspace.name}$", DROP_AFTER, times=1)
        created = run_through(mlws, proxy, "new", "-f", workspace.definition)
        sent = proxy.count("PUT", rf"/webServices/{workspace.name}$")

    assert created.exit_code == 0, created.stderr
    assert sent == 2 and "retry 1 of 4" in created.stderr
    assert workspace.live()["properties"]["provisioningState"] == "Succeeded"


def test_a_patch_whose_answer_was_lost_is_sent_again(mlws, emulator, workspace):
    workspace.deploy()
    workspace.swap_model(mlws, NEW_MODEL)
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("PATCH", rf"/webServices/{workspace.name}$", DROP_AFTER, times=1)
        updated = run_through(mlws, proxy, "update", "-f", workspace.definition)
        sent = proxy.count("PATCH", rf"/webServices/{workspace.name}$")

    assert updated.exit_code == 0, updated.stderr
    assert sent == 2 and "retry 1 of 4" in updated.stderr and "verified" in updated.stdout
    assert workspace.live_model() == workspace.model(NEW_MODEL)


def test_a_delete_whose_answer_was_lost_is_sent_again(mlws, emulator, workspace):
    workspace.deploy()
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("DELETE", rf"/webServices/{workspace.name}$", DROP_AFTER, times=1)
        removed = run_through(mlws, proxy, "remove", "-n", workspace.name, "--yes")
        sent = proxy.count("DELETE", rf"/webServices/{workspace.name}$")

    assert removed.exit_code == 0, removed.stderr
    assert sent == 2 and "retry 1 of 4" in removed.stderr
    assert workspace.emulator.call("GET", workspace.service_path).status == 404


def test_a_put_that_keeps_failing_says_how_often_it_was_tried(mlws, emulator, workspace):
    with FaultProxy(emulator.url) as proxy:
        proxy.fault("PUT", rf"/webServices/{workspace.name}$", ANSWER_503)
        created = mlws("new", "-f", workspace.definition, env={"MLWS_ARM_ENDPOINT": proxy.url})
        sent = proxy.count("PUT", rf"/webServices/{workspace.name}$")

    assert created.exit_code == 1
    assert sent == 5
    assert "HTTP 503" in created.stderr and "(after 4 retries)" in created.stderr
