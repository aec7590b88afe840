"""Deterministic housing data: the training sets of `make demo`, the retraining benchmark and the retraining tests.

Two relationships between a house and its price: a model trained on v2 answers differently from one
trained on v1. The same version, row count and seed always give the same rows.

As a script, writes one dataset as CSV (columns rooms, area_sqm, age_years, price):

    python scripts/housing_data.py v1 housing-v1.csv
    python scripts/housing_data.py v2 housing-v2.csv --rows 500
    python scripts/housing_data.py v2 housing-noisy.csv --noise 300000   # data no model explains well

As a module: `rows(version)` gives the rows as tuples, `csv_text(version)` the CSV text.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

COLUMNS = ("rooms", "area_sqm", "age_years", "price")
# price = intercept + per-column coefficients (+ noise)
RELATIONSHIPS = {
    "v1": {"intercept": 20000.0, "rooms": 15000.0, "area_sqm": 3000.0, "age_years": -800.0},
    "v2": {"intercept": 60000.0, "rooms": 4000.0, "area_sqm": 3600.0, "age_years": -2500.0},
}
DEFAULT_ROWS = 200
DEFAULT_NOISE = 5000.0  # the standard deviation of the noise added to each price


def rows(
    version: str, count: int = DEFAULT_ROWS, seed: int = 7, noise: float = DEFAULT_NOISE
) -> list[tuple[int, float, int, float]]:
    relation = RELATIONSHIPS[version]
    generator = random.Random(f"{version}-{seed}")
    data = []
    for _ in range(count):
        rooms = generator.randint(1, 6)
        area = round(generator.uniform(25 + 12 * rooms, 40 + 25 * rooms), 1)
        age = generator.randint(0, 80)
        price = (
            relation["intercept"]
            + relation["rooms"] * rooms
            + relation["area_sqm"] * area
            + relation["age_years"] * age
            + generator.gauss(0, noise)
        )
        data.append((rooms, area, age, round(price, 2)))
    return data


def csv_text(version: str, count: int = DEFAULT_ROWS, noise: float = DEFAULT_NOISE) -> str:
    lines = [",".join(COLUMNS)] + [",".join(str(value) for value in row) for row in rows(version, count, noise=noise)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a deterministic housing dataset as CSV.")
    parser.add_argument("version", choices=sorted(RELATIONSHIPS), help="which price relationship")
    parser.add_argument("out", type=Path, help="the CSV file to write")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"data rows (default {DEFAULT_ROWS})")
    noise_help = f"the noise's standard deviation (default {DEFAULT_NOISE:g})"
    parser.add_argument("--noise", type=float, default=DEFAULT_NOISE, help=noise_help)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if not 0 <= args.noise < float("inf"):
        parser.error("--noise must be a finite number, 0 or more")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(csv_text(args.version, args.rows, args.noise), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
