"""Real but small training for the emulator: least squares with an intercept on the numeric columns.

A BES job of a training service reads a CSV/TSV dataset, fits the label column on every other
numeric column, and writes two outputs: the trained model (an `.ilearner` blob in the format
below) and an evaluation dataset (one CSV row of metrics). RRS of a predictive service loads
that model and scores rows.

The Split Data step of the training graph (`Split`, in "Split Rows" mode) is honoured: the model is
fitted on the first output's rows and evaluated on the rest (the held-out rows); without one it is fitted
and evaluated on every row. The rows are split by this rule, part of the emulator's contract (tests
compute expected metrics with it): number the data rows 0..n-1 in file order (blank lines skipped); with
"Randomized split" the order is `numpy.random.default_rng(seed).permutation(n)`, else 0..n-1; the first
floor(fraction * n) rows of that order, computed exactly from the fraction's decimal text, are the first
output, the others the second. Studio's own random number generator is not documented, so the rows it
would pick for a seed are unknowable: only "deterministic for a seed" carries over, not which rows (and
numpy keeps a Generator's stream only within its version policy, NEP 19: the tests compute it the same way).
Parameters the graph leaves out take Split Data's defaults (fraction 0.5, randomized, seed 0).

The evaluation row has the columns Studio's Evaluate Model writes for a regression (toolkit.evaluation
.METRICS: Mean Absolute Error, Root Mean Squared Error, Relative Absolute Error, Relative Squared Error,
Coefficient of Determination; the relative ones and the coefficient against the evaluated rows' mean,
NaN when those rows' labels do not vary), then two of the emulator's own: "Rows" (how many were
evaluated) and "Evaluated On" ("held-out rows", or "training rows" without a Split Data step).

The `.ilearner` format is our own, versioned JSON:

    {"format": "mlws-linear-regression", "version": 1, "label": "price",
     "features": ["rooms", ...], "coefficients": [...], "intercept": 12.5,
     "trainingData": {"sha256": "...", "rows": 160}}

(`trainingData`: the whole dataset's hash, and how many of its rows the model was fitted on.)
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from toolkit.evaluation import EVALUATED_ON, HELD_OUT, METRICS, ROWS, TRAINING_ROWS

MODEL_FORMAT = "mlws-linear-regression"
MODEL_VERSION = 1
EVALUATION_COLUMNS = (*METRICS, ROWS, EVALUATED_ON)

# Split Data's parameters, and Studio's defaults for those a graph leaves out.
SPLITTING_MODE, SPLIT_ROWS = "Splitting mode", "Split Rows"
FRACTION = "Fraction of rows in the first output dataset"
RANDOMIZED = "Randomized split"
SEED = "Random seed"
STRATIFIED = "Stratified split"
SPLIT_DEFAULTS = {SPLITTING_MODE: SPLIT_ROWS, FRACTION: "0.5", RANDOMIZED: "True", SEED: "0", STRATIFIED: "False"}


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


@dataclass(frozen=True)
class Split:
    """A Split Data step in "Split Rows" mode; which rows go where is the rule of the module docstring."""

    fraction: Decimal  # of the rows in the first output (the training rows), strictly between 0 and 1
    randomized: bool
    seed: int

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any]) -> Split:
        """The split of Split Data's parameters (values as a graph or a BES request gives them: text, or JSON
        numbers and booleans); TrainingError naming the parameter for anything the emulator cannot split by."""
        given = {str(name).lower(): value for name, value in parameters.items()}
        value = {name: given.get(name.lower(), default) for name, default in SPLIT_DEFAULTS.items()}
        if str(value[SPLITTING_MODE]).strip().lower() != SPLIT_ROWS.lower():
            raise TrainingError(
                f"Split Data: {SPLITTING_MODE!r} is {value[SPLITTING_MODE]!r}; "
                f"the emulator splits by {SPLIT_ROWS!r} only"
            )
        if _boolean(value[STRATIFIED], STRATIFIED):
            raise TrainingError(f"Split Data: {STRATIFIED!r} is True; the emulator does no stratified split")
        try:
            fraction = Decimal(str(value[FRACTION]).strip())
        except InvalidOperation:
            fraction = Decimal("NaN")
        if isinstance(value[FRACTION], bool) or not fraction.is_finite() or not 0 < fraction < 1:
            raise TrainingError(
                f"Split Data: {FRACTION!r} is {value[FRACTION]!r}; it must be a number between 0 and 1 (exclusive)"
            )
        seed = str(value[SEED]).strip()
        if isinstance(value[SEED], bool) or not seed.isdigit():
            raise TrainingError(f"Split Data: {SEED!r} is {value[SEED]!r}; it must be a whole number, 0 or more")
        return cls(fraction, _boolean(value[RANDOMIZED], RANDOMIZED), int(seed))

    def parts(self, count: int) -> tuple[Any, Any]:
        """The row numbers (numpy arrays) of the first output and of the second, for `count` rows."""
        import numpy as np

        # Exact decimal arithmetic (0.29 * 100 is 29, not 28.999...); a fraction below 1 leaves a row to evaluate on.
        first = int(self.fraction * count)
        order = np.random.default_rng(self.seed).permutation(count) if self.randomized else np.arange(count)
        return order[:first], order[first:]


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise TrainingError(f"Split Data: {name!r} is {value!r}; it must be True or False")
    return text == "true"


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


def train(data: bytes, location: str, label: str, split: Split | None = None) -> tuple[LinearModel, bytes]:
    """Fit `label` on the other numeric columns (on the first part of `split`, else every row); return the
    model and the evaluation CSV (on the second part, else every row)."""
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
    everything = np.arange(len(rows))
    fitted, evaluated = split.parts(len(rows)) if split is not None else (everything, everything)
    if len(fitted) <= len(features):
        too_few = f"{len(rows)} rows are too few"
        if split is not None:
            too_few = f"the Split Data step leaves {len(fitted)} of the {len(rows)} rows to train on, too few"
        raise TrainingError(f"{location}: {too_few} for {len(features)} features and an intercept")

    design = np.column_stack([np.array(feature_values).T, np.ones(len(rows))])
    observed = np.array(target)
    solution, *_ = np.linalg.lstsq(design[fitted], observed[fitted], rcond=None)
    model = LinearModel(
        label=columns[label_index],
        features=tuple(features),
        coefficients=tuple(float(value) for value in solution[:-1]),
        intercept=float(solution[-1]),
        data_sha256=hashlib.sha256(data).hexdigest(),
        rows=len(fitted),
    )
    held_out = HELD_OUT if split is not None else TRAINING_ROWS
    return model, _evaluation(observed[evaluated], design[evaluated] @ solution, held_out)


def _evaluation(observed, predicted, evaluated_on: str) -> bytes:
    """Evaluate Model's regression metrics; the relative ones are NaN when the observed values do not vary."""
    import numpy as np

    residuals = observed - predicted
    deviations = observed - observed.mean()
    absolute, squared = float(np.sum(np.abs(deviations))), float(np.sum(deviations**2))
    relative_absolute = float(np.sum(np.abs(residuals))) / absolute if absolute > 0 else math.nan
    relative_squared = float(np.sum(residuals**2)) / squared if squared > 0 else math.nan
    metrics = (
        float(np.mean(np.abs(residuals))),
        float(np.sqrt(np.mean(residuals**2))),
        relative_absolute,
        relative_squared,
        1.0 - relative_squared,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVALUATION_COLUMNS)
    writer.writerow(
        [*("NaN" if math.isnan(value) else f"{value:.6g}" for value in metrics), len(observed), evaluated_on]
    )
    return buffer.getvalue().encode("utf-8")
