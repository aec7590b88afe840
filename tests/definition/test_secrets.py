"""Secrets: detection, redaction to placeholders (normalize), resolution, masking; and the path syntax."""

from __future__ import annotations

import pytest

from tests.definition.conftest import PREDICT, read_json, write_json
from toolkit.definition import resolve_placeholders
from toolkit.definition.paths import format_path, parse_path
from toolkit.errors import BadInput
from toolkit.providers.new_webservice.definition import find_secrets, mask_secrets, redact_secrets

SAS_URI = "https://acct.blob.core.windows.net/models/m.ilearner?sv=2019-02-02&sr=b&sig=c2lnbmF0dXJl"


def with_secrets() -> dict:
    document = read_json(PREDICT)
    properties = document["properties"]
    properties["keys"] = {"primary": "cHJpbWFyeQ==", "secondary": "c2Vjb25kYXJ5"}
    properties["storageAccount"]["key"] = "c3RvcmFnZQ=="
    properties["assets"]["asset2"]["locationInfo"] = {"uri": SAS_URI, "credentials": "AccountKey=Y3JlZA=="}
    properties["package"]["nodes"]["node3"]["parameters"]["Account Key"] = {
        "value": "ZW5jcnlwdGVkIGJsb2I=",
        "certificateThumbprint": "A1B2C3",
    }
    return document


def test_redaction_moves_each_secret_to_a_documented_placeholder():
    redacted, moved = redact_secrets(with_secrets())

    assert {s.path: s.variable for s in moved} == {
        "properties.keys.primary": "MLWS_PRIMARY_KEY",
        "properties.keys.secondary": "MLWS_SECONDARY_KEY",
        "properties.storageAccount.key": "MLWS_STORAGE_KEY",
        "properties.assets.asset2.locationInfo.uri": "MLWS_ASSETS_ASSET2_LOCATIONINFO_URI_SAS",
        "properties.assets.asset2.locationInfo.credentials": "MLWS_ASSETS_ASSET2_LOCATIONINFO_CREDENTIALS",
    }
    location = redacted["properties"]["assets"]["asset2"]["locationInfo"]
    assert (
        location["uri"]
        == "https://acct.blob.core.windows.net/models/m.ilearner?${MLWS_ASSETS_ASSET2_LOCATIONINFO_URI_SAS}"
    )
    assert find_secrets(redacted) == []
    encrypted = redacted["properties"]["package"]["nodes"]["node3"]["parameters"]["Account Key"]
    assert encrypted == {"value": "ZW5jcnlwdGVkIGJsb2I=", "certificateThumbprint": "A1B2C3"}


def test_resolution_restores_the_original_from_the_environment():
    original = with_secrets()
    redacted, _moved = redact_secrets(original)
    env = {
        "MLWS_PRIMARY_KEY": "cHJpbWFyeQ==",
        "MLWS_SECONDARY_KEY": "c2Vjb25kYXJ5",
        "MLWS_STORAGE_KEY": "c3RvcmFnZQ==",
        "MLWS_ASSETS_ASSET2_LOCATIONINFO_URI_SAS": SAS_URI.split("?", 1)[1],
        "MLWS_ASSETS_ASSET2_LOCATIONINFO_CREDENTIALS": "AccountKey=Y3JlZA==",
    }

    assert resolve_placeholders(redacted, env) == original


def test_every_unset_variable_is_named_once_with_all_its_paths():
    document = read_json(PREDICT)
    document["properties"]["keys"] = {"primary": "${MLWS_PRIMARY_KEY}", "secondary": "${MLWS_PRIMARY_KEY}"}

    with pytest.raises(BadInput) as caught:
        resolve_placeholders(document, {})

    assert "MLWS_PRIMARY_KEY, MLWS_STORAGE_KEY" in caught.value.message
    assert [p.path for p in caught.value.problems] == [
        "properties.keys.primary",
        "properties.keys.secondary",
        "properties.storageAccount.key",
    ]


def test_mask_hides_values_but_keeps_sas_uris_readable():
    masked = mask_secrets(with_secrets())

    assert masked["properties"]["keys"] == {"primary": "***", "secondary": "***"}
    assert masked["properties"]["assets"]["asset2"]["locationInfo"]["uri"].endswith("&sig=***")
    assert masked["properties"]["assets"]["asset2"]["locationInfo"]["credentials"] == "***"
    assert "c2lnbmF0dXJl" not in str(masked)


def test_empty_credentials_and_placeholders_are_not_secrets():
    document = read_json(PREDICT)
    document["properties"]["assets"]["asset1"]["locationInfo"]["credentials"] = ""
    document["properties"]["assets"]["asset2"]["locationInfo"]["uri"] = SAS_URI.split("?")[0] + "?${MLWS_SAS}"

    assert find_secrets(document) == []


def test_normalize_check_reports_and_normalize_writes_placeholders(mlws, tmp_path):
    file = write_json(tmp_path / "svc.json", with_secrets())
    before = file.read_bytes()

    check = mlws("normalize", "--check", file)
    assert check.exit_code == 3 and file.read_bytes() == before
    assert f"{file}: would be rewritten" in check.stdout

    run = mlws("normalize", file, "-o", "json")
    assert run.exit_code == 0
    result = run.json()["result"]
    assert result["changed"] == [str(file)]
    assert "MLWS_PRIMARY_KEY" in result["variables"]
    text = file.read_text(encoding="utf-8")
    for secret in ("cHJpbWFyeQ==", "c3RvcmFnZQ==", "c2lnbmF0dXJl", "Y3JlZA=="):
        assert secret not in text and secret not in run.stdout
    assert mlws("normalize", "--check", file).exit_code == 0
    assert mlws("validate", file).exit_code == 0


def test_normalize_writes_nothing_when_any_file_is_unreadable(mlws, tmp_path):
    good = write_json(tmp_path / "good.json", with_secrets())
    before = good.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")

    run = mlws("normalize", good, bad)

    assert run.exit_code == 2 and "bad.json" in run.stderr
    assert good.read_bytes() == before


@pytest.mark.parametrize(
    "segments",
    [
        ("properties", "package", "edges", 3, "targetNodeId"),
        ("properties", "package", "nodes", "node1", "parameters", "Account Key", "value"),
        ("a.b", "[x]", 'q"uote', "ünï", "0", 0),
    ],
)
def test_paths_format_and_parse_back(segments):
    assert tuple(parse_path(format_path(segments))) == segments


def test_path_syntax_errors_are_bad_input():
    with pytest.raises(BadInput, match="character"):
        parse_path("properties..title")


def test_a_json_escaped_signature_is_still_found(mlws, tmp_path):
    text = PREDICT.read_text(encoding="utf-8").replace(
        "housing-v0.ilearner", "housing-v0.ilearner?sv=2019-02-02&sig\\u003dc2lnbmF0dXJl"
    )
    file = tmp_path / "escaped.json"
    file.write_text(text, encoding="utf-8")

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert "properties.assets.asset2.locationInfo.uri: SAS signature in the file" in run.stdout
