"""Evaluate before promoting: a training job's metrics, the record of a promoted model's metrics beside its
definition, and the gates a new model must pass before it is promoted.

Metrics are the columns Studio's Evaluate Model writes for a regression (METRICS), read from the one dataset
output of the job that carries them (`job_metrics`), one row; a value that is not a finite number is refused.

The record (`metrics_file`: X.json -> X.metrics.json beside it) is what git review sees of a promoted model's
evaluation, and what `--promote-if-better` compares the next model with. It names the model it describes (its
blob without a SAS) and is canonical and byte-stable: the same job's result always gives the same bytes (no times):

    {
      "format": "mlws-metrics",
      "version": 1,
      "model": "http://127.0.0.1:10000/devstoreaccount1/models/housing-v2.ilearner",
      "job": "539d0bc2fde945b6ac986b851d0000f0",
      "rows": 40,
      "evaluatedOn": "held-out rows",
      "metrics": {
        "Mean Absolute Error": 3641.64,
        "Root Mean Squared Error": 4820.54,
        "Relative Absolute Error": 0.0275834,
        "Relative Squared Error": 0.00100996,
        "Coefficient of Determination": 0.99899
      }
    }

`rows` and `evaluatedOn` are null when the evaluation does not say (Studio's own Evaluate Model does not; the
emulator adds both). Gates (`parse_gates`):
- "METRIC OP NUMBER" (--promote-if), OP one of >= > <= <;
- "METRIC" (--promote-if-better): strictly better than the live model's recorded value, lower for the errors and
  higher for the Coefficient of Determination; an equal value is not better.
Metric names are matched ignoring case and repeated spaces. `check_gates` gives one GateCheck per gate; its margin
is positive on the passing side (value - bound for >= and >, bound - value for <= and <, the improvement over the
live value for "better") and negative by what it fails by.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import jsonfile
from toolkit.errors import BadInput, Refused

METRICS = (
    "Mean Absolute Error",
    "Root Mean Squared Error",
    "Relative Absolute Error",
    "Relative Squared Error",
    "Coefficient of Determination",
)
HIGHER_IS_BETTER = frozenset({"Coefficient of Determination"})
ROWS, EVALUATED_ON = "Rows", "Evaluated On"  # the emulator's own columns after the metrics
HELD_OUT, TRAINING_ROWS = "held-out rows", "training rows"  # what "Evaluated On" says

RECORD_FORMAT, RECORD_VERSION = "mlws-metrics", 1
RECORD_SUFFIX = ".metrics.json"

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_COMPARISON = re.compile(r"\s*(?P<metric>[^<>=!]+?)\s*(?P<operator>>=|<=|>|<)\s*(?P<bound>[^<>=!\s]+)\s*")
_BY_LOWER = {name.lower(): name for name in METRICS}
PROMOTE_IF, PROMOTE_IF_BETTER = "--promote-if", "--promote-if-better"


def _number(value: float) -> str:
    return f"{value:.6g}"


# -- metrics of a job ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """One evaluation: the known metrics it has (in METRICS order), how many rows and which were evaluated."""

    values: dict[str, float]
    rows: int | None = None
    evaluated_on: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "evaluatedOn": self.evaluated_on, "metrics": dict(self.values)}


def job_metrics(evaluation: Mapping[str, Sequence[Mapping[str, str]]]) -> Metrics | None:
    """The metrics among a job's dataset outputs (output name -> rows, as read): None when no output has a metric
    column; refused when several outputs have them, the output has other than one row, or a value is not a finite
    number."""
    found = {
        name: rows
        for name, rows in evaluation.items()
        if any(str(column).strip().lower() in _BY_LOWER for row in rows[:1] for column in row)
    }
    if not found:
        return None
    if len(found) > 1:
        raise Refused(f"the outputs {', '.join(map(repr, found))} all carry metrics: which one to judge by is unclear")
    (output, rows), *_ = found.items()
    if len(rows) != 1:
        raise Refused(f"the evaluation output {output!r} has {len(rows)} rows of metrics; one is needed to judge by")
    row = {str(column).strip().lower(): value for column, value in rows[0].items()}
    values = {}
    for name in METRICS:
        if name.lower() in row:
            values[name] = _finite(row[name.lower()], f"{name} in the evaluation output {output!r}")
    rows_evaluated = str(row.get(ROWS.lower()) or "").strip()
    return Metrics(
        values,
        int(rows_evaluated) if rows_evaluated.isdigit() else None,
        str(row.get(EVALUATED_ON.lower()) or "").strip() or None,
    )


def _finite(text: Any, where: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise Refused(f"{where} is {text!r}: not a number") from None
    if not math.isfinite(value):
        raise Refused(f"{where} is {text!r}: not a finite number")
    return value


# -- the record beside a definition ------------------------------------------------------------------------------


def metrics_file(definition: Path) -> Path:
    """Where a definition's model's metrics are recorded: X.json -> X.metrics.json in the same folder."""
    return definition.with_name(definition.name.removesuffix(".json") + RECORD_SUFFIX)


def is_metrics_file(path: Path) -> bool:
    """Whether a file is a metrics record by its name (the environment verbs skip them: they are no definitions)."""
    return path.name.endswith(RECORD_SUFFIX)


@dataclass(frozen=True)
class Record:
    """A promoted model's metrics as recorded beside its definition."""

    model: str  # the model's blob, without a SAS
    job: str  # the BES job that trained it
    metrics: Metrics

    def to_json(self) -> dict[str, Any]:
        return {"format": RECORD_FORMAT, "version": RECORD_VERSION, "model": self.model, "job": self.job,
                **self.metrics.to_json()}  # fmt: skip

    def text(self) -> str:
        """The canonical file text: keys in a fixed order, 2-space indent, a trailing newline."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def check_metrics_file(path: Path, flag: str) -> None:
    """Refuse, before anything is sent, a record path that cannot be one: a name the environment verbs would take for
    a definition, a folder that does not exist, or a record there that does not read."""
    if not is_metrics_file(path):
        raise BadInput(f"{flag} {path}: a metrics file's name ends with {RECORD_SUFFIX} (it is no definition)")
    if not path.parent.is_dir():
        raise BadInput(f"{flag} {path}: directory {path.parent} does not exist")
    read_record(path)


def read_record(path: Path) -> Record | None:
    """The record in `path`, None when there is none; BadInput naming what is wrong with one that does not read."""
    if not path.exists():
        return None
    data = jsonfile.read(path, expect=dict)
    version = data.get("version")
    if data.get("format") != RECORD_FORMAT or isinstance(version, bool) or version != RECORD_VERSION:
        raise BadInput(f"{path}: not an {RECORD_FORMAT} v{RECORD_VERSION} record (its format and version)")
    model, job, metrics, rows = data.get("model"), data.get("job"), data.get("metrics"), data.get("rows")
    if not isinstance(model, str) or not model or not isinstance(job, str) or not isinstance(metrics, dict):
        raise BadInput(f"{path}: a metrics record needs a model and a job (strings) and metrics (an object)")
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise BadInput(f"{path}: unknown metrics {', '.join(map(repr, unknown))}; the metrics are {', '.join(METRICS)}")
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadInput(f"{path}: metrics.{name} is not a number")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int)):
        raise BadInput(f"{path}: rows is not a whole number")
    evaluated_on = data.get("evaluatedOn")
    values = {name: float(metrics[name]) for name in METRICS if name in metrics}
    return Record(model, job, Metrics(values, rows, evaluated_on if isinstance(evaluated_on, str) else None))


def write_record(path: Path, record: Record) -> None:
    """Write the record atomically (a crash leaves the old one or the new one, never half of either)."""
    from toolkit.definition.canonical import write_text

    write_text(path, record.text())


# -- gates -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """A condition on the new model's metrics: `metric OP bound`, or (operator None) better than the live model's."""

    metric: str
    operator: str | None = None
    bound: float | None = None

    @property
    def better(self) -> bool:
        return self.operator is None

    @property
    def text(self) -> str:
        if self.better:
            return f"{self.metric} better than live"
        return f"{self.metric} {self.operator} {_number(self.bound)}"


def parse_gates(promote_if: Sequence[str] = (), promote_if_better: Sequence[str] = ()) -> list[Gate]:
    """The gates of --promote-if ("METRIC OP NUMBER") and --promote-if-better ("METRIC") texts; BadInput naming the
    option, the text and the fix for a bad one."""
    gates = []
    for text in promote_if:
        match = _COMPARISON.fullmatch(text)
        if match is None:
            raise BadInput(
                f"{PROMOTE_IF} {text!r}: expected METRIC OP NUMBER with OP one of {' '.join(OPERATORS)}, "
                f"e.g. {PROMOTE_IF} 'Coefficient of Determination >= 0.9'"
            )
        try:
            bound = float(match["bound"])
        except ValueError:
            bound = math.nan
        if not math.isfinite(bound):
            raise BadInput(f"{PROMOTE_IF} {text!r}: {match['bound']!r} is not a finite number")
        gates.append(Gate(_metric(match["metric"], PROMOTE_IF, text), match["operator"], bound))
    gates += [Gate(_metric(text, PROMOTE_IF_BETTER, text)) for text in promote_if_better]
    return gates


def _metric(name: str, flag: str, text: str) -> str:
    known = _BY_LOWER.get(" ".join(name.split()).lower())
    if known is None:
        raise BadInput(f"{flag} {text!r}: unknown metric {name.strip()!r}; the metrics are: {', '.join(METRICS)}")
    return known


@dataclass(frozen=True)
class GateCheck:
    """One gate judged: the new value, what it was held against (the bound or the live value), the margin."""

    gate: Gate
    value: float | None
    against: float | None  # the bound, or the live model's value
    margin: float | None
    passed: bool
    reason: str | None = None  # why it failed, when there was nothing to compare

    def to_json(self) -> dict[str, Any]:
        gate = self.gate
        return {
            "gate": gate.text,
            "metric": gate.metric,
            "operator": "better" if gate.better else gate.operator,
            "value": self.value,
            "bound": gate.bound,
            "live": self.against if gate.better else None,
            "margin": self.margin,
            "passed": self.passed,
            "reason": self.reason,
        }

    def cells(self) -> list[str]:
        shown = "" if self.against is None else f"{_number(self.against)} ({'live' if self.gate.better else 'bound'})"
        return [
            "pass" if self.passed else "FAIL",
            self.gate.text,
            "" if self.value is None else _number(self.value),
            shown,
            "" if self.margin is None else f"{self.margin:+.6g}",
        ]

    def failure(self) -> str:
        """What failed and by how much, in one clause."""
        gate = self.gate
        if self.reason is not None:
            return f"{gate.text}: {self.reason}"
        if gate.better:
            lower = "higher" if gate.metric in HIGHER_IS_BETTER else "lower"
            how = "equal to" if self.margin == 0 else f"worse by {_number(-self.margin)} than"
            return (
                f"{gate.metric} {_number(self.value)} is {how} the live model's {_number(self.against)} "
                f"({lower} is better)"
            )
        bound = f"{gate.operator} {_number(gate.bound)}"
        return f"{gate.metric} {_number(self.value)} fails {bound} by {_number(-self.margin)}"


@dataclass(frozen=True)
class Live:
    """The live model's recorded metrics, or why there are none to compare with."""

    record: Record | None
    missing: str | None = None  # set when `record` cannot be compared with: "no recorded metrics ..."


