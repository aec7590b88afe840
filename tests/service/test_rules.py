"""The library's rules, one by one: noise normalisation, polling cadence, target resolution, loopback-only http."""

from __future__ import annotations

import pytest

from toolkit.arm.client import ArmClient, poll_delay
from toolkit.arm.credential import DevelopmentCredential, credential_for, is_loopback
from toolkit.config import resolve_target
from toolkit.errors import BadInput, ServiceError
from toolkit.providers.new_webservice.deploy import comparable_pair, minimal_patch, not_taken

BASE = {
    "location": "South Central US",
    "properties": {
        "packageType": "Graph",
        "title": "t",
        "realtimeConfiguration": {"maxConcurrentCalls": 4},
        "package": {"nodes": {"n1": {"assetId": "a1", "parameters": {"Account Key": {"value": "plain"}}}}},
    },
}


def live_version(**changes):
    live = {
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearning/webServices/w",
        "name": "w",
        "type": "Microsoft.MachineLearning/webServices",
        "location": "southcentralus",
        "tags": {},
        "properties": {
            **BASE["properties"],
            "provisioningState": "Succeeded",
            "createdOn": "2017-04-12T00:39:24.8184359Z",
            "modifiedOn": "2017-04-12T00:39:38.4222119Z",
            "swaggerLocation": "https://example/swagger.json",
            "readOnly": False,
            "payloadsInBlobStorage": False,
            "parameters": None,
            "diagnostics": None,
        },
    }
    live["properties"].update(changes)
    return live


def test_service_noise_is_not_a_difference():
    """Rules 1-5: read-only fields, nulls, empty maps, location spelling, defaults the service fills in."""
    desired = {**BASE, "properties": {**BASE["properties"], "keys": {"primary": "k"}, "commitmentPlan": {"id": "p"}}}
    wanted, actual = comparable_pair(desired, live_version())
    assert wanted == actual


def test_encrypted_parameters_are_not_compared():
    """Rule 6: the service re-encrypts credential parameters, so ciphertexts never match what was sent."""
    nodes = {
        "n1": {"assetId": "a1", "parameters": {"Account Key": {"value": "MIIC...", "certificateThumbprint": "AB"}}}
    }
    live = live_version(package={"nodes": nodes})
    assert not_taken(BASE, live, exact=True) == []


def test_pascal_case_from_the_service_is_read_like_a_file():
    """Rule 7: large payloads came back with PascalCase keys inside."""
    live = live_version(realtimeConfiguration={"MaxConcurrentCalls": 4})
    assert not_taken(BASE, live, exact=True) == []


def test_real_differences_are_reported_by_path():
    live = live_version(title="other", realtimeConfiguration={"maxConcurrentCalls": 8})
    assert not_taken(BASE, live, exact=True) == [
        "properties.title",
        "properties.realtimeConfiguration.maxConcurrentCalls",
    ]
    sent = {"properties": {"packageType": "Graph", "title": "t"}}
    assert not_taken(sent, live, exact=False) == ["properties.title"]


def test_minimal_patch_sends_changed_parts_whole():
    body = minimal_patch(BASE, [("properties", "package"), ("tags",)])
    assert body == {"properties": {"packageType": "Graph", "package": BASE["properties"]["package"]}, "tags": {}}


@pytest.mark.parametrize(
    ("elapsed", "percent", "retry_after", "expected"),
    [
        (1.0, None, None, 0.5),  # early: poll often
        (50.0, None, None, 5.0),  # later: a tenth of the time already spent
        (500.0, None, None, 10.0),  # capped at 10 s
        (50.0, 0.95, None, 50 * 0.05 / 0.95),  # percentComplete predicts the end sooner than the backoff
        (50.0, 0.95, 7.0, 7.0),  # Retry-After wins
    ],
)
def test_poll_delay(elapsed, percent, retry_after, expected):
    assert poll_delay(elapsed, percent, retry_after) == pytest.approx(expected)


def test_development_token_only_for_loopback(monkeypatch):
    assert is_loopback("http://127.0.0.1:8080") and is_loopback("http://localhost:1") and is_loopback("http://[::1]:2")
    assert not is_loopback("https://management.azure.com") and not is_loopback("http://127.example.com")
    assert isinstance(credential_for("http://127.0.0.1:9"), DevelopmentCredential)
    assert not isinstance(credential_for("https://management.azure.com"), DevelopmentCredential)


def test_bearer_tokens_are_never_sent_over_plain_http_to_a_remote_host():
    client = ArmClient("http://10.255.255.1:9", "sub", credential=DevelopmentCredential())
    with pytest.raises(ServiceError, match="refusing to send an access token over plain http"):
        client.send("GET", "/subscriptions/sub/resourceGroups")


def test_target_precedence_flag_then_environment_then_mlws_yaml(tmp_path, monkeypatch):
    (tmp_path / "mlws.yaml").write_text(
        "environments:\n  dev: {subscription: 00000000-0000-0000-0000-000000000001, resourceGroup: yaml-rg, "
        "location: westeurope}\n"
    )
    file = tmp_path / "definitions" / "dev" / "scoring.json"
    file.parent.mkdir(parents=True)
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_LOCATION", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)

    from_yaml = resolve_target(file=file)
    monkeypatch.setenv("MLWS_RESOURCE_GROUP", "env-rg")
    from_env = resolve_target(file=file)
    from_flags = resolve_target(file=file, resource_group="flag-rg", name="other")

    assert (from_yaml.subscription, from_yaml.resource_group, from_yaml.name, from_yaml.location) == (
        "00000000-0000-0000-0000-000000000001",
        "yaml-rg",
        "scoring",
        "westeurope",
    )
    assert from_env.resource_group == "env-rg"
    assert (from_flags.resource_group, from_flags.name) == ("flag-rg", "other")


def test_missing_target_names_the_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in ("AZURE_SUBSCRIPTION_ID", "MLWS_RESOURCE_GROUP", "MLWS_ENVIRONMENT"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(BadInput, match=r"-g/--resource-group.*-n/--name"):
        resolve_target(subscription="s", require=("subscription", "resource_group", "name"))
