"""mlws sends what the cmdlets sent: each recorded PowerShell scenario replayed through the equivalent commands.

The local server answers with the recorded responses; the tests assert that mlws asked for every recorded
request and nothing else (method, path, api-version), with the same bodies for the equivalent flags.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

import pytest

from tests.service.helpers import differing_paths, write_definition
from tests.service.replay import Recording, ReplayServer

ML_API = "2017-01-01"


def parts_of(entry) -> tuple[str, str, str]:
    """Subscription, resource group and service name from a recorded web-service URI."""
    segments = urlsplit(entry["RequestUri"]).path.split("/")
    return segments[2], segments[4], segments[8]


def body_of(entry):
    return json.loads(entry["RequestBody"])


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


@pytest.fixture
def replay(reference, monkeypatch):
    def start(recording_name: str) -> ReplayServer:
        recording = Recording.load(reference / "powershell" / f"{recording_name}.json")
        server = ReplayServer(recording)
        server.__enter__()
        started.append(server)
        subscription, _, _ = parts_of(recording.first("PUT"))
        monkeypatch.setenv("MLWS_ARM_ENDPOINT", server.url)
        monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", subscription)
        return server

    started: list[ReplayServer] = []
    yield start
    for server in started:
        server.__exit__(None, None, None)


def assert_replayed_exactly(server: ReplayServer, *, beyond: tuple[tuple[str, str], ...] = ()) -> None:
    """Every request the recording holds and no other, but those `beyond` it ((method, path suffix)) mlws adds."""
    unmatched = [e for e in server.unmatched if not any(e.method == m and e.path.endswith(end) for m, end in beyond)]
    assert not unmatched, [f"{e.method} {e.path} {e.query}" for e in unmatched]
    assert not server.unanswered, server.unanswered
    for exchange in server.exchanges:
        assert exchange.query.get("api-version") == ML_API, exchange.path
        assert exchange.headers["user-agent"].startswith("mlws/")
        assert exchange.headers.get("x-ms-client-request-id")
        assert exchange.headers["authorization"].startswith("Bearer ")


def new_as_recorded(mlws, definition, group: str, put: dict, env: dict[str, str]):
    """`mlws new` of the recorded PUT's definition: --force as the cmdlet (no existence check), and no model
    check: the recording holds the service's traffic, not its storage."""
    location = body_of(put)["location"]
    return mlws("new", "-f", definition, "-g", group, "-l", location, "--force", "--yes", "--skip-model-check", env=env)


def assert_same_body(sent, expected, what: str) -> None:
    assert differing_paths(sent, expected) == [], f"{what}: body differs from the recording at these paths"


def test_create_keys_remove_get_matches_recording(replay, mlws, tmp_path):
    server = replay("TestCreateGetRemoveWebService")
    put = server.recording.first("PUT")
    _, group, name = parts_of(put)
    definition, env = write_definition(body_of(put), tmp_path, "test", name)

    created = new_as_recorded(mlws, definition, group, put, env)
    assert created.exit_code == 0, created.stderr
    keys = mlws("keys", "-n", name, "-g", group, "--show", "-o", "json")
    assert keys.exit_code == 0, keys.stderr
    recorded_keys = json.loads(server.recording.first("GET", "/listKeys")["ResponseBody"])
    assert digest(keys.json()["result"]) == digest(recorded_keys)
    removed = mlws("remove", "-n", name, "-g", group, "--yes")
    assert removed.exit_code == 0, removed.stderr
    gone = mlws("get", "-n", name, "-g", group)

    assert gone.exit_code == 1
    assert "not found" in gone.stderr and "WebServiceNotFound" in gone.stderr
    # Beyond the cmdlet: a name not found lists its group once, for the nearest names ("did you mean ...?").
    nearest_names = ("GET", f"/resourceGroups/{group}/providers/Microsoft.MachineLearning/webServices")
    assert_replayed_exactly(server, beyond=(nearest_names,))
    sent_put = next(e for e in server.exchanges if e.method == "PUT")
    assert_same_body(sent_put.body, sent_put.recorded_body, "PUT")


