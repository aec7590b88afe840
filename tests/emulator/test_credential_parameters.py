"""Credential parameters are stored so the emulator can use them, and answered only as ciphertext with a
thumbprint, another ciphertext per regional copy, as the real service answered (TestCreateAndGetRegionalProperties)."""

from __future__ import annotations

import base64
import http.client
import re
import time
import uuid
from urllib.parse import urlsplit

from tests.fixtures.emulator import TOKEN

API = "?api-version=2017-01-01"
ACCOUNT_KEY = "plain-account-key-Zm9vYmFy=="  # sent in clear for the Reader module's "Account Key"
PASSWORD = "plain-db-password-42"  # a node parameter a Credential graph parameter links to
GLOBAL_PASSWORD = "plain-global-password-7"  # the global value of that graph parameter
THUMBPRINT = re.compile(r"[0-9A-F]{40}")


def new_path(emulator) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-credentials"
        f"/providers/Microsoft.MachineLearning/webServices/ws-{uuid.uuid4().hex[:8]}"
    )


def definition(account_key: dict | None = None) -> dict:
    reader = {
        "Account Name": {"value": "mlstorage", "certificateThumbprint": ""},
        "Account Key": account_key or {"value": ACCOUNT_KEY, "certificateThumbprint": ""},
    }
    return {
        "location": "South Central US",
        "properties": {
            "packageType": "Graph",
            "assets": {
                "reader": {"name": "Import Data", "type": "Module", "locationInfo": {"uri": "aml://module/1"}},
                "sql": {"name": "Export Data", "type": "Module", "locationInfo": {"uri": "aml://module/2"}},
            },
            "parameters": {"Database Password": {"value": GLOBAL_PASSWORD}},
            "package": {
                "nodes": {
                    "node1": {"assetId": "reader", "parameters": reader},
                    "node2": {"assetId": "sql", "parameters": {"Password": {"value": PASSWORD}, "Table": "t"}},
                },
                "edges": [{"sourceNodeId": "node1", "sourcePortId": "Results dataset", "targetNodeId": "node2"}],
                "graphParameters": {
                    "Database Password": {
                        "type": "Credential",
                        "links": [{"nodeId": "node2", "parameterKey": "Password"}],
                    },
                },
            },
        },
    }


def settle(emulator, reply) -> None:
    assert reply.status in (200, 201, 202), reply.body
    for _ in range(200):
        if emulator.call("GET", reply.header("azure-asyncoperation")).body["status"] != "Provisioning":
            return
        time.sleep(0.01)


def credentials_of(properties: dict) -> dict[str, dict]:
    nodes = properties["package"]["nodes"]
    return {
        "Account Key": nodes["node1"]["parameters"]["Account Key"],
        "Password": nodes["node2"]["parameters"]["Password"],
        "Database Password": properties["parameters"]["Database Password"],
    }


def assert_encrypted(credentials: dict[str, dict]) -> None:
    for name, parameter in credentials.items():
        assert set(parameter) == {"value", "certificateThumbprint"}, name
        assert THUMBPRINT.fullmatch(parameter["certificateThumbprint"]), name
        revealed = base64.b64decode(parameter["value"])
        for plain in (ACCOUNT_KEY, PASSWORD, GLOBAL_PASSWORD):
            assert plain not in parameter["value"] and plain.encode() not in revealed, name


def assert_no_plaintext(raw: bytes) -> None:
    for plain in (ACCOUNT_KEY, PASSWORD, GLOBAL_PASSWORD):
        assert plain.encode() not in raw


def raw_get(emulator, url: str) -> bytes:
    """The body exactly as sent, to look for plaintext anywhere in it."""
    connection = http.client.HTTPConnection(urlsplit(emulator.url).netloc, timeout=10)
    try:
        connection.request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"})
        return connection.getresponse().read()
    finally:
        connection.close()


def stored_properties(emulator, path: str) -> dict:
    """What the emulator keeps (a test-only look into its store): the plaintext it needs to run the service."""
    segments = path.split("/")
    return emulator.emulator.store.get_service(segments[2], segments[4], segments[8]).properties