def live_metrics(path: Path | None, live_model: str | None) -> Live:
    """The record in `path`, if it is of `live_model` (None: the live model is not known, any record is taken)."""
    if path is None:
        return Live(None, "no recorded metrics for the live model (no metrics file)")
    record = read_record(path)
    if record is None:
        return Live(None, f"no recorded metrics for the live model ({path} does not exist)")
    if live_model is not None and record.model != live_model:
        return Live(record, f"{path} records the metrics of {record.model}, but the live model is {live_model}")
    return Live(record)


def check_gates(gates: Sequence[Gate], new: Metrics | None, live: Live) -> list[GateCheck]:
    """Each gate judged on the new metrics (and the live model's, for "better")."""
    checks = []
    for gate in gates:
        value = None if new is None else new.values.get(gate.metric)
        if value is None:
            checks.append(GateCheck(gate, None, None, None, False, f"the job's evaluation has no {gate.metric}"))
            continue
        if not gate.better:
            margin = value - gate.bound if gate.operator.startswith(">") else gate.bound - value
            checks.append(GateCheck(gate, value, gate.bound, margin, OPERATORS[gate.operator](value, gate.bound)))
            continue
        against = live.record.metrics.values.get(gate.metric) if live.record is not None else None
        if live.missing is not None or against is None:
            reason = live.missing or f"no recorded {gate.metric} for the live model"
            checks.append(GateCheck(gate, value, against if live.missing is None else None, None, False, reason))
            continue
        margin = value - against if gate.metric in HIGHER_IS_BETTER else against - value
        checks.append(GateCheck(gate, value, against, margin, margin > 0))
    return checks


def refusal(checks: Sequence[GateCheck]) -> str | None:
    """The message of a refusal (every failing gate, by how much), None when every gate passed."""
    failed = [check.failure() for check in checks if not check.passed]
    if not failed:
        return None
    return f"not promoted: {'; '.join(failed)}"
