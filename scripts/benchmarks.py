"""Helpers shared by the scripts/bench_*.py benchmarks (not itself a benchmark: scripts/bench.py runs bench_*.py)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def start_emulator(db: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """`mlws emulator serve` as its own process on a free port (as users run it); returns it and its URL."""
    command = [
        sys.executable,
        "-m",
        "toolkit",
        "emulator",
        "serve",
        "--port",
        "0",
        "--db",
        str(db),
        "-o",
        "json",
        *extra,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    while not lines or lines[-1] != "}\n":  # the JSON envelope announcing the URL ends with a lone brace
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the emulator did not start")
        lines.append(line)
    return process, json.loads("".join(lines))["result"]["url"]


def against(value: float, target: float, *, at_most: bool = True, unit: str = "") -> str:
    """How a figure stands against its target, "(target <= 2: ok)" or "(... : over)": a benchmark reports a missed
    target, it does not fail (a noisy machine is no regression); only a benchmark that cannot run fails."""
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:g}{unit}: {'ok' if met else 'over'})"


def median_seconds(command: list[str], env: dict[str, str] | None = None, runs: int = 5) -> float:
    """The median wall time of `runs` runs of `command`, after one untimed run that writes its byte-code caches
    (PYTHONDONTWRITEBYTECODE is dropped: an installed tool runs from its caches)."""
    env = {key: value for key, value in (env or os.environ).items() if key != "PYTHONDONTWRITEBYTECODE"}

    def once() -> float:
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started

    once()
    return statistics.median(once() for _ in range(runs))


def az_cli() -> str | None:
    """The az CLI to compare with: MLWS_BENCH_AZ, else `az` on PATH; None when it is not installed."""
    return os.environ.get("MLWS_BENCH_AZ") or shutil.which("az")


def az_environment(config_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """az run from a config folder of its own, telemetry off: a first run leaves nothing in the user's ~/.azure."""
    return {**(base or os.environ), "AZURE_CONFIG_DIR": str(config_dir), "AZURE_CORE_COLLECT_TELEMETRY": "no"}


AZ_SKIPPED = "skipped, az is not installed (install azure-cli, or set MLWS_BENCH_AZ to its path)"
