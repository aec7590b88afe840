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
