"""The prices a model trained on the housing data must give: least squares fitted here with numpy, independently
of the emulator's training code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tests.retrain import housing_data

FEATURES = ("rooms", "area_sqm", "age_years")


def expected_prices(version: str, rows: Sequence[Mapping[str, float]]) -> list[float]:
    """What least squares (with an intercept) on housing data `version` predicts for `rows`."""
    data = np.array(housing_data.rows(version), dtype=float)
    design = np.column_stack([data[:, :3], np.ones(len(data))])
    solution, *_ = np.linalg.lstsq(design, data[:, 3], rcond=None)
    query = np.array([[*(row[name] for name in FEATURES), 1.0] for row in rows])
    return [float(price) for price in query @ solution]
