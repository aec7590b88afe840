"""Web-service commands against the emulator (its own process, as users run it).

1. `mlws update` wall time when the service's operation takes 5 s, as a ratio to those 5 s.
   Target <= 1.15 (the cmdlets poll every 5 s, so they take up to 2x).
2. `mlws get` wall time as a ratio to `curl` of the same URL (process start-up included in both).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import against, start_emulator

OPERATION_SECONDS = 5.0
UPDATE_TARGET = 1.15
GET_RUNS = 5
SUBSCRIPTION = "00000000-0000-0000-0000-00000000be9c"
GROUP, NAME = "bench", "bench-service"
SERVICE = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.MachineLearning"
    f"/webServices/{NAME}?api-version=2017-01-01"
)
TOKEN = "mlws-development-token"


def call(url: str, method: str, body: dict | None = None, token: str | None = TOKEN) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers)) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_emulator(Path(folder) / "bench.db")
        try:
            call(f"{url}/_emulator/faults", "PUT", {"opSeconds": 0}, token=None)
            call(url + SERVICE, "PUT", {"location": "South Central US", "properties": {"packageType": "Graph"}})
            call(f"{url}/_emulator/faults", "PUT", {"opSeconds": OPERATION_SECONDS}, token=None)
            env = {**os.environ, "MLWS_ARM_ENDPOINT": url, "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}
            mlws = [sys.executable, "-m", "toolkit"]

            update = timed([*mlws, "update", "-n", NAME, "-g", GROUP, "--title", "benchmarked"], env)
            ratio = update / OPERATION_SECONDS
            print(f"update: {update:.2f}s for a {OPERATION_SECONDS:g}s operation = {ratio:.2f}x "
                  f"{against(ratio, UPDATE_TARGET, unit='x')} (cmdlets up to 2x)")  # fmt: skip

            get = statistics.median(timed([*mlws, "get", "-n", NAME, "-g", GROUP, "-o", "json"], env)
                                    for _ in range(GET_RUNS))  # fmt: skip
            curl = shutil.which("curl")
            if curl is None:
                print(f"get: {get * 1000:.0f} ms median of {GET_RUNS} (curl not installed: no ratio)")
                return 0
            curl_command = [curl, "-sf", "-H", f"Authorization: Bearer {TOKEN}", url + SERVICE]
            reference = statistics.median(timed(curl_command, env) for _ in range(GET_RUNS))
            print(f"get: {get * 1000:.0f} ms vs curl {reference * 1000:.0f} ms = {get / reference:.1f}x "
                  f"(median of {GET_RUNS}; mostly Python start-up)")  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
