"""--query (JMESPath, as the az CLI takes it) and -o tsv: one value for a script, on every command that prints data."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def service(emulator, monkeypatch):
    name, group, path = emulator.put_sample_service("query")
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    return name, group, emulator.call("GET", path).body


def test_a_query_with_tsv_prints_the_value_alone(mlws, service):
    name, group, live = service

    title = mlws("get", "-n", name, "-g", group, "--query", "properties.title", "-o", "tsv")
    names = mlws("list", "-g", group, "--query", "[].name", "-o", "tsv")
    pair = mlws("get", "-n", name, "-g", group, "--query", "{n: name, l: location}", "-o", "tsv")

    assert title.exit_code == 0 and title.stdout == live["properties"]["title"] + "\n"
    assert names.stdout.splitlines() == [name]
    assert pair.stdout == f"{name}\t{live['location']}\n"


def test_a_query_shapes_the_json_envelopes_result(mlws, service):
    name, group, _ = service

    run = mlws("get", "-n", name, "-g", group, "--query", "keys(properties.assets)", "-o", "json")

    assert run.exit_code == 0
    assert sorted(run.json()["result"]) == sorted(json.loads(mlws("get", "-n", name, "-g", group, "-o", "json").stdout)
                                                  ["result"]["properties"]["assets"])  # fmt: skip


def test_a_query_that_is_not_jmespath_is_bad_input_before_anything_is_sent(mlws, service, emulator):
    name, group, _ = service
    before = emulator.call("GET", "/_emulator/throttle").body

    run = mlws("get", "-n", name, "-g", group, "--query", "properties.[")

    assert run.exit_code == 2 and "--query 'properties.[': not a JMESPath expression" in run.stderr
    assert emulator.call("GET", "/_emulator/throttle").body == before  # no read was counted


def test_a_name_not_found_suggests_the_nearest_in_its_group(mlws, service):
    name, group, _ = service

    typo = mlws("get", "-n", name[:-1] + "x", "-g", group)

    assert typo.exit_code == 1 and f"did you mean {name}?" in typo.stderr, typo.stderr
