"""Retraining through a web service's runtime, for any kind of Studio web service: run the training
service's BES job (inputs uploaded or named, outputs to blobs), read its evaluation, judge it by the gates
(toolkit.evaluation), hand the new model to the provider (which swaps it into a definition file or an
endpoint) and record its metrics, manage jobs, and score rows through RRS.

A provider connects (`RuntimeService`: how messages name the service, its input names, a runtime client
with its key); everything after that is here. Storage credentials come from the environment only
(AZURE_STORAGE_CONNECTION_STRING); nothing here prints, exits or writes a secret: results carry blob
locations without SAS tokens.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from toolkit import evaluation, jsonfile
from toolkit.errors import BadInput, ExitCode, MlwsError, ServiceError
from toolkit.operation import Progress
from toolkit.result import Result, Shown
from toolkit.runtime import ENDED, BlobResult, JobStatus, RuntimeClient
from toolkit.text import parse_pairs, table

MODEL_EXTENSION = ".ilearner"
UPLOAD_CONTAINER = "mlws-uploads"


@dataclass
class RuntimeService:
    """A live web service as the runtime commands need it."""

    label: str  # how messages name it: "'housing-training'"
    input_names: list[str]  # its web-service inputs, in order
    client: RuntimeClient


# -- retrain ----------------------------------------------------------------------------------------------


@dataclass
class RetrainOptions:
    inputs: list[str] = field(default_factory=list)  # NAME=CONTAINER/BLOB.csv
    uploads: list[str] = field(default_factory=list)  # NAME=LOCAL.csv
    outputs: list[str] = field(default_factory=list)  # NAME=CONTAINER/BLOB.ilearner
    global_parameters: list[str] = field(default_factory=list)  # NAME=VALUE
    update_definition: Path | None = None
    asset: str | None = None
    keep_job: bool = False
    timeout: float | None = None
    promote_if: list[str] = field(default_factory=list)  # "METRIC OP NUMBER" (toolkit.evaluation.parse_gates)
    promote_if_better: list[str] = field(default_factory=list)  # METRIC
    metrics_file: Path | None = None  # the live model's metrics record; default: beside update_definition
    journal: JobJournal | None = None  # a resumable run's record of its job (toolkit.pipeline); not a flag

    def metrics_record(self) -> Path | None:
        """Where the live model's metrics are recorded: --metrics-file, else beside the definition to update."""
        if self.metrics_file is not None:
            return self.metrics_file
        return evaluation.metrics_file(self.update_definition) if self.update_definition is not None else None


# A run's id: it goes into blob names (models/housing.ilearner -> models/housing.RUN.ilearner).
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def check_run(run: str) -> str:
    if not RUN_ID.fullmatch(run):
        raise BadInput(f"--run {run!r}: give letters, digits, - and _ (at most 64), starting with a letter or digit")
    return run


def with_run(location: str, run: str) -> str:
    """CONTAINER/BLOB.EXT with the run id before its extension: each run writes blobs of its own."""
    folder, _, blob = location.rpartition("/")
    stem, dot, extension = blob.rpartition(".")
    named = f"{stem}.{run}.{extension}" if dot and stem else f"{blob}.{run}"
    return f"{folder}/{named}" if folder else named


def outputs_of_run(options: RetrainOptions, run: str) -> RetrainOptions:
    """The job's options with every output blob named for the run (with_run)."""
    pairs = (output.partition("=") for output in options.outputs)
    return replace(options, outputs=[f"{name}={with_run(location, run)}" for name, _, location in pairs])


class JobJournal(Protocol):
    """Where a resumable run keeps its BES job: the id is recorded as soon as the service issues it, and a run that
    finds one recorded waits for that job (starting it if it never was) instead of training again."""

    def recorded_job(self) -> str | None: ...

    def job_submitted(self, job_id: str) -> None: ...


