"""Emulator throughput: GETs per second and PUT -> poll -> GET cycles per second, 8 keep-alive clients.

The emulator runs as `mlws emulator serve` in its own process (as users run it); the clients are
threads here, each holding one HTTP/1.1 connection. Target: >= 500 GET/s.
"""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import against, start_emulator

CLIENTS = 8
SECONDS = 3.0
GET_TARGET = 500.0
SUBSCRIPTION = "00000000-0000-0000-0000-00000000be9c"
API = "?api-version=2017-01-01"
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
SERVICES = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/bench/providers/Microsoft.MachineLearning/webServices"
DEFINITION = json.dumps({"location": "South Central US", "properties": {"packageType": "Graph", "title": "bench"}})


def call(connection: http.client.HTTPConnection, method: str, path: str, body: str | None = None) -> dict:
    connection.request(method, path, body=body, headers=HEADERS)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return {
        "status": response.status,
        "headers": dict(response.getheaders()),
        "body": json.loads(data) if data else None,
    }


def run_clients(netloc: str, work) -> float:
    """Run `work(connection, client, counter)` in CLIENTS threads for SECONDS; returns operations per second."""
    counts = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(netloc, timeout=30)
        while time.monotonic() < stop:
            work(connection, index, counts[index])
            counts[index] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        process, url = start_emulator(Path(directory) / "bench.db", "--op-seconds", "0")
        netloc = urlsplit(url).netloc
        try:
            setup = http.client.HTTPConnection(netloc, timeout=30)
            call(setup, "PUT", f"{SERVICES}/read-target{API}", DEFINITION)
            setup.close()

            def get(connection, _index, _count) -> None:
                call(connection, "GET", f"{SERVICES}/read-target{API}")

            def cycle(connection, index, count) -> None:
                path = f"{SERVICES}/cycle-{index}-{count % 50}{API}"
                started = call(connection, "PUT", path, DEFINITION)
                status_url = urlsplit(started["headers"]["Azure-AsyncOperation"])
                while call(connection, "GET", f"{status_url.path}?{status_url.query}")["body"]["status"] != "Succeeded":
                    pass
                call(connection, "GET", path)

            gets = run_clients(netloc, get)
            cycles = run_clients(netloc, cycle)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"GET requests/s with {CLIENTS} keep-alive clients: {gets:.0f} {against(gets, GET_TARGET, at_most=False)}")
    print(f"PUT -> poll -> GET cycles/s with {CLIENTS} clients (op seconds 0): {cycles:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
