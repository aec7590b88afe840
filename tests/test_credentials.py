"""Which token mlws sends: the development token (or MLWS_ARM_TOKEN) to loopback only."""

from __future__ import annotations

from toolkit.arm.credential import DevelopmentCredential, credential_for


def test_an_emulator_with_its_own_token_answers_only_when_mlws_sends_it(mlws, start_emulator, monkeypatch):
    emulator = start_emulator(token="the-one")
    monkeypatch.delenv("MLWS_ARM_TOKEN", raising=False)
    env = {"MLWS_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": emulator.subscription}

    refused = mlws("list", env=env)
    assert refused.exit_code == 1
    assert "401" in refused.stderr
    assert "the-one" not in refused.stdout + refused.stderr

    accepted = mlws("list", "-o", "json", env={**env, "MLWS_ARM_TOKEN": "the-one"})
    assert accepted.exit_code == 0, accepted.stderr
    assert accepted.json()["result"] == []


def test_the_development_credential_is_for_loopback_only():
    assert isinstance(credential_for("http://127.0.0.1:8123"), DevelopmentCredential)
    assert isinstance(credential_for("http://localhost:8123"), DevelopmentCredential)
    assert not isinstance(credential_for("https://management.azure.com"), DevelopmentCredential)