@dataclass(frozen=True)
class Training:
    """A training job as a file declares it (a fleet's instance, a pipeline's step): which service trains (its name;
    a Classic one's id and `endpoint`), on what, into which blobs, with which global parameters."""

    service: str | None = None
    endpoint: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # NAME: CONTAINER/BLOB.csv
    uploads: dict[str, Path] = field(default_factory=dict)  # NAME: local file
    outputs: dict[str, str] = field(default_factory=dict)  # NAME: CONTAINER/BLOB
    global_parameters: dict[str, str] = field(default_factory=dict)  # NAME: VALUE, `${VAR}` read when it runs

    def options(self, environ: Mapping[str, str]) -> RetrainOptions:
        """The job's options; `${VAR}` in a global parameter read from `environ` (BadInput naming what is unset)."""
        from toolkit.definition.secrets import resolve_placeholders

        parameters = resolve_placeholders({"globalParameters": self.global_parameters}, environ)["globalParameters"]
        return RetrainOptions(
            inputs=[f"{name}={location}" for name, location in self.inputs.items()],
            uploads=[f"{name}={path}" for name, path in self.uploads.items()],
            outputs=[f"{name}={location}" for name, location in self.outputs.items()],
            global_parameters=[f"{name}={value}" for name, value in parameters.items()],
        )


class ModelChange(Protocol):
    """What a provider did with the new model: `json_key` names it in the result's JSON, `lines` in its text."""

    json_key: str

    def to_json(self) -> dict[str, Any]: ...

    def lines(self) -> list[str]: ...


@dataclass
class DefinitionUpdate:
    """The model written into a definition file, for review and deployment (`deploy`: the commands that do it)."""

    file: Path
    asset: str
    previous_uri: str | None
    uri: str
    deploy: str
    json_key = "definition"

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.file), "asset": self.asset, "previousUri": self.previous_uri, "uri": self.uri}

    def lines(self) -> list[str]:
        return [
            f"{self.file}: asset {self.asset!r} now points to {self.uri}",
            f"  (was {self.previous_uri}); next: {self.deploy}",
        ]


@dataclass
class RetrainResult(Result):
    service: str
    job: Any  # toolkit.runtime.JobStatus
    seconds: float
    uploaded: dict[str, str]
    evaluation: dict[str, list[dict[str, str]]]
    change: ModelChange | None
    job_kept: bool
    jobs: str = "mlws job {verb}"  # the command that manages the service's jobs (toolkit.runtime.RuntimeClient)
    metrics: evaluation.Metrics | None = None  # the job's, when gates or a record need them
    live: evaluation.Live | None = None  # the live model's recorded metrics, when there is a place for them
    metrics_file: Path | None = None
    metrics_written: bool = False
    checks: list[evaluation.GateCheck] = field(default_factory=list)
    refused: str | None = None  # why the model was not promoted (a failing gate)

    @property
    def exit_code(self) -> int:
        return ExitCode.REFUSED if self.refused else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        live = self.live.record if self.live is not None else None
        return {
            "service": self.service,
            "jobId": self.job.job_id,
            "statusCode": self.job.status,
            "seconds": round(self.seconds, 3),
            "uploaded": self.uploaded,
            "outputs": {result.name: result.location for result in self.job.results},
            "evaluation": self.evaluation,
            "definition": None,
            **({self.change.json_key: self.change.to_json()} if self.change else {}),
            "metrics": {
                "new": self.metrics.to_json() if self.metrics is not None else None,
                "live": live.to_json() if live is not None else None,
                "liveMissing": self.live.missing if self.live is not None else None,
                "file": str(self.metrics_file) if self.metrics_file is not None else None,
                "written": self.metrics_written,
            },
            "gates": [check.to_json() for check in self.checks],
            "promoted": self.change is not None,
            "refused": self.refused,
            "jobKept": self.job_kept,
        }

    def to_text(self) -> str:
        lines = [f"BES job {self.job.job_id} of {self.service}: {self.job.status} in {self.seconds:.1f}s"]
        lines += [f"  uploaded {name}: {location}" for name, location in self.uploaded.items()]
        width = max((len(result.name) for result in self.job.results), default=0)
        for result in self.job.results:
            lines.append(f"  {result.name:<{width}}  {result.location}")
            for row in self.evaluation.get(result.name, []):
                lines.append("      " + ", ".join(f"{column}: {value}" for column, value in row.items()))
        lines += self._metrics_lines()
        if self.checks:
            lines.append("gates:")
            lines += _indented(
                table(["", "gate", "new", "against", "margin"], [check.cells() for check in self.checks])
            )
        if self.change:
            lines += self.change.lines()
        if self.metrics_written:
            lines.append(f"{self.metrics_file}: the new model's metrics recorded")
        if self.refused:
            lines.append(self.refused)
        kept = f"job {self.job.job_id} kept ({self.jobs.format(verb='show|cancel')} --job {self.job.job_id})"
        lines.append(kept if self.job_kept else "job deleted")
        return "\n".join(lines)

    def _metrics_lines(self) -> list[str]:
        """The new model's metrics beside the live model's (as recorded), when there are any."""
        live = self.live.record if self.live is not None else None
        if self.metrics is None and live is None:
            return []
        sides = [("new", self.metrics), *([("live", live.metrics)] if live is not None else [])]
        names = [name for name in evaluation.METRICS if any(m is not None and name in m.values for _, m in sides)]
        rows = [[name, *(_metric_cell(m, name) for _, m in sides)] for name in names]
        rows.append(["rows evaluated", *("" if m is None or m.rows is None else str(m.rows) for _, m in sides)])
        rows.append(["evaluated on", *("" if m is None else m.evaluated_on or "" for _, m in sides)])
        lines = ["metrics:", *_indented(table(["", *(side for side, _ in sides)], rows))]
        if self.live is not None and self.live.missing is not None:
            lines.append(f"  live: {self.live.missing}")
        return lines


