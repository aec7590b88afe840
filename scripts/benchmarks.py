"""Helpers shared by the scripts/bench_*.py benchmarks (not itself a benchmark: scripts/bench.py runs bench_*.py)."""

from __future__ import annotations

import json
import subprocess
import sys
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