def test_masked_keys_by_default(replay, mlws, tmp_path):
    server = replay("TestCreateGetRemoveWebService")
    _, group, name = parts_of(server.recording.first("PUT"))
    recorded_keys = json.loads(server.recording.first("GET", "/listKeys")["ResponseBody"])

    shown = mlws("keys", "-n", name, "-g", group)

    assert shown.exit_code == 0, shown.stderr
    assert all(value not in shown.stdout for value in recorded_keys.values())
    assert shown.stdout.count("***") == len(recorded_keys)


def test_regional_copy_matches_recording(replay, mlws, tmp_path):
    server = replay("TestCreateAndGetRegionalProperties")
    put = server.recording.first("PUT")
    _, group, name = parts_of(put)
    region = server.recording.first("POST")["RequestUri"].split("region=")[1].split("&")[0]
    definition, env = write_definition(body_of(put), tmp_path, "test", name)

    created = new_as_recorded(mlws, definition, group, put, env)
    assert created.exit_code == 0, created.stderr
    missing = mlws("get", "-n", name, "-g", group, "--region", region)
    assert missing.exit_code == 1
    assert "PerRegionPayloadNotFound" in missing.stderr and f"mlws add-region --region {region}" in missing.stderr
    added = mlws("add-region", "-n", name, "-g", group, "--region", region, "-o", "json")
    assert added.exit_code == 0, added.stdout
    assert added.json()["result"]["resource"]["name"] == name
    assert mlws("remove", "-n", name, "-g", group, "--yes").exit_code == 0

    assert_replayed_exactly(server)
    sent_put = next(e for e in server.exchanges if e.method == "PUT")
    assert_same_body(sent_put.body, sent_put.recorded_body, "PUT")
    assert next(e for e in server.exchanges if e.method == "POST").body is None


def test_update_whole_and_properties_match_recording(replay, mlws, tmp_path):
    server = replay("TestUpdateWebService")
    put = server.recording.first("PUT")
    _, group, name = parts_of(put)
    whole_patch, property_patch = (body_of(e) for e in server.recording.all("PATCH"))
    created, env = write_definition(body_of(put), tmp_path, "test", name)
    updated, update_env = write_definition(whole_patch, tmp_path / "next", "test", name)
    new_primary = property_patch["properties"]["keys"]["primary"]

    assert new_as_recorded(mlws, created, group, put, env).exit_code == 0
    whole = mlws("update", "-f", updated, "-g", group, "--whole", "--skip-model-check", env=update_env)
    assert whole.exit_code == 0, whole.stderr
    by_flags = mlws(
        "update",
        "-n",
        name,
        "-g",
        group,
        "--max-concurrent-calls",
        "30",
        "--primary-key-env",
        "NEW_PRIMARY",
        env={"NEW_PRIMARY": new_primary},
    )
    assert by_flags.exit_code == 0, by_flags.stderr
    assert mlws("keys", "-n", name, "-g", group).exit_code == 0
    assert mlws("remove", "-n", name, "-g", group, "--yes").exit_code == 0

    assert_replayed_exactly(server)
    sent_whole, sent_flags = (e for e in server.exchanges if e.method == "PATCH")
    assert_same_body(sent_whole.body, whole_patch, "PATCH --whole")
    # The cmdlet's parameter set adds "readOnly": false; mlws sends only what was asked for.
    without_forced_read_only = json.loads(json.dumps(property_patch))
    assert without_forced_read_only["properties"].pop("readOnly") is False
    assert_same_body(sent_flags.body, without_forced_read_only, "PATCH with property flags")


def test_update_without_a_change_request_is_a_usage_error(replay, mlws):
    server = replay("TestUpdateWebService")
    _, group, name = parts_of(server.recording.first("PUT"))

    result = mlws("update", "-n", name, "-g", group)

    assert result.exit_code == 2
    assert "-ServiceUpdates" in result.stderr
    assert server.exchanges == []


def test_an_update_the_service_did_not_apply_is_refused(replay, mlws, tmp_path):
    """The documented "200 but nothing changed": the recorded service answers the PATCH, yet reads back unchanged."""
    server = replay("TestUpdateWebService")
    put = server.recording.first("PUT")
    _, group, name = parts_of(put)
    created, env = write_definition(body_of(put), tmp_path, "test", name)
    assert new_as_recorded(mlws, created, group, put, env).exit_code == 0

    result = mlws("update", "-n", name, "-g", group, "--title", "a title the recording never had")

    assert result.exit_code == 4
    assert "did not take: properties.title" in result.stderr