def _metric_cell(metrics: evaluation.Metrics | None, name: str) -> str:
    value = None if metrics is None else metrics.values.get(name)
    return "" if value is None else f"{value:.6g}"


def _indented(text: str) -> list[str]:
    return ["  " + line for line in text.splitlines()]


def run_training_job(
    connect: Callable[[], RuntimeService],
    options: RetrainOptions,
    *,
    swap: Callable[[JobStatus], ModelChange] | None = None,
    live_model: Callable[[], str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """Run the training service's BES job to the end; judge its metrics by the gates; only when every gate passes,
    `swap` hands its model to the provider and the metrics are recorded (options.metrics_record()).

    Every input, the gates and the record's place are checked before `connect` is called and anything is uploaded
    or submitted; `swap` runs only after the job finished, so the file it changes is read as it is then (edits made
    while the job ran are kept). `live_model` names the model the promotion would replace (its blob, no SAS):
    --promote-if-better compares only with a record of that model. A failing gate changes nothing: the result says
    which and by how much, and exits 4 (the model blob stays). The job is deleted afterwards unless
    `options.keep_job`.
    """
    from toolkit import storage

    gates = evaluation.parse_gates(options.promote_if, options.promote_if_better)
    record_path = options.metrics_record()
    if record_path is not None:
        evaluation.check_metrics_file(record_path, "--metrics-file" if options.metrics_file is not None else None)
    elif any(gate.better for gate in gates):
        raise BadInput(
            "--promote-if-better compares with the live model's recorded metrics: give --update-definition FILE "
            "(they are recorded beside it) or --metrics-file FILE"
        )
    inputs = parse_pairs(options.inputs, "--input", "trainingData=data/train.csv")
    uploads = {
        name: Path(path) for name, path in parse_pairs(options.uploads, "--upload", "trainingData=train.csv").items()
    }
    outputs = parse_pairs(options.outputs, "--output-blob", "model=models/housing-v2.ilearner")
    parameters = parse_pairs(options.global_parameters, "--global-param", "'Label column=price'")
    both = sorted(set(inputs) & set(uploads))
    if both:
        raise BadInput(f"input {both[0]!r} is given by both --input and --upload; give one")
    contents = {}
    for input_name, path in uploads.items():
        try:
            contents[input_name] = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"--upload {input_name}={path}: cannot read the file: {exc.strerror}") from None
    connection = storage.connection_string_from_env(environ)
    account = storage.parse_connection_string(connection)
    if swap is not None and live_model is not None:
        _check_outputs_spare(outputs, live_model(), account)

    service = connect()
    client = service.client
    uploaded = {}
    for input_name, data in contents.items():
        location = f"{UPLOAD_CONTAINER}/{hashlib.sha256(data).hexdigest()[:16]}/{uploads[input_name].name}"
        storage.upload(account, location, data)
        inputs[input_name] = location
        uploaded[input_name] = account.url(location)
    body = {
        "Inputs": {n: {"ConnectionString": connection, "RelativeLocation": loc} for n, loc in inputs.items()},
        "Outputs": {n: {"ConnectionString": connection, "RelativeLocation": loc} for n, loc in outputs.items()},
        "GlobalParameters": parameters,
    }
    began = time.monotonic()
    recorded = _recorded_job(client, options.journal)
    if recorded is None:
        job_id = client.submit(body)
        if options.journal is not None:
            options.journal.job_submitted(job_id)
    else:
        job_id = recorded.job_id
    try:
        if recorded is None or recorded.status == "NotStarted":  # a recorded job may never have been started
            client.start(job_id)
        job = client.wait(job_id, timeout=options.timeout, progress=progress)
    except BaseException:
        if not options.keep_job:
            _delete_quietly(client, job_id)
        raise
    seconds = time.monotonic() - began
    outputs_read = {result.name: _read_evaluation(result) for result in job.results if not _is_model(result.location)}
    result = RetrainResult(
        service.label, job, seconds, uploaded, outputs_read, None, options.keep_job, jobs=service.client.jobs,
        metrics_file=record_path,
    )  # fmt: skip
    model = next((output.location for output in job.results if _is_model(output.location)), None)
    try:
        _promote(result, gates, swap, live_model)
        if result.refused:
            stays = f", and the new model stays at {model} for inspection" if model else ""
            result.refused += f"; nothing was changed{stays}"
    except MlwsError as error:  # the model is trained: say where it is, so it can be used by hand
        kept = " (kept)" if options.keep_job else ""
        error.message += f"; the job's model is at {model} (BES job {job_id}{kept})"
        raise
    finally:
        if not options.keep_job:
            _delete_quietly(client, job_id)
    return result


def _check_outputs_spare(outputs: Mapping[str, str], live: str | None, account) -> None:
    """BadInput when an output is the blob of the model the promotion would replace: the job would overwrite the
    model the live service serves as soon as it ends, before any gate judges it or anyone reviews it."""
    from urllib.parse import unquote

    live = unquote(live.split("?", 1)[0]) if live else None
    for name, location in outputs.items():
        if live is not None and unquote(account.url(location.strip("/"))) == live:
            raise BadInput(
                f"--output-blob {name}={location} is the blob of the live model ({live}): the job would overwrite "
                "the model the service serves before anything is judged or reviewed; give the new model a blob "
                "of its own"
            )


def _recorded_job(client: RuntimeClient, journal: JobJournal | None) -> JobStatus | None:
    """The journal's job if the service still has it; None (train anew) when there is none or it is gone (a job
    is deleted once its outcome is known, which a run may not have recorded before it was killed)."""
    job_id = journal.recorded_job() if journal is not None else None
    if job_id is None:
        return None
    try:
        return client.status(job_id)
    except ServiceError as error:
        if error.info.status != 404:
            raise
        return None


def _promote(
    result: RetrainResult,
    gates: list[evaluation.Gate],
    swap: Callable[[JobStatus], ModelChange] | None,
    live_model: Callable[[], str | None] | None,
) -> None:
    """Judge the job's metrics by the gates; when all pass, swap the model in and record its metrics beside it."""
    record_path = result.metrics_file
    recording = swap is not None and record_path is not None
    if gates or recording:
        result.metrics = evaluation.job_metrics(result.evaluation)
    if record_path is not None:
        result.live = evaluation.live_metrics(record_path, live_model() if live_model is not None else None)
    result.checks = evaluation.check_gates(gates, result.metrics, result.live or evaluation.Live(None))
    result.refused = evaluation.refusal(result.checks)
    if result.refused or swap is None:
        return
    result.change = swap(result.job)
    if recording and result.metrics is not None:
        record = evaluation.Record(the_model(result.job, record_path).location, result.job.job_id, result.metrics)
        try:
            evaluation.write_record(record_path, record)
        except MlwsError as exc:
            raise MlwsError(
                f"the new model was promoted ({result.change.lines()[0]}), but its metrics were not recorded: "
                f"{exc.message}"
            ) from exc
        result.metrics_written = True


def _is_model(location: str) -> bool:
    return location.lower().endswith(MODEL_EXTENSION)


def _delete_quietly(client, job_id: str) -> None:
    # Cleanup after the job's outcome is known: a failure here must not hide that outcome.
    with contextlib.suppress(MlwsError):
        client.delete(job_id)


def _read_evaluation(result) -> list[dict[str, str]]:
    """A small dataset output (e.g. the evaluation metrics) as rows, read through its SAS."""
    from toolkit import storage

    text = storage.download_url(result.readable_url).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))[:20]


