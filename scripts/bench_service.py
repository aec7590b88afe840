"""Web-service commands against the emulator (its own process, as users run it).

1. `mlws update` wall time when the service's operation takes 5 s, as a ratio to those 5 s.
   Target <= 1.15 (the cmdlets poll every 5 s, so they take up to 2x).
2. `mlws get` wall time as a ratio to `az rest` of the same URL (target <= 0.6x; the row is skipped when az is not
   installed: `az` on PATH, or MLWS_BENCH_AZ naming it), and to `curl` (process start-up included in all).
Both run with their byte-code caches written (a first, untimed run), as an installed tool runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import AZ_SKIPPED, against, az_cli, az_environment, median_seconds, start_emulator

OPERATION_SECONDS = 5.0
UPDATE_TARGET = 1.15
GET_VS_AZ_TARGET = 0.6
# What any mlws command that talks to ARM imports before it can send: its CLI framework, ARM pipeline, transport.
FLOOR_IMPORTS = "import typer, azure.mgmt.core, azure.core.pipeline.transport"
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

            get_command = [*mlws, "get", "-n", NAME, "-g", GROUP, "-o", "json"]
            get = median_seconds(get_command, env, GET_RUNS)
            print(f"get: {get * 1000:.0f} ms median of {GET_RUNS}")
            az = az_cli()
            if az is None:
                print(f"  vs az rest: {AZ_SKIPPED}")
            else:
                az_env = az_environment(Path(folder) / "az", env)
                az_command = [az, "rest", "--method", "get", "--url", url + SERVICE, "--skip-authorization-header",
                              "--headers", f"Authorization=Bearer {TOKEN}"]  # fmt: skip
                reference = median_seconds(az_command, az_env, GET_RUNS)
                ratio = get / reference
                verdict = against(ratio, GET_VS_AZ_TARGET, unit="x")
                print(f"  vs az rest {reference * 1000:.0f} ms = {ratio:.2f}x {verdict}")
                floor = median_seconds([sys.executable, "-c", FLOOR_IMPORTS], env, GET_RUNS)
                print(f"  floor: importing the stack alone ({FLOOR_IMPORTS[7:]}) {floor * 1000:.0f} ms "
                      f"= {floor / reference:.2f}x az rest")  # fmt: skip
            curl = shutil.which("curl")
            if curl is None:
                print("  vs curl: skipped, curl is not installed")
                return 0
            curl_command = [curl, "-sf", "-H", f"Authorization: Bearer {TOKEN}", url + SERVICE]
            reference = median_seconds(curl_command, env, GET_RUNS)
            print(f"  vs curl {reference * 1000:.0f} ms = {get / reference:.1f}x (mostly Python start-up)")
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