def test_a_plaintext_credential_is_answered_as_ciphertext_with_a_thumbprint(emulator):
    path = new_path(emulator)
    settle(emulator, emulator.call("PUT", path + API, definition()))

    live = emulator.call("GET", path + API).body["properties"]

    assert_encrypted(credentials_of(live))
    assert_no_plaintext(raw_get(emulator, path + API))
    assert live["package"]["nodes"]["node1"]["parameters"]["Account Name"] == {
        "value": "mlstorage",
        "certificateThumbprint": "",
    }  # not a credential: as sent
    assert live["package"]["nodes"]["node2"]["parameters"]["Table"] == "t"
    assert emulator.call("GET", path + API).body["properties"] == live  # stable: exports are byte-identical
    kept = credentials_of(stored_properties(emulator, path))
    assert kept["Account Key"]["value"] == ACCOUNT_KEY and kept["Password"]["value"] == PASSWORD
    assert kept["Database Password"]["value"] == GLOBAL_PASSWORD


def test_each_regional_copy_has_its_own_ciphertext(emulator):
    path = new_path(emulator)
    settle(emulator, emulator.call("PUT", path + API, definition()))
    home = credentials_of(emulator.call("GET", path + API).body["properties"])
    settle(emulator, emulator.call("POST", path + "/CreateRegionalBlob" + API + "&region=westcentralus"))

    regional = credentials_of(emulator.call("GET", path + API + "&region=westcentralus").body["properties"])

    assert_encrypted(regional)
    assert_no_plaintext(raw_get(emulator, path + API + "&region=westcentralus"))
    for name in home:
        assert regional[name]["value"] != home[name]["value"], name
        assert regional[name]["certificateThumbprint"] != home[name]["certificateThumbprint"], name


def test_the_answer_sent_back_keeps_the_stored_plaintext(emulator):
    path = new_path(emulator)
    settle(emulator, emulator.call("PUT", path + API, definition()))
    settle(emulator, emulator.call("POST", path + "/CreateRegionalBlob" + API + "&region=westcentralus"))
    home = emulator.call("GET", path + API).body
    regional = emulator.call("GET", path + API + "&region=westcentralus").body

    for exported in (home, regional):  # an export from either region, sent back whole
        sent = {"location": exported["location"], "properties": exported["properties"]}
        settle(emulator, emulator.call("PUT", path + API, sent))
        kept = credentials_of(stored_properties(emulator, path))
        assert [kept[name]["value"] for name in kept] == [ACCOUNT_KEY, PASSWORD, GLOBAL_PASSWORD]
        assert credentials_of(emulator.call("GET", path + API).body["properties"]) == credentials_of(home["properties"])


def test_a_ciphertext_from_elsewhere_is_kept_opaque(emulator):
    path = new_path(emulator)
    foreign = {"value": "Encrypted Key", "certificateThumbprint": "TheThumbprint"}  # the spec example's
    settle(emulator, emulator.call("PUT", path + API, definition(account_key=foreign)))
    live = emulator.call("GET", path + API).body["properties"]
    assert live["package"]["nodes"]["node1"]["parameters"]["Account Key"] == foreign
    forged = {"value": base64.b64encode(b"x" * 40).decode(), "certificateThumbprint": "A" * 40}
    settle(emulator, emulator.call("PUT", path + API, definition(account_key=forged)))
    assert (
        emulator.call("GET", path + API).body["properties"]["package"]["nodes"]["node1"]["parameters"]["Account Key"]
        == forged
    )


def test_a_credential_sent_by_patch_is_encrypted_too(emulator):
    path = new_path(emulator)
    settle(emulator, emulator.call("PUT", path + API, definition()))
    rotated = "rotated-global-password-8"
    patch = {"properties": {"packageType": "Graph", "parameters": {"Database Password": {"value": rotated}}}}
    settle(emulator, emulator.call("PATCH", path + API, patch))
    assert rotated.encode() not in raw_get(emulator, path + API)
    assert stored_properties(emulator, path)["parameters"]["Database Password"]["value"] == rotated


def test_ciphertexts_stay_readable_after_a_restart(start_emulator, tmp_path):
    db = tmp_path / "credentials.db"
    first = start_emulator(db=db)
    path = new_path(first)
    settle(first, first.call("PUT", path + API, definition()))
    before = first.call("GET", path + API).body
    first.stop()

    second = start_emulator(db=db)
    after = second.call("GET", path + API).body["properties"]
    assert credentials_of(after) == credentials_of(before["properties"])
    settle(second, second.call("PUT", path + API, {"location": before["location"], "properties": before["properties"]}))
    assert credentials_of(stored_properties(second, path))["Account Key"]["value"] == ACCOUNT_KEY
