"""The emulator under bad HTTP: every request gets a status line and a JSON ARM error, never a dropped
connection, a traceback or HTML; chunked bodies are read as one body; bodies over ARM's 4 MB are refused."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from tests.fixtures.emulator import TOKEN

API = "?api-version=2017-01-01"
LIMIT = 4 * 1024 * 1024  # ARM's request-body limit (4 MB)


def service_path(emulator) -> str:
    return (
        f"/subscriptions/{emulator.subscription}/resourceGroups/rg-http"
        f"/providers/Microsoft.MachineLearning/webServices/ws-{uuid.uuid4().hex[:8]}"
    )


def exchange(emulator, raw: bytes) -> bytes:
    """Send raw bytes, half-close, and return everything the emulator answered until it closed."""
    address = urlsplit(emulator.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def answers(raw: bytes) -> list[tuple[str, dict[str, str], object]]:
    """Each HTTP answer in `raw`: status line, headers (lower-case names), JSON body (None when empty)."""
    parsed = []
    while raw:
        head, raw = raw.split(b"\r\n\r\n", 1)
        status, *lines = head.decode("ascii").split("\r\n")
        headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
        length = int(headers.get("content-length", "0"))
        body, raw = raw[:length], raw[length:]
        parsed.append((status, headers, json.loads(body) if body else None))
    return parsed


def request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: emulator", f"Authorization: Bearer {TOKEN}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def definition(title: str) -> bytes:
    return json.dumps({"location": "West Europe", "properties": {"packageType": "Graph", "title": title}}).encode()


def assert_json_error(answer, status: int) -> dict:
    line, headers, body = answer
    assert line.startswith(f"HTTP/1.1 {status} "), line
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-ms-request-id"]
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "+7", "4 4"])
def test_a_bad_content_length_is_400(emulator, capfd, length):
    path = service_path(emulator)
    raw = request("PUT", path + API, {"Content-Type": "application/json", "Content-Length": length}, definition("x"))
    (answer,) = answers(exchange(emulator, raw))
    error = assert_json_error(answer, 400)
    assert "Content-Length" in error["message"] and length in error["message"]
    assert emulator.call("GET", path + API).status == 404
    assert "Traceback" not in capfd.readouterr().err


def test_two_different_content_lengths_are_400(emulator):
    raw = request("PUT", service_path(emulator) + API, {"Content-Length": "5", "content-length": "7"}, b"{}")
    (answer,) = answers(exchange(emulator, raw))
    assert "Content-Length" in assert_json_error(answer, 400)["message"]


def test_a_chunked_body_is_read_as_one_body(emulator):
    path = service_path(emulator)
    body = definition("sent in chunks")
    first, second = body[:10], body[10:]
    chunked = f"{len(first):x}\r\n".encode() + first + f"\r\n{len(second):X};ext=1\r\n".encode() + second
    chunked += b"\r\n0\r\nX-Trailer: ignored\r\n\r\n"
    raw = request("PUT", path + API, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, chunked)
    raw += request("GET", path + API, {"Connection": "close"})

    replies = answers(exchange(emulator, raw))

    assert [line.split()[1] for line, _, _ in replies] == ["201", "200"]  # two requests, two answers
    assert replies[1][2]["properties"]["title"] == "sent in chunks"


@pytest.mark.parametrize(
    "chunked",
    [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n", b"-2\r\n{}\r\n0\r\n\r\n", b"2\r\n{", b"9" * 5000 + b"\r\n"],
    ids=["not-hex", "no-crlf-after-data", "negative", "ends-early", "size-line-too-long"],
)
def test_a_broken_chunked_body_is_400(emulator, chunked):
    path = service_path(emulator)
    raw = request("PUT", path + API, {"Transfer-Encoding": "chunked"}, chunked)
    (answer,) = answers(exchange(emulator, raw))
    assert "chunk" in assert_json_error(answer, 400)["message"]
    assert emulator.call("GET", path + API).status == 404


def test_transfer_encoding_other_than_chunked_and_both_length_headers_are_refused(emulator):
    gzip = request("PUT", service_path(emulator) + API, {"Transfer-Encoding": "gzip, chunked"}, b"0\r\n\r\n")
    (answer,) = answers(exchange(emulator, gzip))
    assert_json_error(answer, 501)
    both = request("PUT", service_path(emulator) + API, {"Transfer-Encoding": "chunked", "Content-Length": "5"})
    (answer,) = answers(exchange(emulator, both + b"0\r\n\r\n"))
    assert_json_error(answer, 400)


def test_a_body_over_the_limit_is_413_and_not_read(emulator):
    path = service_path(emulator)
    declared = request("PUT", path + API, {"Content-Type": "application/json", "Content-Length": str(50 * 2**20)})
    (answer,) = answers(exchange(emulator, declared))  # the 50 MB are never sent: refused on the header
    assert "4 MB" in assert_json_error(answer, 413)["message"]
    chunk = request("PUT", path + API, {"Transfer-Encoding": "chunked"}, f"{LIMIT + 1:x}\r\n".encode())
    (answer,) = answers(exchange(emulator, chunk))
    assert_json_error(answer, 413)
    assert emulator.call("GET", path + API).status == 404


def test_a_body_of_exactly_the_limit_is_accepted(emulator):
    path = service_path(emulator)
    padding = LIMIT - len(definition(""))
    body = definition("x" * padding)
    assert len(body) == LIMIT
    reply = emulator.call("PUT", path + API, body)
    assert reply.status == 201
    assert len(emulator.call("GET", path + API).body["properties"]["title"]) == padding


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"HELLO WORLD\r\n\r\n", 400),
        (b"GET /providers/Microsoft.MachineLearning/operations\r\n\r\n", 400),  # HTTP/0.9: no status line
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET / HTTX/1.1\r\n\r\n", 400),
        (b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
    ],
    ids=["one-word", "two-words", "http-0.9", "version-9.9", "not-http", "unknown-method", "header-too-long"],
)
def test_a_broken_request_gets_a_status_line_and_a_json_error(emulator, capfd, raw, status):
    (answer,) = answers(exchange(emulator, raw))
    assert_json_error(answer, status)
    assert "<html" not in json.dumps(answer[2]).lower()
    assert "Traceback" not in capfd.readouterr().err


def test_the_emulator_keeps_serving_after_bad_requests(emulator):
    exchange(emulator, b"GARBAGE\r\n\r\n")
    exchange(emulator, request("PUT", service_path(emulator) + API, {"Content-Length": "abc"}))
    assert emulator.call("GET", "/providers/Microsoft.MachineLearning/operations" + API).status == 200
