"""`mlws deploy ENV --parallel N` under ARM's write throttling, against the emulator in its own process.

200 services, each one planned change (its title); the emulator allows 60 writes per subscription per 10 s
window, so those 200 writes cannot all be accepted before 30 s have passed (writes 181-200 wait for the fourth
window): that is the throttle's own minimum. Figures:

1. The deploy's wall time (process start to exit, from `mlws deploy bench --parallel 32`) against that minimum,
   as the share of the throttle's ceiling throughput it reaches (minimum / wall time). Target >= 0.9, with zero
   failures (every row verified; a failure makes the benchmark fail). What it cannot win back: Python's start-up
   before the first request, the Retry-After of each window's 429 rounded up to whole seconds (as ARM sends it;
   the emulator's next window starts with the first request after it), and the last services' operations and
   polls after the last window opens.
2. Beside it, the loop a user writes today, `for f in ...; do mlws update -f $f; done`, one process per service,
   run over 20 of the services (changed again) and scaled per service to 200. At one write every second or two
   it never meets the throttle, so scaling it linearly is fair.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import against, start_emulator

SERVICES = 200
LOOPED = 20
WRITES, WINDOW = 60, 10.0
PARALLEL = 32  # about as many as a window opening lets through at once: the last window finishes in one go
OPERATION_SECONDS = 0.5  # how long each update's operation runs in the emulator
THROTTLE_MINIMUM = (-(-SERVICES // WRITES) - 1) * WINDOW  # the last writes wait for the last window: 30 s
TARGET = 0.9
SUBSCRIPTION = "00000000-0000-0000-0000-0000000be9c2"
GROUP = "bench-fleet"
SAMPLE = Path(__file__).resolve().parent.parent / "definitions" / "dev" / "housing-predict.json"
STORAGE_KEY = "bench-storage-key"  # not a real key: the updates send titles only, no model is read
TITLE = '"title": "Housing Price",'


def admin(url: str, path: str, body: dict) -> None:
    request = urllib.request.Request(
        f"{url}/_emulator/{path}", data=json.dumps(body).encode(), method="PUT",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    urllib.request.urlopen(request).close()


def create(url: str, name: str, document: dict) -> None:
    path = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.MachineLearning"
            f"/webServices/{name}?api-version=2017-01-01")  # fmt: skip
    request = urllib.request.Request(
        url + path, data=json.dumps(document).encode(), method="PUT",
        headers={"Content-Type": "application/json", "Authorization": "Bearer mlws-development-token"},
    )  # fmt: skip
    urllib.request.urlopen(request).close()


def retitle(files: list[Path], title: str) -> None:
    for file in files:
        text = file.read_text(encoding="utf-8")
        start = text.index('"title": "Housing Price')
        end = text.index("\n", start)
        file.write_text(text[:start] + f'"title": "{title}",' + text[end:], encoding="utf-8")


def mlws(*args: str, root: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=root, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        process, url = start_emulator(root / "emulator.db", "--op-seconds", "0")
        try:
            (root / "mlws.yaml").write_text(
                f"environments:\n  bench:\n    subscription: {SUBSCRIPTION}\n    resourceGroup: {GROUP}\n"
                "    location: South Central US\n",
                encoding="utf-8",
            )
            definitions = root / "definitions" / "bench"
            definitions.mkdir(parents=True)
            text = SAMPLE.read_text(encoding="utf-8")
            document = json.loads(text.replace("${MLWS_STORAGE_KEY}", STORAGE_KEY))
            files = []
            for index in range(SERVICES):
                name = f"fleet-{index:03}"
                create(url, name, document)
                files.append(definitions / f"{name}.json")
                files[-1].write_text(text, encoding="utf-8")
            retitle(files, "Housing Price, deployed in a batch")
            env = {**os.environ, "MLWS_ARM_ENDPOINT": url, "MLWS_STORAGE_KEY": STORAGE_KEY}
            env.pop("AZURE_SUBSCRIPTION_ID", None)
            admin(url, "faults", {"opSeconds": OPERATION_SECONDS})

            planning, planned = mlws("plan", "bench", "--parallel", str(PARALLEL), "-o", "json", root=root, env=env)
            if planned.returncode != 3:
                raise SystemExit(f"plan: exit {planned.returncode}: {planned.stdout[-500:]}{planned.stderr[-500:]}")
            admin(url, "throttle", {"writes": WRITES, "windowSeconds": WINDOW})  # a fresh window from now
            batch, deployed = mlws("deploy", "bench", "--parallel", str(PARALLEL), "-o", "json", root=root, env=env)
            rows = json.loads(deployed.stdout)["result"]["services"] if deployed.stdout.startswith("{") else []
            failures = [row for row in rows if row["result"] != "verified"] + [None] * (SERVICES - len(rows))
            if deployed.returncode != 0 or failures:
                raise SystemExit(f"deploy: exit {deployed.returncode}, {len(failures)} not verified: {failures[:3]}")

            retitle(files[:LOOPED], "Housing Price, updated one at a time")
            started = time.perf_counter()
            for file in files[:LOOPED]:
                _, updated = mlws("update", "-f", str(file.relative_to(root)), root=root, env=env)
                if updated.returncode != 0:
                    raise SystemExit(f"update -f {file.name}: exit {updated.returncode}: {updated.stderr[-500:]}")
            loop = (time.perf_counter() - started) / LOOPED * SERVICES
        finally:
            process.terminate()
            process.wait(timeout=10)

    share = THROTTLE_MINIMUM / batch
    print(f"plan {SERVICES} services --parallel {PARALLEL} (no throttle): {planning:.1f}s")
    print(f"deploy {SERVICES} services --parallel {PARALLEL} under {WRITES} writes/{WINDOW:g}s "
          f"(operations {OPERATION_SECONDS:g}s): {batch:.1f}s, 0 failures; the throttle's minimum "
          f"{THROTTLE_MINIMUM:g}s = {share:.2f} of its ceiling {against(share, TARGET, at_most=False)}")  # fmt: skip
    print(f"the loop `mlws update -f` one file at a time: {loop:.0f}s for {SERVICES} "
          f"(measured over {LOOPED}, scaled per service) = {loop / batch:.1f}x the batch")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
