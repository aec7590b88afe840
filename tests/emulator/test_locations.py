"""Locations the service does not offer are refused before anything is stored; every header sent is ASCII."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit

import pytest

from tests.fixtures.emulator import TOKEN

WS_API = "?api-version=2017-01-01"
PLAN_API = "?api-version=2016-05-01-preview"
KNOWN = "southcentralus,westeurope,southeastasia,japaneast,eastus2,westcentralus"


def service_path(emulator, subscription: str | None = None) -> str:
    return (
        f"/subscriptions/{subscription or emulator.subscription}/resourceGroups/rg-locations"
        f"/providers/Microsoft.MachineLearning/webServices/ws-{uuid.uuid4().hex[:8]}"
    )


def plan_path(emulator) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-locations"
        f"/providers/Microsoft.MachineLearning/commitmentPlans/plan-{uuid.uuid4().hex[:8]}"
    )


def raw_headers(emulator, method: str, target: str, body: bytes = b"", headers: bytes = b"") -> bytes:
    """The status line and header block exactly as the emulator wrote them (bytes, not decoded)."""
    address = urlsplit(emulator.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n".encode()
            + headers
            + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize("location", ["Mars Central", "東日本", "West US", ""])  # West US: the spec examples'
def test_a_web_service_in_an_unknown_location_is_refused_and_not_created(emulator, location):
    path = service_path(emulator)
    reply = emulator.call("PUT", path + WS_API, {"location": location, "properties": {"packageType": "Graph"}})
    assert reply.status == 400
    if location:
        assert reply.body["error"]["code"] == "LocationNotAvailableForResourceType"
        assert KNOWN in reply.body["error"]["message"] and location in reply.body["error"]["message"]
    assert emulator.call("GET", path + WS_API).status == 404


def test_a_plan_in_an_unknown_location_is_refused_and_not_created(emulator):
    path = plan_path(emulator)
    sku = {"name": "S1", "tier": "Standard", "capacity": 1}
    reply = emulator.call("PUT", path + PLAN_API, {"location": "Ελλάδα", "sku": sku})
    assert reply.status == 400 and reply.body["error"]["code"] == "LocationNotAvailableForResourceType"
    assert KNOWN in reply.body["error"]["message"]
    assert emulator.call("GET", path + PLAN_API).status == 404


def test_an_unknown_region_copy_is_refused(emulator):
    path = service_path(emulator)
    assert emulator.call("PUT", path + WS_API, {"location": "West Europe", "properties": {"packageType": "Graph"}})
    for method, suffix in (("POST", "/CreateRegionalBlob"), ("GET", "")):
        reply = emulator.call(method, path + suffix + WS_API + "&region=%E6%9D%B1")
        assert reply.status == 400 and reply.body["error"]["code"] == "LocationNotAvailableForResourceType"
        assert KNOWN in reply.body["error"]["message"]


def test_headers_stay_ascii_for_a_non_ascii_subscription_segment(emulator):
    """The status URL carries the subscription of the path: it is percent-encoded, never sent raw."""
    path = service_path(emulator, subscription="%E2%82%AC-sub")
    body = b'{"location": "West Europe", "properties": {"packageType": "Graph"}}'
    head = raw_headers(emulator, "PUT", path + WS_API, body)
    assert head.startswith(b"HTTP/1.1 201 "), head
    assert head.isascii()
    operation = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"azure-asyncoperation:"))
    url = operation.split(b":", 1)[1].strip().decode()
    assert "/subscriptions/%E2%82%AC-sub/" in url
    assert emulator.call("GET", url).body["status"] in ("Provisioning", "Succeeded")


def test_a_non_ascii_correlation_id_is_not_echoed(emulator):
    head = raw_headers(
        emulator, "GET", service_path(emulator) + WS_API, headers="x-ms-correlation-request-id: ünï\r\n".encode()
    )
    assert head.startswith(b"HTTP/1.1 404 ") and head.isascii()
    assert b"x-ms-correlation-request-id: " in head
