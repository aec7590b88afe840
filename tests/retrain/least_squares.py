"""What a model trained on the housing data must give: least squares fitted here with numpy, independently of the
emulator's training code, on the rows the emulator's documented split rule gives (toolkit.emulator.training)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from tests.retrain import housing_data

FEATURES = ("rooms", "area_sqm", "age_years")
# The Split Data step of definitions/dev/housing-training.json: 'Split Rows', fraction 0.8, randomized, seed 42.
HOUSING_SPLIT = ("0.8", 42)


def split_rows(data: np.ndarray, split: tuple[str, int] | None) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, evaluated rows): with a split, numpy's default_rng(seed).permutation of the row numbers,
    the first floor(fraction * rows) of them to train on, the rest held out; without one, every row for both."""
    if split is None:
        return data, data
    fraction, seed = split
    order = np.random.default_rng(seed).permutation(len(data))
    first = math.floor(Fraction(fraction) * len(data))
    return data[order[:first]], data[order[first:]]


def _fit(data: np.ndarray) -> np.ndarray:
    design = np.column_stack([data[:, :3], np.ones(len(data))])
    solution, *_ = np.linalg.lstsq(design, data[:, 3], rcond=None)
    return solution


def expected_prices(
    version: str, rows: Sequence[Mapping[str, float]], split: tuple[str, int] | None = None
) -> list[float]:
    """What least squares (with an intercept) on housing data `version` (its training rows under `split`) predicts
    for `rows`."""
    training, _ = split_rows(np.array(housing_data.rows(version), dtype=float), split)
    query = np.array([[*(row[name] for name in FEATURES), 1.0] for row in rows])
    return [float(price) for price in query @ _fit(training)]


def expected_metrics(text: str, split: tuple[str, int] | None = HOUSING_SPLIT) -> dict[str, float]:
    """Evaluate Model's regression metrics of a fit on the CSV `text` (columns as housing_data's), measured on the
    held-out rows of `split` (on every row without one); "Rows": how many were evaluated."""
    lines = text.strip().splitlines()[1:]
    data = np.array([[float(value) for value in line.split(",")] for line in lines])
    training, evaluated = split_rows(data, split)
    solution = _fit(training)
    observed = evaluated[:, 3]
    residuals = observed - np.column_stack([evaluated[:, :3], np.ones(len(evaluated))]) @ solution
    deviations = observed - observed.mean()
    relative_squared = float(np.sum(residuals**2) / np.sum(deviations**2))
    return {
        "Mean Absolute Error": float(np.mean(np.abs(residuals))),
        "Root Mean Squared Error": float(np.sqrt(np.mean(residuals**2))),
        "Relative Absolute Error": float(np.sum(np.abs(residuals)) / np.sum(np.abs(deviations))),
        "Relative Squared Error": relative_squared,
        "Coefficient of Determination": 1.0 - relative_squared,
        "Rows": float(len(evaluated)),
    }