def the_model(job: JobStatus, where: Path | str) -> BlobResult:
    """The job's one .ilearner output (what goes into `where`: a definition file, an endpoint)."""
    models = [result for result in job.results if _is_model(result.location)]
    if len(models) != 1:
        raise MlwsError(
            f"job {job.job_id} wrote {len(models)} {MODEL_EXTENSION} outputs, so which model goes into {where} is "
            f"unclear; {where} was not changed"
        )
    return models[0]


# -- jobs ----------------------------------------------------------------------------------------------------


@dataclass
class JobListing(Result):
    service: str
    jobs: list[Any]

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "jobs": [job.to_json() for job in self.jobs]}

    def to_text(self) -> str:
        if not self.jobs:
            return f"no BES jobs on {self.service}"
        return "\n".join(f"{job.job_id}  {job.status:<10}  created {job.created or '?'}" for job in self.jobs)


def show_job(service: RuntimeService, job_id: str) -> JobStatus:
    return service.client.status(job_id)


def list_jobs(service: RuntimeService) -> JobListing:
    return JobListing(service.label, service.client.list_jobs())


def cancel_job(service: RuntimeService, job_id: str) -> Shown:
    """Cancel a job that has not ended, or delete an ended one; shows its status just before."""
    before = service.client.status(job_id)
    service.client.delete(job_id)
    action = "deleted" if before.status in ENDED else "cancelled"
    return Shown({**before.to_json(), "action": action}, f"BES job {job_id} ({before.status}): {action}")


