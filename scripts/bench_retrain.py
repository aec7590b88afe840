"""Benchmark: one retrain -> update -> score cycle against the emulator, as a ratio to the emulator's own durations.

The emulator is set to run each BES job for JOB_SECONDS and each ARM operation for OP_SECONDS, so a
cycle cannot take less than JOB_SECONDS + OP_SECONDS; everything above that is mlws's overhead
(uploads, polling, requests). Target: ratio <= 1.2. Runs Azurite + the emulator via scripts/services.sh.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import against

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

JOB_SECONDS = 2.0
OP_SECONDS = 2.0
TARGET = 1.2
GROUP = "mlws-bench"
ASSET = "Housing Price [trained model]"


def mlws(*args: str) -> float:
    """Run one mlws command in this process; its wall time in seconds."""
    from toolkit.cli import main

    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(list(args))
    if code != 0:
        raise SystemExit(f"mlws {' '.join(args)} failed ({code}): {out.getvalue()}{err.getvalue()}")
    return time.perf_counter() - began


def load_env(env_file: Path) -> None:
    for line in env_file.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            os.environ[name] = value.strip('"')


def main() -> int:
    import housing_data

    with tempfile.TemporaryDirectory(prefix="mlws-bench-") as work:
        work_dir = Path(work)
        services = {
            **os.environ,
            "MLWS_SERVICES_DIR": str(work_dir / "services"),
            "MLWS_JOB_SECONDS": str(JOB_SECONDS),
            "MLWS_OP_SECONDS": str(OP_SECONDS),
            "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        subprocess.run(
            ["bash", "scripts/services.sh", "start"], cwd=REPO, env=services, check=True, capture_output=True
        )
        try:
            load_env(work_dir / "services" / "services.env")
            definitions = {}
            for name in ("housing-training", "housing-predict"):
                definitions[name] = work_dir / f"{name}.json"
                definitions[name].write_text((REPO / "definitions" / "dev" / f"{name}.json").read_text())
                mlws("new", "-f", str(definitions[name]), "-n", name, "-g", GROUP, "-l", "South Central US")
            data = work_dir / "v2.csv"
            data.write_text(housing_data.csv_text("v2"))
            rows = work_dir / "rows.json"
            rows.write_text('[{"rooms": 3, "area_sqm": 72.5, "age_years": 12}]')

            retrain = mlws(
                "retrain", "-n", "housing-training", "-g", GROUP, "--upload", f"trainingData={data}",
                "--output-blob", "model=models/bench.ilearner",
                "--update-definition", str(definitions["housing-predict"]), "--asset", ASSET,
            )  # fmt: skip
            update = mlws("update", "-f", str(definitions["housing-predict"]), "-n", "housing-predict", "-g", GROUP)
            score = mlws("score", "-n", "housing-predict", "-g", GROUP, "--input", str(rows))
        finally:
            subprocess.run(["bash", "scripts/services.sh", "stop"], cwd=REPO, env=services, capture_output=True)

    floor = JOB_SECONDS + OP_SECONDS
    total = retrain + update + score
    print(
        f"retrain {retrain:.2f}s = {retrain / JOB_SECONDS:.2f} x its {JOB_SECONDS:g}s job, "
        f"update {update:.2f}s = {update / OP_SECONDS:.2f} x its {OP_SECONDS:g}s operation, score {score:.2f}s"
    )
    print(f"retrain->update->score cycle: {total:.2f}s = {total / floor:.2f} x the emulator's own {floor:g}s "
          f"{against(total / floor, TARGET)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
