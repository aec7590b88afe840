"""Credential parameters: stored so the emulator can use them, answered only as ciphertext with a thumbprint.

The real service answered a credential's value as ciphertext with a `certificateThumbprint`, re-encrypting
what it was sent, a different ciphertext for each regional copy (recorded in TestCreateAndGetRegionalProperties:
PUT ENCRYPTED_VALUE_1, GET ENCRYPTED_VALUE_3, GET ?region=westcentralus ENCRYPTED_VALUE_2). A credential is
- a node parameter `properties.package.nodes[N].parameters[K]` that a graph parameter of type "Credential"
  links to (`graphParameters[G].links[]` holds {nodeId: N, parameterKey: K});
- the global value `properties.parameters[G]` of such a graph parameter;
- a node parameter named "Account Key" (the credential of the Reader / Import Data module, as recorded).

Coming in (PUT, and the merged result of a PATCH), a credential is stored as
- plaintext, as sent, when it arrives as plaintext (a value with an empty or missing thumbprint);
- plaintext, decrypted, when it is a ciphertext this emulator made, so a definition exported and sent back
  keeps working;
- any other ciphertext as it is, opaque: another service's ciphertext cannot be read, and is answered back
  unchanged in every region (what the real service did with one it could not decrypt is not recorded).
Going out (GET, GET ?region=), each stored plaintext is answered {"value": ciphertext, "certificateThumbprint"}.

The cipher is AES-SIV (RFC 5297; `cryptography` comes with azure-identity) under a key kept in the state
database, so ciphertexts stay readable across restarts. SIV is deterministic: the same value in the same
region gives the same ciphertext, so exporting an unchanged service twice gives identical files, while the
region, encrypted with the value, gives each regional copy its own ciphertext. It reveals only that two
credentials of one region are equal. A thumbprint is 40 hex digits, as certificate thumbprints are, derived
from the key and the region: it tells nothing about the value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from toolkit.emulator.conventions import key_of, member
from toolkit.providers.new_webservice.definition import (
    CREDENTIAL_PARAMETER_NAMES,  # the names mlws treats as credentials
)

KEY_BYTES = 64  # AES-256-SIV
CREDENTIAL_TYPE = "credential"  # GraphParameter.type, compared case-insensitively

Path = tuple[str, ...]  # actual keys from `properties` down to one parameter


class Credentials:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cipher = AESSIV(key)

    def thumbprint(self, region: str) -> str:
        return hmac.new(self._key, b"thumbprint:" + region.encode(), hashlib.sha256).hexdigest()[:40].upper()

    def sealed(self, properties: dict[str, Any], region: str) -> dict[str, Any]:
        """`properties` as GET answers them in `region`: every stored plaintext credential as ciphertext."""
        for path in credential_paths(properties):
            value = plaintext_of(at(properties, path))
            if value is not None:
                sealed = {"value": self.encrypt(value, region), "certificateThumbprint": self.thumbprint(region)}
                properties = replaced(properties, path, sealed)
        return properties

    def opened(self, properties: dict[str, Any]) -> dict[str, Any]:
        """`properties` as stored: every credential that is a ciphertext of this emulator decrypted to plaintext."""
        for path in credential_paths(properties):
            parameter = at(properties, path)
            value = self.decrypt(member(parameter, "value"), member(parameter, "certificateThumbprint"))
            if value is not None:
                properties = replaced(properties, path, {"value": value, "certificateThumbprint": ""})
        return properties

    def encrypt(self, value: Any, region: str) -> str:
        return base64.b64encode(self._cipher.encrypt(json.dumps([region, value]).encode(), None)).decode("ascii")

    def decrypt(self, ciphertext: Any, thumbprint: Any) -> Any:
        """The value this emulator encrypted, or None when `ciphertext` is not one of its own."""
        if not isinstance(ciphertext, str) or not isinstance(thumbprint, str) or not thumbprint:
            return None
        try:
            region, value = json.loads(self._cipher.decrypt(base64.b64decode(ciphertext, validate=True), None))
        except (binascii.Error, InvalidTag, ValueError, TypeError):
            return None
        return value if hmac.compare_digest(thumbprint.upper().encode(), self.thumbprint(region).encode()) else None


def plaintext_of(parameter: Any) -> Any:
    """The value of a credential parameter that arrived as plaintext, or None (a ciphertext, or no value)."""
    if not isinstance(parameter, dict):
        return parameter  # a bare value, as older api-versions sent parameters
    return None if member(parameter, "certificateThumbprint") else member(parameter, "value")


def credential_paths(properties: dict[str, Any]) -> list[Path]:
    """Where the credentials of a web service's properties are (see the module docstring), each once."""
    package_key = key_of(properties, "package")
    package = properties.get(package_key) if package_key else None
    nodes_key = key_of(package, "nodes")
    nodes = package.get(nodes_key) if nodes_key else None
    paths: list[Path] = []

    def node_parameter(node_id: Any, name: Any) -> None:
        node_key = key_of(nodes, node_id)
        node = nodes.get(node_key) if node_key else None
        parameters_key = key_of(node, "parameters")
        parameter_key = key_of(node.get(parameters_key), name) if parameters_key else None
        if parameter_key:
            paths.append((package_key, nodes_key, node_key, parameters_key, parameter_key))

    graph_parameters = member(package, "graphParameters")
    global_values_key = key_of(properties, "parameters")
    for name, parameter in graph_parameters.items() if isinstance(graph_parameters, dict) else ():
        if str(member(parameter, "type")).lower() != CREDENTIAL_TYPE:
            continue
        links = member(parameter, "links")
        for link in links if isinstance(links, list) else ():
            node_parameter(member(link, "nodeId"), member(link, "parameterKey"))
        value_key = key_of(properties.get(global_values_key), name) if global_values_key else None
        if value_key:
            paths.append((global_values_key, value_key))
    for node_key, node in nodes.items() if isinstance(nodes, dict) else ():
        parameters = member(node, "parameters")
        for name in parameters if isinstance(parameters, dict) else ():
            if name.lower() in CREDENTIAL_PARAMETER_NAMES:
                node_parameter(node_key, name)
    return list(dict.fromkeys(paths))


def at(properties: dict[str, Any], path: Path) -> Any:
    value: Any = properties
    for key in path:
        value = value[key]
    return value


def replaced(container: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of `container` with the member at `path` replaced; only the objects along the path are copied."""
    key, rest = path[0], path[1:]
    return {**container, key: replaced(container[key], rest, value) if rest else value}
