"""Deterministic housing data for the retraining tests, the demo and the benchmark.

Two relationships: v1 and v2 price houses differently, so a model trained on v2 answers differently.
Run as a script to print a dataset: `python tests/retrain/housing.py v2 200 > v2.csv`.
"""

from __future__ import annotations

import random
import sys

COLUMNS = ("rooms", "area_sqm", "age_years", "price")
# price = intercept + per-column coefficients (+ noise)
RELATIONSHIPS = {
    "v1": {"intercept": 20000.0, "rooms": 15000.0, "area_sqm": 3000.0, "age_years": -800.0},
    "v2": {"intercept": 60000.0, "rooms": 4000.0, "area_sqm": 3600.0, "age_years": -2500.0},
}


def rows(version: str, count: int = 200, seed: int = 7) -> list[tuple[int, float, int, float]]:
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
            + generator.gauss(0, 5000)
        )
        data.append((rooms, area, age, round(price, 2)))
    return data


def csv_text(version: str, count: int = 200) -> str:
    lines = [",".join(COLUMNS)] + [",".join(str(value) for value in row) for row in rows(version, count)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(csv_text(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200))
