"""Benchmark of the definition core: start-up of `mlws --help` and `mlws validate` of a ~3 MB definition.

Targets: `mlws --help` <= 6x `python -c pass` and <= 0.5x `az --help` (skipped when az is not installed: `az` on
PATH, or MLWS_BENCH_AZ naming it); validating 3 MB <= 0.5 s. Every figure is the median of several
runs of the venv's `mlws` in a subprocess, measured in this same run; each figure against its target.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchmarks import AZ_SKIPPED, against, az_cli, az_environment, median_seconds

REPO = Path(__file__).resolve().parent.parent
MLWS = Path(sys.executable).parent / "mlws"
RUNS = 7
TARGET_SIZE = 3_000_000
HELP_RATIO_TARGET = 6.0
HELP_VS_AZ_TARGET = 0.5
VALIDATE_SECONDS_TARGET = 0.5


def big_definition(size: int) -> dict:
    """The predictive sample grown to `size` bytes: a chain of module nodes, each with its own asset."""
    document = json.loads((REPO / "definitions" / "dev" / "housing-predict.json").read_text(encoding="utf-8"))
    properties = document["properties"]
    nodes, edges, assets = properties["package"]["nodes"], properties["package"]["edges"], properties["assets"]
    previous, index = "node1", 0
    while len(json.dumps(document, indent=2)) < size:
        for _ in range(200):
            index += 1
            asset_id, node_id = f"module{index}", f"step{index}"
            assets[asset_id] = {
                "name": f"Execute Python Script {index}",
                "type": "Module",
                "locationInfo": {"uri": f"aml://module/{index:032x}.v1-default-{index}", "credentials": ""},
                "inputPorts": {"Dataset1": {"type": "Dataset"}},
                "outputPorts": {"Result Dataset": {"type": "Dataset"}},
            }
            nodes[node_id] = {
                "assetId": asset_id,
                "parameters": {
                    "Python script": {"value": f"def azureml_main(df):\n    return df  # step {index}\n"},
                    "Python Version": {"value": "Anaconda 4.0/Python 3.5", "certificateThumbprint": ""},
                },
            }
            edges.append({"sourceNodeId": previous, "sourcePortId": "Result Dataset", "targetNodeId": node_id})
            previous = node_id
    return document


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        big = Path(directory) / "big.json"
        big.write_text(json.dumps(big_definition(TARGET_SIZE), indent=2), encoding="utf-8")
        size_mb = big.stat().st_size / 1e6
        python = median_seconds([sys.executable, "-c", "pass"], runs=RUNS)
        help_time = median_seconds([str(MLWS), "--help"], runs=RUNS)
        az = az_cli()
        typer_alone = median_seconds([sys.executable, "-c", "import typer"], runs=RUNS)
        az_help = median_seconds([az, "--help"], az_environment(Path(directory) / "az"), RUNS) if az else None
        validate_time = median_seconds([str(MLWS), "validate", str(big)], runs=RUNS)
    help_ratio = help_time / python
    print(f"python -c pass         {python * 1000:7.1f} ms")
    print(f"mlws --help            {help_time * 1000:7.1f} ms  = {help_ratio:4.1f}x python ", end="")
    print(against(help_ratio, HELP_RATIO_TARGET, unit="x"))
    if az_help is None:
        print(f"  vs az --help: {AZ_SKIPPED}")
    else:
        versus = help_time / az_help
        print(f"  vs az --help {az_help * 1000:7.1f} ms = {versus:.2f}x {against(versus, HELP_VS_AZ_TARGET, unit='x')}")
        floor = typer_alone / az_help
        print(f"  floor: `python -c 'import typer'` {typer_alone * 1000:.1f} ms = {floor:.2f}x az --help")
    print(
        f"mlws validate {size_mb:.1f} MB   {validate_time * 1000:7.1f} ms  = {validate_time / python:4.1f}x python "
        f"{against(validate_time * 1000, VALIDATE_SECONDS_TARGET * 1000, unit=' ms')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