# -- score ---------------------------------------------------------------------------------------------------


@dataclass
class ScoreResult(Result):
    service: str
    output: str
    rows: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "output": self.output, "rows": self.rows}

    def to_text(self) -> str:
        if not self.rows:
            return f"{self.service} scored no rows"
        from toolkit.text import table

        columns = list(dict.fromkeys(column for row in self.rows for column in row))
        return table(columns, [[_cell(row.get(column)) for column in columns] for row in self.rows])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def read_rows(path: Path, flag: str = "--input") -> tuple[str | None, list[dict[str, Any]]]:
    """Rows to score from a CSV (header row) or JSON file: a list of objects, {"input1": [...]}, or a
    table {"ColumnNames": [...], "Values": [[...]]}. Returns (input name if the file names one, rows);
    messages name the file with `flag`."""
    label = f"{flag} {path}"
    text = jsonfile.read_text(path, flag=flag)
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            rows = [dict(row) for row in reader]
        except csv.Error as exc:
            raise BadInput(f"{label}: not CSV at line {reader.line_num}: {exc}") from None
        if not rows:
            raise BadInput(f"{label}: no rows under the header")
        longer = next((index for index, row in enumerate(rows) if None in row), None)
        if longer is not None:  # DictReader would file the extra values under the column name None
            raise BadInput(f"{label}: row {longer + 1} has more values than the header has columns")
        return None, rows
    data = jsonfile.parse(text, source=label)
    input_name = None
    if isinstance(data, dict) and len(data) == 1 and not {"ColumnNames", "Values"} & set(data):
        input_name, data = next(iter(data.items()))
    if isinstance(data, dict) and isinstance(data.get("ColumnNames"), list) and isinstance(data.get("Values"), list):
        columns = data["ColumnNames"]
        if not all(isinstance(row, list) and len(row) == len(columns) for row in data["Values"]):
            raise BadInput(f"{label}: every row of Values needs {len(columns)} values (one per ColumnNames entry)")
        data = [dict(zip(columns, row, strict=True)) for row in data["Values"]]
    if not isinstance(data, list) or not data or not all(isinstance(row, dict) for row in data):
        raise BadInput(
            f"{label}: expected a non-empty list of row objects, e.g. "
            '[{"rooms": 3, "area_sqm": 70, "age_years": 12}], or a CSV file with a header row'
        )
    return input_name, data


def score(connect: Callable[[], RuntimeService], rows_file: Path) -> ScoreResult:
    """Send the file's rows to the service's RRS endpoint; the scored rows of its first output. The file is read
    before `connect` is called: a bad file sends nothing."""
    input_name, rows = read_rows(rows_file)
    service = connect()
    input_name = input_name or (service.input_names[0] if service.input_names else "input1")
    results = service.client.execute(input_name, rows, {})
    output, scored = next(iter(results.items()), (None, None))
    if output is None or not isinstance(scored, list):
        raise MlwsError(f"score with {service.label}: the answer carries no rows")
    return ScoreResult(service.label, output, scored)
