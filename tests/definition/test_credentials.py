"""Credential parameters (an "Account Key", or one a `Credential` graph parameter links to) never sit in a file.

The real service answers them as ciphertext with a certificateThumbprint; a plain value in a definition is a
secret like a key: `validate` refuses it naming its path and placeholder, `normalize` moves it to the placeholder.
"""

from __future__ import annotations

from tests.definition.conftest import read_json, write_json

PLAIN = "plain-credential-value-0123456789"


def with_credentials(predict_copy, *, linked: str | None = None, account_key: dict | None = None):
    document = read_json(predict_copy)
    package = document["properties"]["package"]
    parameters = package["nodes"]["node3"].setdefault("parameters", {})
    if account_key is not None:
        parameters["Account Key"] = account_key
    if linked is not None:
        parameters["Password"] = {"value": linked, "certificateThumbprint": ""}
        package["graphParameters"] = {
            "Database password": {"type": "Credential", "links": [{"nodeId": "node3", "parameterKey": "Password"}]}
        }
    return write_json(predict_copy, document)


def test_a_plain_account_key_is_refused_with_its_path_and_placeholder(mlws, predict_copy):
    file = with_credentials(predict_copy, account_key={"value": PLAIN, "certificateThumbprint": ""})

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert 'properties.package.nodes.node3.parameters["Account Key"].value: credential in the file' in run.stdout
    assert "${MLWS_PACKAGE_NODES_NODE3_PARAMETERS_ACCOUNT_KEY_VALUE}" in run.stdout
    assert PLAIN not in run.stdout + run.stderr


def test_a_parameter_linked_from_a_credential_graph_parameter_is_refused(mlws, predict_copy):
    file = with_credentials(predict_copy, linked=PLAIN)

    run = mlws("validate", file)

    assert run.exit_code == 2
    assert "properties.package.nodes.node3.parameters.Password.value: credential in the file" in run.stdout


def test_normalize_moves_plain_credentials_to_placeholders(mlws, predict_copy):
    file = with_credentials(predict_copy, linked=PLAIN, account_key={"value": PLAIN, "certificateThumbprint": ""})

    run = mlws("normalize", file)

    assert run.exit_code == 0, run.stderr
    assert PLAIN not in file.read_text(encoding="utf-8")
    parameters = read_json(file)["properties"]["package"]["nodes"]["node3"]["parameters"]
    assert parameters["Account Key"]["value"] == "${MLWS_PACKAGE_NODES_NODE3_PARAMETERS_ACCOUNT_KEY_VALUE}"
    assert parameters["Password"]["value"] == "${MLWS_PACKAGE_NODES_NODE3_PARAMETERS_PASSWORD_VALUE}"
    assert mlws("validate", file).exit_code == 0


def test_ciphertext_with_its_thumbprint_round_trips(mlws, predict_copy):
    encrypted = {"value": "MIIBvzCCAWagAwIBAgIQ", "certificateThumbprint": "8A3F09C1D2E4B5A6"}
    file = with_credentials(predict_copy, account_key=encrypted)

    assert mlws("validate", file).exit_code == 0
    assert mlws("normalize", file).exit_code == 0
    assert read_json(file)["properties"]["package"]["nodes"]["node3"]["parameters"]["Account Key"] == encrypted
