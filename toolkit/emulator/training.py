"""Real but small training for the emulator: least squares with an intercept on the numeric columns.

A BES job of a training service reads a CSV/TSV dataset, fits the label column on every other
numeric column, and writes two outputs: the trained model (an `.ilearner` blob in the format
below) and an evaluation dataset (one CSV row of metrics). RRS of a predictive service loads
that model and scores rows.

The `.ilearner` format is our own, versioned JSON:

    {"format": "mlws-linear-regression", "version": 1, "label": "price",
     "features": ["rooms", ...], "coefficients": [...], "intercept": 12.5,
     "trainingData": {"sha256": "...", "rows": 200}}
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MODEL_FORMAT = "mlws-linear-regression"
MODEL_VERSION = 1
EVALUATION_COLUMNS = ("Mean Absolute Error", "Root Mean Squared Error", "Coefficient of Determination", "Rows")


class TrainingError(ValueError):
    """The data cannot be trained on; the message goes to the job's Details."""


class ScoringError(ValueError):
    """A scoring request's rows do not fit the model."""


@dataclass(frozen=True)
class LinearModel:
    label: str
    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    data_sha256: str
    rows: int

    def to_bytes(self) -> bytes:
        document = {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "label": self.label,
            "features": list(self.features),
            "coefficients": list(self.coefficients),
            "intercept": self.intercept,
            "trainingData": {"sha256": self.data_sha256, "rows": self.rows},
        }
        return (json.dumps(document, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        """Parse an .ilearner written by `to_bytes`; ValueError when it is not one."""
        try:
            document = json.loads(data.decode("utf-8"))
            if document.get("format") != MODEL_FORMAT or document.get("version") != MODEL_VERSION:
                raise ValueError(f"not a {MODEL_FORMAT} v{MODEL_VERSION} model")
            features = tuple(str(name) for name in document["features"])
            coefficients = tuple(float(value) for value in document["coefficients"])
            if len(features) != len(coefficients):
                raise ValueError("features and coefficients differ in length")
            return cls(
                label=str(document["label"]),
                features=features,
                coefficients=coefficients,
                intercept=float(document["intercept"]),
                data_sha256=str(document["trainingData"]["sha256"]),
                rows=int(document["trainingData"]["rows"]),
            )
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a {MODEL_FORMAT} model: {exc}") from None

    def predict(self, rows: Sequence[Mapping[str, Any]]) -> list[float]:
        """Score rows given as column -> value; every feature must be present and numeric."""
        import numpy as np

        matrix = np.empty((len(rows), len(self.features)))
        for index, row in enumerate(rows):
            lookup = {str(name).lower(): value for name, value in row.items()}
            for column, feature in enumerate(self.features):
                if feature.lower() not in lookup:
                    raise ScoringError(f"row {index + 1}: column {feature!r} is missing")
                matrix[index, column] = _number(lookup[feature.lower()], f"row {index + 1}, column {feature!r}")
        return [float(value) for value in matrix @ np.array(self.coefficients) + self.intercept]


def _number(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ScoringError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ScoringError(f"{where}: {value!r} is not a finite number")
    return number


def read_table(data: bytes, location: str) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of a CSV (or, by extension, TSV) dataset with a header row."""
    lowered = location.lower()
    if lowered.endswith(".arff"):
        raise TrainingError(f"{location}: the emulator trains on CSV or TSV datasets, not ARFF")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrainingError(f"{location}: the dataset is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text), delimiter="\t" if lowered.endswith(".tsv") else ",")
    table = [row for row in reader if any(cell.strip() for cell in row)]
    if not table:
        raise TrainingError(f"{location}: the dataset is empty (a header row and data rows are needed)")
    columns = [name.strip() for name in table[0]]
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(columns):
            raise TrainingError(f"{location} line {number}: {len(row)} values for {len(columns)} columns")
    return columns, table[1:]


def _numeric_column(rows: list[list[str]], index: int) -> list[float] | None:
    values = []
    for row in rows:
        try:
            value = float(row[index])
        except ValueError:
            return None
        if not math.isfinite(value):
            return None
        values.append(value)
    return values


def train(data: bytes, location: str, label: str) -> tuple[LinearModel, bytes]:
    """Fit `label` on the other numeric columns; return the model and the evaluation CSV."""
    import numpy as np

    columns, rows = read_table(data, location)
    lowered = [name.lower() for name in columns]
    if label.lower() not in lowered:
        raise TrainingError(f"{location}: label column {label!r} is not among the columns {', '.join(columns)}")
    label_index = lowered.index(label.lower())
    target = _numeric_column(rows, label_index)
    if target is None:
        raise TrainingError(f"{location}: label column {label!r} has values that are not numbers")
    features = []
    feature_values = []
    for index, name in enumerate(columns):
        values = None if index == label_index else _numeric_column(rows, index)
        if values is not None:
            features.append(name)
            feature_values.append(values)
    if not features:
        raise TrainingError(f"{location}: no numeric feature columns besides the label {label!r}")
    if len(rows) <= len(features):
        raise TrainingError(f"{location}: {len(rows)} rows are too few for {len(features)} features and an intercept")

    design = np.column_stack([np.array(feature_values).T, np.ones(len(rows))])
    observed = np.array(target)
    solution, *_ = np.linalg.lstsq(design, observed, rcond=None)
    model = LinearModel(
        label=columns[label_index],
        features=tuple(features),
        coefficients=tuple(float(value) for value in solution[:-1]),
        intercept=float(solution[-1]),
        data_sha256=hashlib.sha256(data).hexdigest(),
        rows=len(rows),
    )
    return model, _evaluation(observed, design @ solution)


def _evaluation(observed, predicted) -> bytes:
    import numpy as np

    residuals = observed - predicted
    total = float(np.sum((observed - observed.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residuals**2)) / total if total > 0 else 1.0
    metrics = (float(np.mean(np.abs(residuals))), float(np.sqrt(np.mean(residuals**2))), r2, len(observed))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVALUATION_COLUMNS)
    writer.writerow([f"{value:.6g}" if isinstance(value, float) else value for value in metrics])
    return buffer.getvalue().encode("utf-8")
